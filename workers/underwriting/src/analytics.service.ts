import { eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { daysBetween, isValidDate } from "#shared/dates";
import { invalid, ok } from "#shared/errors";
import { CURRENCY, fromCents, mulDivRound } from "#shared/money";
import { policies, policyTransactions, type PolicyRow, type TransactionRow } from "./schema.ts";

interface Slice {
  key: string;
  writtenCents: number;
  earnedCents: number;
  policyCount: number;
  bindingCount: number;
}

/**
 * Premium earned by `asOf` from one transaction: its premium delta runs from its effective date to
 * the policy's expiration and is earned evenly over those days. A cancellation's negative delta
 * (the returned, unearned premium) therefore nets out exactly the part of the term never earned.
 */
export function earnedFromTransaction(tx: Pick<TransactionRow, "effectiveDate" | "premiumDeltaCents">, expirationDate: string, asOf: string): number {
  const span = daysBetween(tx.effectiveDate, expirationDate);
  if (span <= 0) return tx.premiumDeltaCents;
  const elapsed = Math.min(Math.max(daysBetween(tx.effectiveDate, asOf), 0), span);
  return mulDivRound(tx.premiumDeltaCents, elapsed, span);
}

/** Written and earned premium, counts by line and state, for the caller's own org only. */
export async function portfolio(db: DrizzleD1Database, principal: Principal, asOfInput?: string) {
  const asOf = asOfInput ?? new Date().toISOString().slice(0, 10);
  if (!isValidDate(asOf)) return invalid("asOf", "date", "asOf must be a calendar date (YYYY-MM-DD)");
  const rows = await db.select().from(policies).where(eq(policies.orgId, principal.orgId)).all();
  const txs = await db
    .select({ policyId: policyTransactions.policyId, type: policyTransactions.type, effectiveDate: policyTransactions.effectiveDate, premiumDeltaCents: policyTransactions.premiumDeltaCents })
    .from(policyTransactions)
    .where(eq(policyTransactions.orgId, principal.orgId))
    .all();
  const byPolicy = new Map<string, typeof txs>();
  for (const tx of txs) byPolicy.set(tx.policyId, [...(byPolicy.get(tx.policyId) ?? []), tx]);

  const total: Slice = { key: "all", writtenCents: 0, earnedCents: 0, policyCount: 0, bindingCount: 0 };
  const byLine = new Map<string, Slice>();
  const byState = new Map<string, Slice>();
  const add = (map: Map<string, Slice>, key: string, p: PolicyRow, earned: number) => {
    const slice = map.get(key) ?? { key, writtenCents: 0, earnedCents: 0, policyCount: 0, bindingCount: 0 };
    slice.writtenCents += p.writtenPremiumCents;
    slice.earnedCents += earned;
    slice.policyCount += 1;
    slice.bindingCount += 1;
    map.set(key, slice);
  };
  let active = 0;
  for (const p of rows) {
    const earned = (byPolicy.get(p.id) ?? []).reduce((n, tx) => n + earnedFromTransaction(tx, p.expirationDate, asOf), 0);
    total.writtenCents += p.writtenPremiumCents;
    total.earnedCents += earned;
    total.policyCount += 1;
    total.bindingCount += 1;
    if (p.status === "active" && p.effectiveDate <= asOf && asOf < p.expirationDate) active += 1;
    add(byLine, p.lineOfBusiness, p, earned);
    add(byState, p.state, p, earned);
  }
  const out = (s: Slice) => ({ key: s.key, writtenPremium: fromCents(s.writtenCents), earnedPremium: fromCents(s.earnedCents), policyCount: s.policyCount, bindingCount: s.bindingCount });
  const sorted = (m: Map<string, Slice>) => [...m.values()].sort((a, b) => a.key.localeCompare(b.key)).map(out);
  return ok({
    orgId: principal.orgId,
    asOf,
    currency: CURRENCY,
    writtenPremium: fromCents(total.writtenCents),
    earnedPremium: fromCents(total.earnedCents),
    policyCount: total.policyCount,
    activePolicyCount: active,
    bindingCount: total.bindingCount,
    byLineOfBusiness: sorted(byLine),
    byState: sorted(byState),
  });
}
