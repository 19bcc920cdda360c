/**
 * Turning a client into a submission. The submission is underwriting's, so the gateway runs three
 * steps: {@link claimConversion} (a conditional update: one request at a time holds the client, and a
 * converted client is 409 naming its submission) hands back the submission body built from the
 * client and the request; the gateway creates the submission; {@link completeConversion} links it
 * and marks the client `converted`, or {@link releaseConversion} lets the client go when underwriting
 * refused the body. A claim left by a request that died is stale after {@link CLAIM_TTL_MS} and may be
 * taken over, so a client is never stuck.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Client, ClientSubmissionRequest, CreateSubmissionRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import { findClient, toClient } from "./clients.repo.ts";
import { naicsIssue } from "./market.service.ts";
import { clients, type ClientRow } from "./schema.ts";

export const CLAIM_TTL_MS = 60_000;

/** What the gateway needs to create the submission: the claim's token and the body. */
export interface ConversionClaim {
  token: string;
  submission: CreateSubmissionRequest;
}

const converted = (row: ClientRow) =>
  fail("conflict", `Client ${row.id} is already a submission`, { clientId: row.id, submissionId: row.submissionId });

/** The submission body: the client's facts, what the request adds or overrides; a missing fact is 400. */
export function submissionOf(row: ClientRow, body: ClientSubmissionRequest): Result<CreateSubmissionRequest> {
  const naicsCode = body.naicsCode ?? row.naicsCode;
  if (!naicsCode) return invalid("naicsCode", "required", "The client has no naicsCode: send one");
  const badCode = naicsIssue(naicsCode);
  if (badCode) return badCode;
  const state = body.state ?? row.state;
  if (!state) return invalid("state", "required", "The client has no state: send one");
  const annualRevenue = body.annualRevenue ?? (row.annualRevenue === null ? undefined : fromCents(row.annualRevenue));
  if (annualRevenue === undefined) return invalid("annualRevenue", "required", "The client has no annualRevenue: send one");
  const insuredEmail = body.insuredEmail ?? row.contactEmail ?? undefined;
  const notes = body.notes ?? row.notes ?? undefined;
  const { naicsCode: _n, state: _s, annualRevenue: _r, insuredEmail: _e, notes: _x, ...rest } = body;
  return ok({
    ...rest,
    insuredName: row.name,
    naicsCode,
    state,
    annualRevenue,
    ...(insuredEmail ? { insuredEmail } : {}),
    ...(notes ? { notes } : {}),
  });
}

/** Hold the client for one conversion; 404 for another org's, 409 once converted or while another runs. */
export async function claimConversion(db: DrizzleD1Database, principal: Principal, id: string, body: ClientSubmissionRequest): Promise<Result<ConversionClaim>> {
  const row = await findClient(db, principal.orgId, id);
  if (!row) return notFound("Client");
  if (row.submissionId) return converted(row);
  const built = submissionOf(row, body ?? ({} as ClientSubmissionRequest));
  if (!built.ok) return built;
  const now = clockOf(principal).now();
  const token = crypto.randomUUID();
  const stale = new Date(now.getTime() - CLAIM_TTL_MS).toISOString();
  const taken = await db
    .update(clients)
    .set({ conversionClaim: token, conversionClaimedAt: now.toISOString() })
    .where(and(eq(clients.orgId, principal.orgId), eq(clients.id, id), isNull(clients.submissionId), or(isNull(clients.conversionClaim), lt(clients.conversionClaimedAt, stale))))
    .returning({ id: clients.id })
    .all();
  if (taken.length === 0) {
    const now2 = await findClient(db, principal.orgId, id);
    if (now2?.submissionId) return converted(now2);
    return fail("conflict", `Client ${id} is being turned into a submission by another request`, { clientId: id });
  }
  return ok({ token, submission: built.value });
}

/** Link the submission and mark the client converted; 409 if another request linked one first. */
export async function completeConversion(db: DrizzleD1Database, principal: Principal, id: string, token: string, submissionId: string): Promise<Result<Client>> {
  const at = clockOf(principal).now().toISOString();
  const done = await db
    .update(clients)
    .set({ status: "converted", submissionId, convertedAt: at, updatedAt: at, conversionClaim: null, conversionClaimedAt: null })
    .where(and(eq(clients.orgId, principal.orgId), eq(clients.id, id), isNull(clients.submissionId), eq(clients.conversionClaim, token)))
    .returning()
    .all();
  if (done[0]) return ok(toClient(done[0]));
  const row = await findClient(db, principal.orgId, id);
  if (!row) return notFound("Client");
  return fail("conflict", `Client ${id} was turned into another submission meanwhile`, { clientId: id, submissionId: row.submissionId, orphanSubmissionId: submissionId });
}

/** Let the client go after underwriting refused the submission (nothing was created). */
export async function releaseConversion(db: DrizzleD1Database, principal: Principal, id: string, token: string): Promise<Result<null>> {
  await db
    .update(clients)
    .set({ conversionClaim: null, conversionClaimedAt: null })
    .where(and(eq(clients.orgId, principal.orgId), eq(clients.id, id), eq(clients.conversionClaim, token)))
    .run();
  return ok(null);
}
