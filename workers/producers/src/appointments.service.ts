/**
 * Appointments: a producer's standing with a carrier for lines in one state, `pending → active →
 * terminated` (or `pending → terminated`). Each move is conditional on the status it moves from, so
 * of two racing moves only one commits and the other is judged against what it left.
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Appointment, CreateAppointmentRequest, UpdateAppointmentRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import type { Page, PageQuery } from "#shared/pagination";
import { findAppointment, findProducer, listAppointmentRows, toAppointment } from "./producers.repo.ts";
import { appointmentMoveAllowed, linesIssue, stateIssue } from "./rules.ts";
import { appointments } from "./schema.ts";

export async function createAppointment(db: DrizzleD1Database, principal: Principal, producerId: string, input: CreateAppointmentRequest): Promise<Result<Appointment>> {
  const clock = clockOf(principal);
  const today = clock.today();
  const checked = checkInput(input, today, ["carrier", "state", "lines"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  const bad = stateIssue(body.state, "state") ?? linesIssue(body.lines, "lines");
  if (bad) return bad;
  const producer = await findProducer(db, principal.orgId, producerId);
  if (!producer) return notFound("Producer");
  if (producer.status === "terminated") return fail("invalid_state_transition", "A terminated producer cannot be appointed", { producerStatus: "terminated" });
  const at = clock.now().toISOString();
  const row = {
    id: newId("apt"),
    orgId: principal.orgId,
    producerId,
    carrier: body.carrier,
    state: body.state,
    lines: body.lines,
    status: "pending" as const,
    requestedOn: today,
    activatedOn: null,
    terminatedOn: null,
    createdAt: at,
    updatedAt: at,
  };
  await db.insert(appointments).values(row).run();
  return ok(toAppointment(row));
}

export async function listAppointments(db: DrizzleD1Database, principal: Principal, producerId: string, query?: PageQuery): Promise<Result<Page<Appointment>>> {
  const producer = await findProducer(db, principal.orgId, producerId);
  if (!producer) return notFound("Producer");
  return listAppointmentRows(db, principal.orgId, producerId, query);
}

export async function updateAppointment(
  db: DrizzleD1Database,
  principal: Principal,
  producerId: string,
  id: string,
  input: UpdateAppointmentRequest,
): Promise<Result<Appointment>> {
  const clock = clockOf(principal);
  const today = clock.today();
  const checked = checkInput(input, today, ["status"]);
  if (!checked.ok) return checked;
  const to = checked.value.status;
  if (to !== "active" && to !== "terminated") return invalid("status", "enum", "status must be active or terminated");
  const current = await findAppointment(db, principal.orgId, producerId, id);
  if (!current) return notFound("Appointment");
  const refuse = (from: string) => fail("invalid_state_transition", `An appointment cannot move from ${from} to ${to}`, { from, to });
  if (!appointmentMoveAllowed(current.status, to)) return refuse(current.status);
  const updated = await db
    .update(appointments)
    .set({ status: to, ...(to === "active" ? { activatedOn: today } : { terminatedOn: today }), updatedAt: clock.now().toISOString() })
    .where(and(eq(appointments.orgId, principal.orgId), eq(appointments.id, id), eq(appointments.status, current.status)))
    .returning()
    .get();
  if (updated) return ok(toAppointment(updated));
  // Another move committed first: judge this one against where it left the appointment.
  const now = await findAppointment(db, principal.orgId, producerId, id);
  return refuse(now?.status ?? current.status);
}
