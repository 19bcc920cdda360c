/**
 * What the partners worker reads and writes here (UnderwritingInternal, issue 18): a submission's
 * referral code and creation time (the start of its 90-day attribution window), the attribution it
 * records back onto the submission, and an attributed policy's premium-bearing timeline. Partners
 * consumes this worker's events (policy.bound and the rest) and calls these; underwriting never
 * calls partners, so the two bindings form no cycle. The caller names the org (a trusted sibling,
 * never the gateway); another org's submission or policy is `not_found` like a missing one.
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { notFound, ok, type Result } from "#shared/errors";
import type { PartnerPolicyFacts, SubmissionAttributionFacts, SubmissionReferral } from "#shared/rpc";
import { premiumTimeline } from "./commission-feed.ts";
import { findPolicy } from "./policies.repo.ts";
import { submissions } from "./schema.ts";

export async function submissionReferral(db: DrizzleD1Database, orgId: string, submissionId: string): Promise<Result<SubmissionReferral>> {
  const row = await db
    .select({ id: submissions.id, createdAt: submissions.createdAt, referralCode: submissions.referralCode, policyId: submissions.policyId })
    .from(submissions)
    .where(and(eq(submissions.orgId, orgId), eq(submissions.id, submissionId)))
    .get();
  return row ? ok({ submissionId: row.id, createdAt: row.createdAt, referralCode: row.referralCode ?? null, policyId: row.policyId ?? null }) : notFound("Submission");
}

/** Write (or clear, with null) the submission's attribution as the partners worker computed it. */
export async function recordAttribution(db: DrizzleD1Database, orgId: string, submissionId: string, attribution: SubmissionAttributionFacts | null): Promise<Result<{ recorded: boolean }>> {
  const done = await db
    .update(submissions)
    .set({ attribution: attribution ? { partnerId: attribution.partnerId, code: attribution.code, touchedAt: attribution.touchedAt } : null })
    .where(and(eq(submissions.orgId, orgId), eq(submissions.id, submissionId)))
    .run();
  return done.meta.changes > 0 ? ok({ recorded: true }) : notFound("Submission");
}

/** A policy's submission and its premium-bearing timeline in sequence (money in cents). */
export async function partnerPolicyFacts(db: DrizzleD1Database, orgId: string, policyId: string): Promise<Result<PartnerPolicyFacts>> {
  const policy = await findPolicy(db, orgId, policyId);
  if (!policy) return notFound("Policy");
  const timeline = await premiumTimeline(db, orgId, policy.id);
  return ok({
    policyId: policy.id,
    policyNumber: policy.policyNumber,
    submissionId: policy.submissionId,
    lineOfBusiness: policy.lineOfBusiness,
    transactions: timeline,
  });
}
