/**
 * Commissions (issue 14): what a producer earns on each premium-bearing transaction of the policies
 * they sold. Underwriting hands each such policy's transactions over after they commit
 * (`ProducersInternal.recordCommissions`, from its outbox; see workers/underwriting/src/commission-feed.ts),
 * and this records one row per transaction id, once:
 *
 *   commission = premiumDelta × rate / 100, rounded half-up on the magnitude to the cent, once per row
 *
 * so a return premium (a cancellation) earns a negative commission and its reinstatement the same
 * amount back. The rate is the producer's for the policy's line, `renewal` on a renewal term and
 * `newBusiness` otherwise, fixed when the term's first transaction is recorded: later changes to
 * the producer's rates apply to terms written after them, so a return reverses commission at the
 * rate it was paid. A line without a rate earns 0%, and its premium still counts as written.
 *
 * Each batch writes the rows and the summary rows (org × month × producer × line) together, so the
 * analytics read sums summaries, never rows.
 */
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Commission, CommissionGroupBy, CommissionsSummary } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { addMonths } from "#shared/dates";
import { isUniqueViolation } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, mulDivRound, toCents } from "#shared/money";
import type { Page } from "#shared/pagination";
import type { CommissionFacts, CommissionsSummaryQuery, ListProducerCommissionsQuery } from "#shared/rpc";
import { insertCommissions, listCommissionRows, policyCommissions, sumSummaries } from "./commissions.repo.ts";
import { findProducer } from "./producers.repo.ts";
import type { CommissionRow } from "./schema.ts";

const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
const GROUPS: readonly CommissionGroupBy[] = ["producer", "month", "line"];
/** The longest range the summary answers, in months. */
export const MAX_SUMMARY_MONTHS = 36;
/** Attempts when a concurrent hand-over of the same policy committed first (its rows are then skipped). */
const RECORD_ATTEMPTS = 3;

/** Basis points (percentage × 100) of a percentage with at most two decimals, exactly. */
const toBps = (percent: number): number => toCents(percent) ?? 0;

/**
 * Record the commission of every transaction of `facts` not recorded yet, with the summary rows in
 * the same batch. A concurrent hand-over of the same policy makes one batch fail on the unique
 * index; that one re-reads and records what is still missing (usually nothing).
 */
export async function recordCommissions(db: DrizzleD1Database, orgId: string, facts: CommissionFacts): Promise<Result<{ recorded: number }>> {
  const producer = await findProducer(db, orgId, facts.producerId);
  if (!producer) return fail("not_found", "Producer not found", { field: "producerId" });
  for (let attempt = 1; ; attempt++) {
    const existing = await policyCommissions(db, orgId, facts.policyId);
    const recorded = new Set(existing.map((r) => r.transactionId));
    const first = existing[0];
    const rateKind = first?.rateKind ?? (facts.renewal ? "renewal" : "new_business");
    const rates = producer.commissionRates[facts.lineOfBusiness];
    const rateBps = first?.rateBps ?? (rates ? toBps(rateKind === "renewal" ? rates.renewal : rates.newBusiness) : 0);
    const rows: CommissionRow[] = facts.transactions
      .filter((t) => !recorded.has(t.transactionId))
      .map((t) => {
        const bookedOn = t.createdAt.slice(0, 10);
        return {
          id: newId("com"),
          orgId,
          producerId: facts.producerId,
          policyId: facts.policyId,
          policyNumber: facts.policyNumber,
          transactionId: t.transactionId,
          transactionSeq: t.seq,
          transactionType: t.type,
          lineOfBusiness: facts.lineOfBusiness,
          effectiveDate: t.effectiveDate,
          bookedOn,
          month: bookedOn.slice(0, 7),
          rateKind,
          rateBps,
          premiumDeltaCents: t.premiumDeltaCents,
          commissionCents: mulDivRound(t.premiumDeltaCents, rateBps, 10_000),
          createdAt: t.createdAt,
        };
      });
    try {
      await insertCommissions(db, rows);
      return ok({ recorded: rows.length });
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= RECORD_ATTEMPTS) throw err;
    }
  }
}

/**
 * The producer whose commissions `principal` may read: a `producer` user only their own (another
 * producer, or none linked, is `not_found` like a missing one).
 */
function mayRead(principal: Principal, producerId: string): boolean {
  return principal.producerId === undefined || principal.producerId === producerId;
}

export async function listProducerCommissions(db: DrizzleD1Database, principal: Principal, producerId: string, query?: ListProducerCommissionsQuery): Promise<Result<Page<Commission>>> {
  if (!mayRead(principal, producerId)) return notFound("Producer");
  const producer = await findProducer(db, principal.orgId, producerId);
  if (!producer) return notFound("Producer");
  return listCommissionRows(db, principal.orgId, producerId, query);
}

/** The months of the summary: both given, or the twelve months up to `to` (default: the org's current month). */
function summaryRange(principal: Principal, query: CommissionsSummaryQuery): Result<{ from: string; to: string }> {
  for (const field of ["from", "to"] as const) {
    const value = query[field];
    if (value !== undefined && !MONTH.test(value)) return invalid(field, "month", `${field} must be a month, YYYY-MM`);
  }
  const to = query.to ?? clockOf(principal).today().slice(0, 7);
  const from = query.from ?? addMonths(`${to}-01`, -11).slice(0, 7);
  if (from > to) return invalid("from", "range", `from (${from}) must not be after to (${to})`);
  const span = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5)) - Number(from.slice(5)) + 1;
  if (span > MAX_SUMMARY_MONTHS) return invalid("to", "max_range", `from–to spans ${span} months; at most ${MAX_SUMMARY_MONTHS}`);
  return ok({ from, to });
}

/**
 * Written premium and commission per group over whole months, from the summary rows. Totals are
 * the sums of the groups' cents, so they equal the sum of the groups exactly. A `producer`
 * principal (should one hold `analytics:read`) sees only their own figures.
 */
export async function commissionsSummary(db: DrizzleD1Database, principal: Principal, query: CommissionsSummaryQuery = {}): Promise<Result<CommissionsSummary>> {
  const groupBy = query.groupBy ?? "producer";
  if (!GROUPS.includes(groupBy)) return invalid("groupBy", "enum", "groupBy must be one of producer, month, line");
  const range = summaryRange(principal, query);
  if (!range.ok) return range;
  const { from, to } = range.value;
  const groups = await sumSummaries(db, principal.orgId, from, to, groupBy, principal.producerId);
  let written = 0;
  let commission = 0;
  let count = 0;
  for (const g of groups) {
    written += g.writtenCents;
    commission += g.commissionCents;
    count += g.count;
  }
  return ok({
    orgId: principal.orgId,
    from,
    to,
    groupBy,
    currency: CURRENCY,
    groups: groups.map((g) => ({
      key: g.key,
      ...(groupBy === "producer" ? { producerName: g.producerName ?? "" } : {}),
      writtenPremium: fromCents(g.writtenCents),
      commission: fromCents(g.commissionCents),
      transactionCount: g.count,
    })),
    total: { writtenPremium: fromCents(written), commission: fromCents(commission), transactionCount: count },
  });
}
