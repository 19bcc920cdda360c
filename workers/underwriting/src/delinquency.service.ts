/**
 * Delinquency, underwriting's side (DECISIONS.md, "Billing"): billing's delinquency job decides when
 * an unpaid invoice puts its policy in `pending_cancellation`, when a payment lifts it and when the
 * policy is cancelled for non-payment; it tells underwriting through these three internal calls.
 *
 * - Pending cancellation is a mark on the policy row (`pending_cancellation`), not a timeline
 *   transaction: it moves no premium, so it leaves the version and the timeline alone. It is set
 *   only on a policy stored `active` and not yet marked (a conditional write with its event in one
 *   batch), so a repeated call changes nothing and emits nothing; it answers the mark in force.
 * - Lifting clears the mark, again conditionally; a policy not marked answers `lifted: false`.
 * - The cancellation goes through the public cancellation path (`cancelPolicy`: pro rata, reason
 *   `non_payment`), as a system principal, so its return premium, its event and the invoices billing
 *   derives from it follow exactly the rules of any other cancellation; the cancellation clears the mark.
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf, realClock } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { atomically, guard, isGuardFailure } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import type { NonPaymentCancellation, NonPaymentCancellationRequest, PendingCancellationAnswer, PendingCancellationRequest } from "#shared/rpc";
import type { UnderwritingEnv } from "./env.ts";
import { recordEvent } from "./events.ts";
import { findPolicy } from "./policies.repo.ts";
import { statusAsOf } from "./policies.service.ts";
import { cancelPolicy } from "./policy-transactions.service.ts";
import { policies, type PendingCancellationRecord, type PolicyRow } from "./schema.ts";
import { findSubmission } from "./submissions.repo.ts";

/** Who cancels for non-payment: the platform, on billing's word; recorded as the transaction's actor. */
export const DELINQUENCY_ACTOR = "system:billing-delinquency";

function delinquencyPrincipal(orgId: string, clockOffsetMs: number | undefined): Principal {
  return {
    kind: "system",
    orgId,
    credentialId: "system",
    actorId: DELINQUENCY_ACTOR,
    principalId: "system",
    role: null,
    scopes: [],
    rateLimitTier: "enterprise",
    expiresAt: null,
    ...(typeof clockOffsetMs === "number" && Number.isFinite(clockOffsetMs) ? { clockOffsetMs } : {}),
  };
}

async function answerOf(db: DrizzleD1Database, policy: PolicyRow, pending: PendingCancellationRecord, changed: boolean): Promise<PendingCancellationAnswer> {
  const sub = await findSubmission(db, policy.orgId, policy.submissionId);
  return { changed, policyNumber: policy.policyNumber, insuredName: policy.insuredName, insuredEmail: sub?.insuredEmail ?? null, pendingCancellation: pending };
}

/**
 * Put `orgId`'s policy in `pending_cancellation` for `request.invoiceId`, emitting
 * `policy.pending_cancellation`, once: a policy already marked answers its mark (`changed: false`).
 * A policy that is not in force on `request.noticeDate` (cancelled, expired) is `invalid_state_transition`.
 */
