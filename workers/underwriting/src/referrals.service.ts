import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { hasScope, principalIdOf, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, guard, isGuardFailure, listKeyset, type Statement } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { UnderwritingEnv } from "./env.ts";
import { recordEvent } from "./events.ts";
import { decideEndorsementReferral } from "./policy-transactions.service.ts";
import { newReferralRow, REFERRAL_OUTCOME } from "./referral-rows.ts";
import { quotes, referrals, submissions, type ReferralDecision, type ReferralRow } from "./schema.ts";
import { findSubmission, SUBMISSION_CHANGED, submissionUnchanged } from "./submissions.repo.ts";
import type { ListReferralsQuery, Referral } from "./types.ts";

const findReferral = (db: DrizzleD1Database, orgId: string, id: string) =>
  db.select().from(referrals).where(and(eq(referrals.orgId, orgId), eq(referrals.id, id))).get();

/** The submission's referral still awaiting a decision (pending or waiting for information), if any. */
export const findOpenReferral = (db: DrizzleD1Database, orgId: string, submissionId: string) =>
  db
    .select()
    .from(referrals)
    .where(and(eq(referrals.orgId, orgId), eq(referrals.submissionId, submissionId), inArray(referrals.status, ["pending", "more_info_requested"])))
    .get();

export async function listReferrals(db: DrizzleD1Database, principal: Principal, query: ListReferralsQuery): Promise<Result<Page<Referral>>> {
  const keyset = listKeyset(referrals, query);
  if (!keyset.ok) return keyset;
  const filters: (SQL | undefined)[] = [eq(referrals.orgId, principal.orgId), keyset.value.where];
  if (query.status) filters.push(eq(referrals.status, query.status));
  if (query.submissionId) filters.push(eq(referrals.submissionId, query.submissionId));
  const rows = await db.select().from(referrals).where(and(...filters)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit);
  return ok(toPage(rows, pageSize(query.limit), toReferral));
}

/** An underwriter refers a submission by hand (e.g. to a deal room); it waits for a decision. */
export async function createReferral(
  db: DrizzleD1Database,
  principal: Principal,
  input: { submissionId: string; reason: string; dealRoomId?: string },
): Promise<Result<Referral>> {
  const sub = await findSubmission(db, principal.orgId, input.submissionId);
  if (!sub) return notFound("Submission");
  if (sub.status !== "received" && sub.status !== "quoted") {
    return fail("invalid_state_transition", `A ${sub.status} submission cannot be referred`, { status: sub.status });
  }
  const at = clockOf(principal).now().toISOString();
  const row = newReferralRow(principal, at, {
    submissionId: sub.id,
    quoteId: sub.currentQuoteId,
    reasons: [input.reason.trim()],
    dealRoomId: input.dealRoomId ?? null,
  });
  const statements: Statement[] = [
    submissionUnchanged(sub),
    db.insert(referrals).values(row),
    db.update(submissions).set({ status: "referred", updatedAt: at }).where(and(eq(submissions.id, sub.id), eq(submissions.status, sub.status))),
    recordEvent(db, principal.orgId, "referral.created", { referralId: row.id, submissionId: sub.id, quoteId: row.quoteId, reasons: row.reasons }, at),
  ];
  if (sub.currentQuoteId) {
    statements.push(db.update(quotes).set({ status: "referred", referralId: row.id, updatedAt: at }).where(and(eq(quotes.id, sub.currentQuoteId), eq(quotes.status, "active"))));
  }
  try {
    await atomically(db, statements);
  } catch (error) {
    if (isGuardFailure(error)) return SUBMISSION_CHANGED;
    throw error;
  }
  return ok(toReferral(row));
}

/** The scope that decides a referral, held apart from `referrals:write` (segregation of duties). */
export const APPROVE_SCOPE = "referrals:approve";

/**
 * Segregation of duties: who may not decide `referral`. The principal that opened it, and the one
 * that created the quote it holds (for a referral a quote opened automatically, the same one). A
 * principal is a user (JWT `sub`), an API key with all its rotations (its lineage, so rotating a
 * key does not make a new approver), or `system` for the API secret; rows record it in
 * `created_by_principal`. Rows written before that column (null there) are judged by `created_by`,
 * the exact credential, against both the caller's credential and its lineage root. The API secret
 * is a principal like any other here: it may decide what others created, never what it created itself.
 */
async function selfApproval(db: DrizzleD1Database, principal: Principal, referral: ReferralRow): Promise<Result<void>> {
  const quote = referral.quoteId
    ? await db
        .select({ createdBy: quotes.createdBy, createdByPrincipal: quotes.createdByPrincipal })
        .from(quotes)
        .where(and(eq(quotes.orgId, principal.orgId), eq(quotes.id, referral.quoteId)))
        .get()
    : undefined;
  const principalId = principalIdOf(principal);
  const createdBySelf = (row: { createdBy: string; createdByPrincipal: string | null } | undefined): boolean =>
    row !== undefined &&
    (row.createdByPrincipal === principalId || row.createdBy === principal.actorId || (row.createdByPrincipal === null && row.createdBy === principalId));
  const created = [createdBySelf(referral) && "referral", createdBySelf(quote) && "quote"].filter((c): c is string => c !== false);
  if (created.length === 0) return ok(undefined);
  return fail("self_approval", `A referral cannot be decided by the principal that created its ${created.join(" and ")}`, {
    referralId: referral.id,
    principal: principal.actorId,
    created,
  });
}

