/**
 * The one place a referral row is made. A referral is opened by hand (`createReferral`), by a quote
 * outside authority or backdated, or by an endorsement outside its agreement; all three record who
 * opened it the same way, because segregation of duties later compares the decider with it.
 */
import { newId } from "#shared/ids";
import { principalIdOf, type Principal } from "#shared/auth";
import type { ReferralDecision, ReferralRow } from "./schema.ts";

/** What differs between the ways a referral is opened; everything else starts the same. */
export type NewReferral = Pick<ReferralRow, "submissionId" | "quoteId" | "reasons"> &
  Partial<Pick<ReferralRow, "id" | "dealRoomId" | "policyId" | "endorsement">>;

/** A pending referral opened by `principal` at `at` (ISO time on the org's clock). */
export function newReferralRow(principal: Principal, at: string, fields: NewReferral): ReferralRow {
  return {
    id: fields.id ?? newId("ref"),
    orgId: principal.orgId,
    submissionId: fields.submissionId,
    quoteId: fields.quoteId,
    status: "pending",
    reasons: fields.reasons,
    dealRoomId: fields.dealRoomId ?? null,
    createdBy: principal.actorId,
    createdByPrincipal: principalIdOf(principal),
    decision: null,
    decidedBy: null,
    notes: null,
    createdAt: at,
    decidedAt: null,
    policyId: fields.policyId ?? null,
    endorsement: fields.endorsement ?? null,
    transactionId: null,
  };
}

/** The status a decision leaves a referral in. */
export const REFERRAL_OUTCOME: Record<ReferralDecision, ReferralRow["status"]> = {
  approve: "approved",
  reject: "rejected",
  request_info: "more_info_requested",
};