export async function markPendingCancellation(db: DrizzleD1Database, orgId: string, policyId: string, request: PendingCancellationRequest): Promise<Result<PendingCancellationAnswer>> {
  for (const field of ["since", "noticeDate", "cancelOn"] as const) {
    if (!isValidDate(request?.[field])) return invalid(field, "date", `${field} must be a calendar date (YYYY-MM-DD)`);
  }
  if (typeof request.invoiceId !== "string" || !request.invoiceId.startsWith("inv_")) return invalid("invoiceId", "format", "invoiceId must be an invoice id (inv_…)");
  if (request.cancelOn <= request.noticeDate) return invalid("cancelOn", "after_notice", "cancelOn must be after noticeDate");
  for (let attempt = 0; attempt < 3; attempt++) {
    const policy = await findPolicy(db, orgId, policyId);
    if (!policy) return notFound("Policy");
    if (policy.pendingCancellation && policy.status === "active") return ok(await answerOf(db, policy, policy.pendingCancellation, false));
    const status = statusAsOf(policy, request.noticeDate);
    if (status !== "active") return fail("invalid_state_transition", `A ${status} policy cannot be put in pending cancellation`, { status });
    const pending: PendingCancellationRecord = { reason: "non_payment", invoiceId: request.invoiceId, since: request.since, noticeDate: request.noticeDate, cancelOn: request.cancelOn };
    // The event's time is delivery machinery (like the outbox relay's stamps): real time.
    const at = realClock.now().toISOString();
    try {
      await atomically(db, [
        guard("policy_not_pending", sql`EXISTS (SELECT 1 FROM policies WHERE id = ${policyId} AND org_id = ${orgId} AND status = 'active' AND pending_cancellation IS NULL)`),
        db
          .update(policies)
          .set({ pendingCancellation: pending })
          .where(and(eq(policies.orgId, orgId), eq(policies.id, policyId), eq(policies.status, "active"), isNull(policies.pendingCancellation))),
        recordEvent(db, orgId, "policy.pending_cancellation", { policyId, policyNumber: policy.policyNumber, ...pending }, at),
      ]);
      return ok(await answerOf(db, policy, pending, true));
    } catch (error) {
      // Another call marked it (or the policy changed) between the read and the batch: read again.
      if (!isGuardFailure(error)) throw error;
    }
  }
  return fail("conflict", "The policy kept changing while it was put in pending cancellation; retry", { policyId });
}

/** Take `orgId`'s policy out of `pending_cancellation` (its invoice was paid); `lifted: false` when it was not pending. */
export async function liftPendingCancellation(db: DrizzleD1Database, orgId: string, policyId: string): Promise<Result<{ lifted: boolean; status: PolicyRow["status"] }>> {
  const policy = await findPolicy(db, orgId, policyId);
  if (!policy) return notFound("Policy");
  if (!policy.pendingCancellation) return ok({ lifted: false, status: policy.status });
  const result = await db
    .update(policies)
    .set({ pendingCancellation: null })
    .where(and(eq(policies.orgId, orgId), eq(policies.id, policyId), isNotNull(policies.pendingCancellation)))
    .run();
  return ok({ lifted: (result.meta.changes ?? 0) > 0, status: policy.status });
}

/**
 * Cancel `orgId`'s policy pro rata for `non_payment` as of `request.effectiveDate`, through the
 * public cancellation path. `clockOffsetMs` is the job's clock (a sandbox run as of another day);
 * absent, real time. Refusals are the cancellation's own (`invalid_state_transition` for a policy
 * already cancelled or expired, `business_rule_violation` out of sequence, …).
 */
export async function cancelForNonPayment(
  db: DrizzleD1Database,
  env: UnderwritingEnv,
  orgId: string,
  policyId: string,
  request: NonPaymentCancellationRequest,
): Promise<Result<NonPaymentCancellation>> {
  if (!isValidDate(request?.effectiveDate)) return invalid("effectiveDate", "date", "effectiveDate must be a calendar date (YYYY-MM-DD)");
  const principal = delinquencyPrincipal(orgId, request.clockOffsetMs);
  const notes = request.invoiceId ? `Unpaid invoice ${request.invoiceId}` : undefined;
  const cancelled = await cancelPolicy(db, env, principal, policyId, { effectiveDate: request.effectiveDate, method: "pro_rata", reason: "non_payment", ...(notes ? { notes } : {}) }, false);
  if (!cancelled.ok) return cancelled;
  const t = cancelled.value.transaction;
  return ok({ transactionId: t.id, effectiveDate: t.effectiveDate, returnPremium: -t.premiumDelta, asOf: clockOf(principal).today() });
}
