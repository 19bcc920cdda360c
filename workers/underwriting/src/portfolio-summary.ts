/**
 * The portfolio summary: what portfolio analytics and DA utilisation read instead of scanning an
 * org's policies, kept in the same D1 batch as every policy transaction.
 *
 * Earned premium "as of" a date is defined per transaction (analytics.service.ts): a premium delta
 * is earned evenly from its effective date to the policy's expiration, rounded half-up once on the
 * cumulative figure, and a policy cancelled on or before `asOf` has earned everything it kept. That
 * rounding is not linear, so summing per-day rates would drift by cents. Instead each policy
 * contributes its exact *daily increments of earned premium*: the increment on day D is
 * `earned(D) - earned(D - 1)` of that policy, so the sum of a policy's increments on days <= asOf
 * is exactly its earned premium as of asOf, rounding and cancellation rule included. Increments
 * add across policies, so the summary keeps their sums per (org, line, state, day) in
 * `portfolio_daily` and per month in `portfolio_monthly`; earned as of a date is then the monthly
 * rows before its month plus the daily rows of its month up to it: O(months + 31) rows per
 * (line, state), whatever the number of policies. A delta with no days left to run (earned at
 * once, whatever the date) is an increment on {@link AT_ONCE_DAY}, before every real day.
 *
 * The active count as of a date works the same way (+1 on a policy's effective date, -1 on its
 * expiration, while its stored status is `active`), and written premium and policy counts, which
 * do not depend on the date, are plain totals in `portfolio_totals`.
 *
 * A transaction changes one policy, so its summary change is the difference between that policy's
 * contribution before and after it: at most a term's worth of day rows and thirteen month rows,
 * sent as one JSON parameter each.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { parseDate } from "#shared/dates";
import { mulDivRound } from "#shared/money";
import { policyTransactions, type PolicyRow } from "./schema.ts";

/** The day on which premium earned "at once" (a change with no days left to run) is booked. */
export const AT_ONCE_DAY = "0000-00-00";

/** What a policy's summary contribution depends on. */
export interface SummaryPolicy {
  lineOfBusiness: string;
  state: string;
  effectiveDate: string;
  expirationDate: string;
  status: PolicyRow["status"];
  /** The cancellation's effective date while the policy is cancelled. */
  cancelledOn: string | null;
  writtenPremiumCents: number;
  transactions: { effectiveDate: string; premiumDeltaCents: number }[];
}

/** Day → [earned cents, active policies] increments. */
export type Increments = Map<string, [number, number]>;

const DAY_MS = 86_400_000;
const epochDay = (date: string) => Math.round(parseDate(date).getTime() / DAY_MS);
const dayCache = new Map<number, string>();
/** `YYYY-MM-DD` of an epoch day (cached: the loader formats the same few thousand days millions of times). */
function dayOf(n: number): string {
  let s = dayCache.get(n);
  if (s === undefined) dayCache.set(n, (s = new Date(n * DAY_MS).toISOString().slice(0, 10)));
  return s;
}

/** `round_half_up(|delta| × elapsed / span)` with delta's sign: `mulDivRound`, in doubles while they are exact. */
function earnedPart(delta: number, elapsed: number, span: number): number {
  const abs = Math.abs(delta);
  if (abs * elapsed * 2 + span >= Number.MAX_SAFE_INTEGER) return mulDivRound(delta, elapsed, span);
  const q = Math.floor((abs * elapsed * 2 + span) / (2 * span));
  return delta < 0 ? -q : q;
}

function add(map: Increments, day: string, earned: number, active: number) {
  const cur = map.get(day);
  if (cur) {
    cur[0] += earned;
    cur[1] += active;
  } else map.set(day, [earned, active]);
}

/**
 * One policy's daily increments of earned premium and active count (see the module comment). A
 * cancelled policy earns as usual until the day before its cancellation, then everything it kept
 * (its written premium) on the cancellation date, and nothing after.
 */
export function policyIncrements(p: SummaryPolicy, into: Increments = new Map()): Increments {
  const own: Increments = new Map();
  const expiration = epochDay(p.expirationDate);
  for (const t of p.transactions) {
    if (t.premiumDeltaCents === 0) continue;
    const start = epochDay(t.effectiveDate);
    const span = expiration - start;
    if (span <= 0) {
      add(own, AT_ONCE_DAY, t.premiumDeltaCents, 0);
      continue;
    }
    let previous = 0;
    for (let k = 1; k <= span; k++) {
      const earned = earnedPart(t.premiumDeltaCents, k, span);
      if (earned !== previous) add(own, dayOf(start + k), earned - previous, 0);
      previous = earned;
    }
  }
  if (p.status === "cancelled" && p.cancelledOn !== null) {
    let before = 0;
    for (const [day, [earned]] of own) {
      if (day < p.cancelledOn) before += earned;
      else own.delete(day);
    }
    own.set(p.cancelledOn, [p.writtenPremiumCents - before, 0]);
  }
  if (p.status === "active") {
    add(own, p.effectiveDate, 0, 1);
    add(own, p.expirationDate, 0, -1);
  }
  for (const [day, [earned, active]] of own) add(into, day, earned, active);
  return into;
}

