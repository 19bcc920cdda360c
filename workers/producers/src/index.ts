/**
 * The producers worker: the org's producers (NPN, licenses per state, commission rates per line)
 * and their carrier appointments. The gateway reaches {@link ProducersService} over a service
 * binding, having authenticated the caller and checked `producers:read` / `producers:write`;
 * underwriting asks {@link ProducersInternal} for a producer's distribution authority. This worker
 * owns `PRODUCERS_DB` and calls no other worker. Every method is confined to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Appointment, CreateAppointmentRequest, CreateProducerRequest, Producer, UpdateAppointmentRequest, UpdateProducerRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page, PageQuery } from "#shared/pagination";
import type { CommissionsSummaryQuery, ListProducerCommissionsQuery, ListProducersQuery, ProducersRpc } from "#shared/rpc";
import { eventQueues, relayOutbox } from "#shared/outbox";
import type { Commission, CommissionsSummary } from "#contract/types.gen";
import { commissionsSummary, listProducerCommissions } from "./commissions.service.ts";
import { raiseExpiringLicenses } from "./license-expiry.ts";
import { checkUserLink, producerOfUser, writeUserLink } from "./producer-users.ts";
import { createAppointment, listAppointments, updateAppointment } from "./appointments.service.ts";
import { database } from "./database.ts";
import type { ProducersEnv } from "./env.ts";
import { createProducer, getProducer, listProducers, updateProducer } from "./producers.service.ts";
import * as flags from "./flags.service.ts";
import type { EvaluatedFlag } from "#shared/rpc";
import { PRODUCERS_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type { ProducersEnv } from "./env.ts";
export { ProducersInternal } from "./internal.ts";
export { FlagStore } from "./flag-store.do.ts";

/** The public entrypoint: the gateway's `PRODUCERS` binding. */
export class ProducersService extends WorkerEntrypoint<ProducersEnv> implements ProducersRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, then the org's flag store forgets its memory. */
  async purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    const progress = await purgeOrgOf(principal, this.env.PRODUCERS_DB, PRODUCERS_PURGE);
    if (progress.ok && progress.value.done) await this.env.FLAG_STORE.getByName(principal.orgId).forget();
    return progress;
  }

  createProducer(principal: Principal, input: CreateProducerRequest): Promise<Result<Producer>> {
    return createProducer(database(this.env), principal, input);
  }

  listProducers(principal: Principal, query?: ListProducersQuery): Promise<Result<Page<Producer>>> {
    return listProducers(database(this.env), principal, query);
  }

  getProducer(principal: Principal, id: string): Promise<Result<Producer>> {
    return getProducer(database(this.env), principal, id);
  }

  /**
   * `userId` (the link to a `producer` user) is judged first, then the other fields are updated as
   * before, then the link is written; a body of only `userId` answers the producer as linked.
   */
  async updateProducer(principal: Principal, id: string, input: UpdateProducerRequest): Promise<Result<Producer>> {
    const db = database(this.env);
    if (input === null || typeof input !== "object" || !("userId" in input)) return updateProducer(db, principal, id, input);
    const { userId, ...rest } = input;
    const link = userId ?? null;
    const allowed = await checkUserLink(db, this.env.IDENTITY, principal, id, link);
    if (!allowed.ok) return allowed;
    if (Object.keys(rest).length > 0) {
      const updated = await updateProducer(db, principal, id, rest);
      if (!updated.ok) return updated;
    }
    const written = await writeUserLink(db, principal, id, link);
    if (!written.ok) return written;
    return getProducer(db, principal, id);
  }

  listAppointments(principal: Principal, producerId: string, query?: PageQuery): Promise<Result<Page<Appointment>>> {
    return listAppointments(database(this.env), principal, producerId, query);
  }

  createAppointment(principal: Principal, producerId: string, input: CreateAppointmentRequest): Promise<Result<Appointment>> {
    return createAppointment(database(this.env), principal, producerId, input);
  }

  updateAppointment(principal: Principal, producerId: string, id: string, input: UpdateAppointmentRequest): Promise<Result<Appointment>> {
    return updateAppointment(database(this.env), principal, producerId, id, input);
  }

  // Feature flags (flags.service.ts): the org's overrides, through its FlagStore object.

  listFlags(principal: Principal): Promise<Result<{ data: EvaluatedFlag[] }>> {
    return flags.listFlags(this.env.FLAG_STORE, principal);
  }

  getFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
    return flags.getFlag(this.env.FLAG_STORE, principal, key);
  }

  setFlag(principal: Principal, key: string, value: unknown): Promise<Result<EvaluatedFlag>> {
    return flags.setFlag(this.env.FLAG_STORE, principal, key, value);
  }

  deleteFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
    return flags.deleteFlag(this.env.FLAG_STORE, principal, key);
  }

  listProducerCommissions(principal: Principal, producerId: string, query?: ListProducerCommissionsQuery): Promise<Result<Page<Commission>>> {
    return listProducerCommissions(database(this.env), principal, producerId, query);
  }

  commissionsSummary(principal: Principal, query?: CommissionsSummaryQuery): Promise<Result<CommissionsSummary>> {
    return commissionsSummary(database(this.env), principal, query);
  }

  producerOfUser(principal: Principal): Promise<string | null> {
    return producerOfUser(database(this.env), principal);
  }
}

/** This worker's registry name: the `source` of its event messages (not exported: workerd takes every export for an entrypoint). */
const EVENT_SOURCE = "producers";

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /** Hourly: `producer.license_expiring` for licenses newly within 30 days of expiry (at the cron's time), then the outbox relay. */
  async scheduled(controller, env, ctx) {
    const db = database(env);
    ctx.waitUntil(raiseExpiringLicenses(db, env, new Date(controller.scheduledTime)).finally(() => relayOutbox(db, eventQueues(env), EVENT_SOURCE)));
  },
} satisfies ExportedHandler<ProducersEnv>;