/**
 * Decide a referral. Approval releases the held quote (the submission is `quoted` again and can be
 * bound); rejection declines the submission; a request for information keeps it referred and the
 * referral open for a later decision. An endorsement referral (one naming a policy) is decided by
 * `decideEndorsementReferral`: approval applies the held endorsement, through the agreement
 * ledger in `env`.
 */
export async function decideReferral(
  db: DrizzleD1Database,
  principal: Principal,
  id: string,
  input: { decision: ReferralDecision; notes?: string },
  env?: Pick<UnderwritingEnv, "DA_LEDGER" | "DOCUMENTS" | "IDENTITY">,
): Promise<Result<Referral>> {
  // Checked here as well as at the gateway: the rule holds for any caller of the RPC.
  if (!hasScope(principal.scopes, APPROVE_SCOPE)) return fail("insufficient_scope", `Deciding a referral requires the ${APPROVE_SCOPE} scope`, { requiredScope: APPROVE_SCOPE });
  const referral = await findReferral(db, principal.orgId, id);
  if (!referral) return notFound("Referral");
  if (referral.status !== "pending" && referral.status !== "more_info_requested") {
    return fail("invalid_state_transition", `The referral is already ${referral.status}`, { status: referral.status });
  }
  const separated = await selfApproval(db, principal, referral);
  if (!separated.ok) return separated;
  if (referral.policyId) {
    if (!env) throw new Error("decideReferral: an endorsement referral needs the DA_LEDGER binding");
    return decideEndorsementReferral(db, env, principal, referral, input);
  }
  const sub = await findSubmission(db, principal.orgId, referral.submissionId);
  if (!sub) return notFound("Submission");
  const at = clockOf(principal).now().toISOString();
  const status = REFERRAL_OUTCOME[input.decision];
  const decided: ReferralRow = { ...referral, status, decision: input.decision, decidedBy: principal.actorId, notes: input.notes ?? null, decidedAt: at };
  const statements: Statement[] = [
    // Decided once: of two concurrent decisions, the second finds the referral no longer open and
    // its whole batch (event and submission change included) rolls back.
    // A re-quote moving the referral's quote in between rolls it back too.
    guard(
      "referral_open",
      sql`EXISTS (SELECT 1 FROM referrals WHERE id = ${referral.id} AND status = ${referral.status} AND quote_id IS ${referral.quoteId})`,
    ),
    db
      .update(referrals)
      .set({ status, decision: input.decision, decidedBy: principal.actorId, notes: decided.notes, decidedAt: at })
      .where(and(eq(referrals.id, referral.id), eq(referrals.status, referral.status))),
    recordEvent(db, principal.orgId, "referral.decided", { referralId: referral.id, submissionId: sub.id, decision: input.decision, status }, at),
  ];
  if (input.decision === "approve") {
    const quoteHeld = referral.quoteId !== null && referral.quoteId === sub.currentQuoteId;
    statements.push(db.update(submissions).set({ status: quoteHeld ? "quoted" : "received", updatedAt: at }).where(and(eq(submissions.id, sub.id), eq(submissions.status, "referred"))));
    if (quoteHeld) {
      statements.push(db.update(quotes).set({ status: "active", updatedAt: at }).where(and(eq(quotes.id, referral.quoteId!), eq(quotes.status, "referred"))));
    }
  } else if (input.decision === "reject") {
    statements.push(db.update(submissions).set({ status: "declined", updatedAt: at }).where(and(eq(submissions.id, sub.id), eq(submissions.status, "referred"))));
    if (referral.quoteId) statements.push(db.update(quotes).set({ status: "superseded", updatedAt: at }).where(and(eq(quotes.id, referral.quoteId), eq(quotes.status, "referred"))));
  }
  try {
    await atomically(db, statements);
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const now = await findReferral(db, principal.orgId, id);
    if (now && now.status === referral.status) return fail("conflict", "The referral's quote changed while it was decided; retry", { referralId: id });
    return fail("invalid_state_transition", `The referral is already ${now?.status ?? "decided"}`, { status: now?.status ?? "decided" });
  }
  return ok(toReferral(decided));
}

export function toReferral(row: ReferralRow): Referral {
  return {
    id: row.id,
    submissionId: row.submissionId,
    quoteId: row.quoteId,
    status: row.status,
    reasons: row.reasons,
    dealRoomId: row.dealRoomId,
    createdBy: row.createdBy,
    decision: row.decision,
    decidedBy: row.decidedBy,
    notes: row.notes,
    createdAt: row.createdAt,
    decidedAt: row.decidedAt,
    policyId: row.policyId ?? null,
    endorsement: row.endorsement ?? null,
    transactionId: row.transactionId ?? null,
  };
}
