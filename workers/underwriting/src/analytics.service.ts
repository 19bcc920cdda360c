import { and, count, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { invalid, ok } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import { policies, policyTransactions } from "./schema.ts";

/** Totals of one slice of the portfolio (one line, one state, or all). */
interface Slice {
  key: string;
  writtenCents: number;
  earnedCents: number;
  policyCount: number;
  activeCount: number;
}

/** Whole days from `from` to `to` (ISO dates, so both julian days are whole). */
const days = (from: unknown, to: unknown) => sql`cast(julianday(${to}) - julianday(${from}) as integer)`;

/**
 * Premium earned by `asOf` from one transaction, in SQL: its premium delta runs from its
 * effective date to the policy's expiration and is earned evenly over those days, rounded
 * half-up on the absolute value once (`mulDivRound`'s rule, in 64-bit integers). A cancellation's
 * negative delta, the returned unearned premium, therefore nets out exactly the part of the term
 * never earned. A delta with no days left to run (a change on the last day) is earned at once.
 */
function earnedSql(asOf: string) {
  const span = days(policyTransactions.effectiveDate, policies.expirationDate);
  const elapsed = sql`min(max(${days(policyTransactions.effectiveDate, asOf)}, 0), ${span})`;
  const delta = policyTransactions.premiumDeltaCents;
  const rounded = sql`(abs(${delta}) * ${elapsed} * 2 + ${span}) / (2 * ${span})`;
  return sql<number>`case when ${span} <= 0 then ${delta} when ${delta} < 0 then -${rounded} else ${rounded} end`;
}

/**
 * A policy cancelled on or before `asOf` has earned everything it kept: cover stopped on the
 * cancellation date, so a short-rate penalty (the part of the unexpired premium not returned) is
 * earned on that date rather than spread over days with no cover. (A pro-rata cancellation comes
 * to the same figure either way; a reinstated policy is active again and earns evenly.)
 */
const fullyEarned = (asOf: string) =>
  sql`${policies.status} = 'cancelled' and ${asOf} >= json_extract(${policies.cancellation}, '$.effectiveDate')`;

/**
 * Written and earned premium and policy counts by line and by state, for the caller's own org.
 * D1 aggregates per (line, state) pair, so the answer costs a few rows however large the book is.
 */
export async function portfolio(db: DrizzleD1Database, principal: Principal, asOfInput?: string) {
  const asOf = asOfInput ?? clockOf(principal).today();
  if (!isValidDate(asOf)) return invalid("asOf", "date", "asOf must be a calendar date (YYYY-MM-DD)");

  const orgId = principal.orgId;
  const earnedByPolicy = db
    .select({ policyId: policyTransactions.policyId, earnedCents: sql<number>`sum(${earnedSql(asOf)})`.as("earned_cents") })
    .from(policyTransactions)
    .innerJoin(policies, and(eq(policies.id, policyTransactions.policyId), eq(policies.orgId, orgId)))
    .where(eq(policyTransactions.orgId, orgId))
    .groupBy(policyTransactions.policyId)
    .as("earned_by_policy");
  const groups = await db
    .select({
      lineOfBusiness: policies.lineOfBusiness,
      state: policies.state,
      writtenCents: sql<number>`coalesce(sum(${policies.writtenPremiumCents}), 0)`,
      earnedCents: sql<number>`coalesce(sum(case when ${fullyEarned(asOf)} then ${policies.writtenPremiumCents} else ${earnedByPolicy.earnedCents} end), 0)`,
      policyCount: count(),
      activeCount: sql<number>`coalesce(sum(${policies.status} = 'active' and ${policies.effectiveDate} <= ${asOf} and ${asOf} < ${policies.expirationDate}), 0)`,
    })
    .from(policies)
    .leftJoin(earnedByPolicy, eq(earnedByPolicy.policyId, policies.id))
    .where(eq(policies.orgId, orgId))
    .groupBy(policies.lineOfBusiness, policies.state)
    .all();

  const total = slice("all");
  const byLine = new Map<string, Slice>();
  const byState = new Map<string, Slice>();
  for (const g of groups) {
    for (const s of [total, sliceOf(byLine, g.lineOfBusiness), sliceOf(byState, g.state)]) {
      s.writtenCents += g.writtenCents;
      s.earnedCents += g.earnedCents;
      s.policyCount += g.policyCount;
      s.activeCount += g.activeCount;
    }
  }
  // Every policy was bound once (a renewal binds a policy of its own), so bindings count policies.
  const out = (s: Slice) => ({
    key: s.key,
    writtenPremium: fromCents(s.writtenCents),
    earnedPremium: fromCents(s.earnedCents),
    policyCount: s.policyCount,
    bindingCount: s.policyCount,
  });
  const sorted = (m: Map<string, Slice>) => [...m.values()].sort((a, b) => a.key.localeCompare(b.key)).map(out);
  return ok({
    orgId,
    asOf,
    currency: CURRENCY,
    writtenPremium: fromCents(total.writtenCents),
    earnedPremium: fromCents(total.earnedCents),
    policyCount: total.policyCount,
    activePolicyCount: total.activeCount,
    bindingCount: total.policyCount,
    byLineOfBusiness: sorted(byLine),
    byState: sorted(byState),
  });
}

const slice = (key: string): Slice => ({ key, writtenCents: 0, earnedCents: 0, policyCount: 0, activeCount: 0 });

function sliceOf(map: Map<string, Slice>, key: string): Slice {
  let s = map.get(key);
  if (!s) map.set(key, (s = slice(key)));
  return s;
}
