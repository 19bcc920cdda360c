import { fail } from "#shared/errors";
import { route } from "../http/route.ts";

/**
 * Producers and their appointments: the producers worker behind `PRODUCERS`. Every write is made
 * safe to retry by the pipeline's idempotency (an `Idempotency-Key` replays the first answer).
 */
export const producerRoutes = [
  route("createProducer", ({ env, principal, input }) => env.PRODUCERS.createProducer(principal, input.body)),
  route("listProducers", ({ env, principal, input }) => env.PRODUCERS.listProducers(principal, input.query)),
  route("getProducer", ({ env, principal, input }) => env.PRODUCERS.getProducer(principal, input.path.id)),
  route("updateProducer", ({ env, principal, input }) => env.PRODUCERS.updateProducer(principal, input.path.id, input.body)),
  route("listAppointments", ({ env, principal, input }) => env.PRODUCERS.listAppointments(principal, input.path.id, input.query)),
  route("createAppointment", ({ env, principal, input }) => env.PRODUCERS.createAppointment(principal, input.path.id, input.body)),
  route("updateAppointment", ({ env, principal, input }) => env.PRODUCERS.updateAppointment(principal, input.path.id, input.path.apptId, input.body)),
  route("listProducerCommissions", ({ env, principal, input }) => env.PRODUCERS.listProducerCommissions(principal, input.path.id, input.query)),
  // Analytics name the org in the path; only the caller's own org exists for it.
  route("getCommissionsSummary", async ({ env, principal, input }) =>
    input.path.orgId === principal.orgId ? env.PRODUCERS.commissionsSummary(principal, input.query) : fail("not_found", "Organization not found"),
  ),
];