/** Sum of day rows per month (`YYYY-MM`), dropping what sums to nothing. */
export function byMonth(days: Increments): Increments {
  const months: Increments = new Map();
  for (const [day, [earned, active]] of days) add(months, day.slice(0, 7), earned, active);
  return nonZero(months);
}

function nonZero(map: Increments): Increments {
  for (const [key, [earned, active]] of map) if (earned === 0 && active === 0) map.delete(key);
  return map;
}

/** The summary change one transaction makes: its policy's contribution after minus before. */
export interface SummaryDelta {
  lineOfBusiness: string;
  state: string;
  writtenCents: number;
  policyCount: number;
  days: Increments;
}

export function summaryDelta(before: SummaryPolicy | null, after: SummaryPolicy): SummaryDelta {
  const days = policyIncrements(after);
  if (before) for (const [day, [earned, active]] of policyIncrements(before)) add(days, day, -earned, -active);
  return {
    lineOfBusiness: after.lineOfBusiness,
    state: after.state,
    writtenCents: after.writtenPremiumCents - (before?.writtenPremiumCents ?? 0),
    policyCount: before ? 0 : 1,
    days: nonZero(days),
  };
}

const json = (m: Increments) => JSON.stringify(Object.fromEntries(m));

/**
 * Upserts adding `delta` to the summary rows of `orgId`, for the transaction's own batch. `when`
 * makes them conditional on the rest of the batch having written (bind's "the policy exists").
 * Each statement binds at most eight parameters; the day and month rows travel as one JSON object
 * each (`{"YYYY-MM-DD": [earnedCents, activeDelta], …}`) expanded by `json_each`.
 */
export function summaryStatements(orgId: string, delta: SummaryDelta, when: SQL = sql`1`): SQL[] {
  const { lineOfBusiness: line, state } = delta;
  const out: SQL[] = [];
  if (delta.writtenCents !== 0 || delta.policyCount !== 0) {
    out.push(sql`INSERT INTO portfolio_totals (org_id, line_of_business, state, written_cents, policy_count)
      SELECT ${orgId}, ${line}, ${state}, ${delta.writtenCents}, ${delta.policyCount} WHERE ${when}
      ON CONFLICT (org_id, line_of_business, state) DO UPDATE SET
        written_cents = written_cents + excluded.written_cents, policy_count = policy_count + excluded.policy_count`);
  }
  for (const [table, period, rows] of [
    ["portfolio_daily", "day", delta.days],
    ["portfolio_monthly", "month", byMonth(delta.days)],
  ] as const) {
    if (rows.size === 0) continue;
    out.push(sql`INSERT INTO ${sql.raw(table)} (org_id, ${sql.raw(period)}, line_of_business, state, earned_cents, active_delta)
      SELECT ${orgId}, key, ${line}, ${state}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${json(rows)}) WHERE ${when}
      ON CONFLICT (org_id, ${sql.raw(period)}, line_of_business, state) DO UPDATE SET
        earned_cents = earned_cents + excluded.earned_cents, active_delta = active_delta + excluded.active_delta`);
  }
  return out;
}

/** A policy row and its transactions as {@link SummaryPolicy}. */
export function summaryPolicyOf(row: PolicyRow, transactions: SummaryPolicy["transactions"]): SummaryPolicy {
  return {
    lineOfBusiness: row.lineOfBusiness,
    state: row.state,
    effectiveDate: row.effectiveDate,
    expirationDate: row.expirationDate,
    status: row.status,
    cancelledOn: row.status === "cancelled" ? (row.cancellation?.effectiveDate ?? null) : null,
    writtenPremiumCents: row.writtenPremiumCents,
    transactions,
  };
}

/**
 * The summary statements of a transaction that moves `policy` to `after` by adding `transaction`:
 * reads the policy's earlier transactions (a handful; the transaction's own seq guard rolls the
 * batch back if another one slipped in since `policy` was read).
 */
export async function transactionSummary(
  db: DrizzleD1Database,
  orgId: string,
  policy: PolicyRow,
  after: PolicyRow,
  transaction: SummaryPolicy["transactions"][number],
): Promise<SQL[]> {
  const earlier = await db
    .select({ effectiveDate: policyTransactions.effectiveDate, premiumDeltaCents: policyTransactions.premiumDeltaCents })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policy.id)))
    .all();
  const delta = summaryDelta(summaryPolicyOf(policy, earlier), summaryPolicyOf(after, [...earlier, transaction]));
  return summaryStatements(orgId, delta);
}

/** Adds a delegated-authority agreement's bound premium (and when it first crossed 85%) to `da_agreement_usage`. */
export function daUsageStatement(orgId: string, agreementId: string, premiumCents: number, limitApproachingAt: string | null, when: SQL): SQL {
  return sql`INSERT INTO da_agreement_usage (agreement_id, org_id, written_cents, limit_approaching_at)
    SELECT ${agreementId}, ${orgId}, ${premiumCents}, ${limitApproachingAt} WHERE ${when}
    ON CONFLICT (agreement_id) DO UPDATE SET written_cents = written_cents + excluded.written_cents,
      limit_approaching_at = coalesce(limit_approaching_at, excluded.limit_approaching_at)`;
}
