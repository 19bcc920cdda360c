/**
 * What the claims worker reads about policies (UnderwritingInternal): a policy's term, timeline
 * and money limits to judge a loss against, and the portfolio's earned premium for the loss ratio.
 * The caller names the org (a trusted sibling, never the gateway), and another org's policy is
 * `not_found` exactly like a missing one.
 */
import { asc, and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { isValidDate } from "#shared/dates";
import { notFound, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { ClaimPolicyFacts, EarnedPremiumFacts } from "#shared/rpc";
import { invalidAsOf, portfolioOf } from "./analytics.service.ts";
import { findPolicy } from "./policies.repo.ts";
import { policyTransactions } from "./schema.ts";

/**
 * `orgId`'s policy `policyId` with every transaction of its timeline, oldest first (by the
 * policy's own sequence, so two transactions in one millisecond keep their order). Two queries
 * however long the history: the policy row, then the timeline's four narrow columns.
 */
export async function policyForClaim(db: DrizzleD1Database, orgId: string, policyId: string): Promise<Result<ClaimPolicyFacts>> {
  const row = await findPolicy(db, orgId, policyId);
  if (!row) return notFound("Policy");
  const timeline = await db
    .select({ transactionId: policyTransactions.id, type: policyTransactions.type, effectiveDate: policyTransactions.effectiveDate, createdAt: policyTransactions.createdAt })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId)))
    .orderBy(asc(policyTransactions.seq))
    .all();
  return ok({
    policyId: row.id,
    policyNumber: row.policyNumber,
    // As stored: the term dates, not this field, say whether a loss date falls after expiry.
    status: row.status,
    lineOfBusiness: row.lineOfBusiness,
    insuredName: row.insuredName,
    effectiveDate: row.effectiveDate,
    expirationDate: row.expirationDate,
    limit: fromCents(row.limitCents),
    deductible: row.deductibleCents === null ? null : fromCents(row.deductibleCents),
    timeline,
  });
}

/** The whole portfolio's earned and written premium as of `asOf` (a calendar date), as portfolio analytics computes it. */
export async function earnedPremium(db: DrizzleD1Database, orgId: string, asOf: string): Promise<Result<EarnedPremiumFacts>> {
  if (!isValidDate(asOf)) return invalidAsOf();
  const portfolio = await portfolioOf(db, orgId, asOf);
  return ok({ asOf, earnedPremium: portfolio.earnedPremium, writtenPremium: portfolio.writtenPremium, policyCount: portfolio.policyCount });
}
