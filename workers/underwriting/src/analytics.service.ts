import { and, eq, gte, lt, lte, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { invalid, ok } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import { portfolioDaily, portfolioMonthly, portfolioTotals } from "./schema.ts";

/** Totals of one slice of the portfolio (one line, one state, or all). */
interface Slice {
  key: string;
  writtenCents: number;
  earnedCents: number;
  policyCount: number;
  activeCount: number;
}

/**
 * Written and earned premium and policy counts by line and by state, for the caller's own org.
 *
 * The figures are defined per transaction: a transaction's premium delta is earned evenly from
 * its effective date to the policy's expiration, rounded half-up on the absolute value once
 * (`mulDivRound`'s rule), a delta with no days left to run is earned at once, and a policy
 * cancelled on or before `asOf` has earned everything it kept (cover stopped that day, so a
 * short-rate penalty is earned then rather than spread over days with no cover). Active policies
 * are those whose stored status is active and whose term contains `asOf`.
 *
 * They are read from the summary rows each transaction keeps (portfolio-summary.ts): written
 * premium and policy counts from `portfolio_totals`, and earned premium and active counts as the
 * sum of each policy's exact daily increments up to `asOf` — whole months from
 * `portfolio_monthly`, then the days of `asOf`'s month from `portfolio_daily`. A read touches
 * O(lines × states × (months + 31)) rows, the same at 100 policies and at 100,000.
 */
export async function portfolio(db: DrizzleD1Database, principal: Principal, asOfInput?: string) {
  const asOf = asOfInput ?? clockOf(principal).today();
  return isValidDate(asOf) ? ok(await portfolioOf(db, principal.orgId, asOf)) : invalidAsOf();
}

/** The refusal of an `asOf` that is not a calendar date, wherever the portfolio is read. */
export const invalidAsOf = () => invalid("asOf", "date", "asOf must be a calendar date (YYYY-MM-DD)");

/** {@link portfolio} of `orgId` as of `asOf`, a valid calendar date (the caller checks it). */
export async function portfolioOf(db: DrizzleD1Database, orgId: string, asOf: string) {
  const month = asOf.slice(0, 7);
  const sums = (table: typeof portfolioDaily | typeof portfolioMonthly) => ({
    lineOfBusiness: table.lineOfBusiness,
    state: table.state,
    earnedCents: sql<number>`sum(${table.earnedCents})`,
    activeCount: sql<number>`sum(${table.activeDelta})`,
  });
  const [totals, months, days] = await db.batch([
    db.select().from(portfolioTotals).where(eq(portfolioTotals.orgId, orgId)),
    db
      .select(sums(portfolioMonthly))
      .from(portfolioMonthly)
      .where(and(eq(portfolioMonthly.orgId, orgId), lt(portfolioMonthly.month, month)))
      .groupBy(portfolioMonthly.lineOfBusiness, portfolioMonthly.state),
    db
      .select(sums(portfolioDaily))
      .from(portfolioDaily)
      .where(and(eq(portfolioDaily.orgId, orgId), gte(portfolioDaily.day, `${month}-01`), lte(portfolioDaily.day, asOf)))
      .groupBy(portfolioDaily.lineOfBusiness, portfolioDaily.state),
  ]);
  const groups = new Map(totals.map((t) => [`${t.lineOfBusiness}|${t.state}`, { ...t, earnedCents: 0, activeCount: 0 }]));
  for (const row of [...months, ...days]) {
    const g = groups.get(`${row.lineOfBusiness}|${row.state}`);
    if (!g) continue; // every policy is counted in portfolio_totals when it is bound
    g.earnedCents += Number(row.earnedCents);
    g.activeCount += Number(row.activeCount);
  }

  const total = slice("all");
  const byLine = new Map<string, Slice>();
  const byState = new Map<string, Slice>();
  for (const g of groups.values()) {
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
  return {
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
  };
}

const slice = (key: string): Slice => ({ key, writtenCents: 0, earnedCents: 0, policyCount: 0, activeCount: 0 });

function sliceOf(map: Map<string, Slice>, key: string): Slice {
  let s = map.get(key);
  if (!s) map.set(key, (s = slice(key)));
  return s;
}
