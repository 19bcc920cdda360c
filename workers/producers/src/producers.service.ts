/**
 * Producers: create, read, list and update, confined to the principal's org. A duplicate NPN is
 * caught by the unique index (org_id, npn), so two concurrent creates cannot both commit; a status
 * change is conditional on the row not being terminated, so a racing termination is never undone.
 */
import { and, eq, ne } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreateProducerRequest, Producer, UpdateProducerRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isUniqueViolation } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import type { Page } from "#shared/pagination";
import type { ListProducersQuery } from "#shared/rpc";
import { findProducer, findProducerByNpn, listProducerRows, toProducer } from "./producers.repo.ts";
import { licensesIssue, npnIssue, producerMoveAllowed, ratesIssue } from "./rules.ts";
import { producers } from "./schema.ts";

const REQUIRED = ["name", "email", "npn"] as const;
const STATUSES = ["active", "suspended", "terminated"] as const;

const duplicateNpn = (npn: string, existingProducerId: string) =>
  fail("conflict", `Another producer of the org already has NPN ${npn}`, { field: "npn", existingProducerId });

const statusIssue = (status: unknown) =>
  status === undefined || STATUSES.includes(status as (typeof STATUSES)[number]) ? null : fail("validation_failed", "status must be one of active, suspended, terminated", { field: "status", rule: "enum" });

/** The 409 for an NPN the unique index refused, naming the producer that holds it. */
async function npnConflict(db: DrizzleD1Database, orgId: string, npn: string, err: unknown): Promise<Result<never>> {
  if (!isUniqueViolation(err)) throw err;
  const existing = await findProducerByNpn(db, orgId, npn);
  return duplicateNpn(npn, existing?.id ?? "unknown");
}

export async function createProducer(db: DrizzleD1Database, principal: Principal, input: CreateProducerRequest): Promise<Result<Producer>> {
  const clock = clockOf(principal);
  const today = clock.today();
  const checked = checkInput(input, today, REQUIRED);
  if (!checked.ok) return checked;
  const body = checked.value;
  const licenses = body.licenses ?? [];
  const rates = body.commissionRates ?? {};
  const bad = npnIssue(body.npn) ?? statusIssue(body.status) ?? licensesIssue(licenses, today) ?? ratesIssue(rates);
  if (bad) return bad;
  const at = clock.now().toISOString();
  const row = {
    id: newId("prd"),
    orgId: principal.orgId,
    name: body.name,
    email: body.email,
    npn: body.npn,
    agency: body.agency ?? null,
    status: body.status ?? "active",
    licenses,
    commissionRates: rates,
    userId: null,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await db.insert(producers).values(row).run();
  } catch (err) {
    return npnConflict(db, principal.orgId, body.npn, err);
  }
  return ok(toProducer(row));
}

export async function getProducer(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Producer>> {
  const row = await findProducer(db, principal.orgId, id);
  return row ? ok(toProducer(row)) : notFound("Producer");
}

export function listProducers(db: DrizzleD1Database, principal: Principal, query?: ListProducersQuery): Promise<Result<Page<Producer>>> {
  return listProducerRows(db, principal.orgId, query);
}

export async function updateProducer(db: DrizzleD1Database, principal: Principal, id: string, input: UpdateProducerRequest): Promise<Result<Producer>> {
  const clock = clockOf(principal);
  const checked = checkInput(input ?? {}, clock.today());
  if (!checked.ok) return checked;
  const body = checked.value;
  const current = await findProducer(db, principal.orgId, id);
  if (!current) return notFound("Producer");
  const bad =
    (body.npn !== undefined ? npnIssue(body.npn) : null) ??
    statusIssue(body.status) ??
    (body.licenses !== undefined ? licensesIssue(body.licenses, clock.today()) : null) ??
    (body.commissionRates !== undefined ? ratesIssue(body.commissionRates) : null);
  if (bad) return bad;
  const terminated = () =>
    fail("invalid_state_transition", "A terminated producer cannot be changed", { from: "terminated", to: body.status ?? "terminated" });
  if (current.status === "terminated" || (body.status && !producerMoveAllowed(current.status, body.status))) return terminated();
  const changes = {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.email !== undefined ? { email: body.email } : {}),
    ...(body.npn !== undefined ? { npn: body.npn } : {}),
    ...("agency" in body ? { agency: body.agency ?? null } : {}),
    ...(body.status !== undefined ? { status: body.status } : {}),
    ...(body.licenses !== undefined ? { licenses: body.licenses } : {}),
    ...(body.commissionRates !== undefined ? { commissionRates: body.commissionRates } : {}),
    updatedAt: clock.now().toISOString(),
  };
  let updated;
  try {
    updated = await db
      .update(producers)
      .set(changes)
      .where(and(eq(producers.orgId, principal.orgId), eq(producers.id, id), ne(producers.status, "terminated")))
      .returning()
      .get();
  } catch (err) {
    return npnConflict(db, principal.orgId, body.npn ?? current.npn, err);
  }
  // No row: terminated between the read and the write.
  return updated ? ok(toProducer(updated)) : terminated();
}
