/**
 * What the billing worker reads about a policy (UnderwritingInternal): the installment schedule
 * fixed at bind, the quote's taxes and fees, and every transaction's premium delta in sequence.
 * Billing invoices from these rather than from event payloads, so a late, repeated or
 * out-of-order event always meets the policy's whole money history. The caller names the org (a
 * trusted sibling, never the gateway); another org's policy is `not_found` like a missing one.
 */
import { and, asc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { notFound, ok, type Result } from "#shared/errors";
import type { BillingPolicyFacts } from "#shared/rpc";
import { findPolicy, listInstallments } from "./policies.repo.ts";
import { findQuote } from "./quotes.repo.ts";
import { policyTransactions } from "./schema.ts";

export async function billingFacts(db: DrizzleD1Database, orgId: string, policyId: string): Promise<Result<BillingPolicyFacts>> {
  const policy = await findPolicy(db, orgId, policyId);
  if (!policy) return notFound("Policy");
  const [schedule, quote, timeline] = await Promise.all([
    listInstallments(db, policy.id),
    findQuote(db, orgId, policy.quoteId),
    db
      .select({
        transactionId: policyTransactions.id,
        seq: policyTransactions.seq,
        type: policyTransactions.type,
        effectiveDate: policyTransactions.effectiveDate,
        premiumDeltaCents: policyTransactions.premiumDeltaCents,
        details: policyTransactions.details,
        createdAt: policyTransactions.createdAt,
      })
      .from(policyTransactions)
      .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policy.id)))
      .orderBy(asc(policyTransactions.seq))
      .all(),
  ]);
  return ok({
    policyId: policy.id,
    policyNumber: policy.policyNumber,
    insuredName: policy.insuredName,
    installmentPlan: policy.installmentPlan,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    writtenPremiumCents: policy.writtenPremiumCents,
    installments: schedule
      .map((i) => ({ number: i.number, dueDate: i.dueDate, premiumCents: i.premiumCents, feeCents: i.feeCents }))
      .sort((a, b) => a.number - b.number),
    taxes: (quote?.rating.taxes ?? []).map((t) => ({ name: t.name, amountCents: t.amountCents })),
    fees: (quote?.rating.fees ?? []).map((f) => ({ name: f.name, amountCents: f.amountCents })),
    transactions: timeline.map(({ details, ...t }) => ({
      ...t,
      reversesTransactionId: t.type === "reinstatement" && typeof details.reversesTransactionId === "string" ? details.reversesTransactionId : null,
    })),
  });
}
