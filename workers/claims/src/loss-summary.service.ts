/**
 * An org's claims as of the end of a day, for portfolio analytics' loss ratio. "As of" is honest:
 * paid is the payments made by then, outstanding the sum of the reserve transactions' deltas by
 * then (every reserve starts at zero and moves only through them), and a claim counts as open when
 * its last activity by then left it neither closed nor denied. One batch of four reads (aggregates over
 * indexed org and time ranges) whatever the size of the book.
 */
import { sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { atomically } from "#shared/db";
import { addDays, isValidDate } from "#shared/dates";
import { invalid, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { LossSummary } from "#shared/rpc";

export async function lossSummary(db: DrizzleD1Database, orgId: string, asOf: string): Promise<Result<LossSummary>> {
  if (!isValidDate(asOf)) return invalid("asOf", "date", "asOf must be a calendar date (YYYY-MM-DD)");
  // Stamps are ISO-8601 text: everything before the next day's midnight happened by the end of asOf.
  const end = `${addDays(asOf, 1)}T00:00:00.000Z`;
  const [filed, open, paid, outstanding] = (await atomically(db, [
    sql`SELECT COUNT(*) AS n FROM claims WHERE org_id = ${orgId} AND created_at < ${end}`,
    sql`SELECT COUNT(*) AS n FROM claim_activity a
      WHERE a.org_id = ${orgId} AND a.created_at < ${end} AND a.status_after NOT IN ('closed', 'denied')
        AND a.seq = (SELECT MAX(b.seq) FROM claim_activity b WHERE b.claim_id = a.claim_id AND b.created_at < ${end})`,
    sql`SELECT cost_type, SUM(amount_cents) AS cents FROM claim_payments WHERE org_id = ${orgId} AND created_at < ${end} GROUP BY cost_type`,
    sql`SELECT cost_type, SUM(delta_cents) AS cents FROM claim_reserve_transactions WHERE org_id = ${orgId} AND created_at < ${end} GROUP BY cost_type`,
  ])).map((r) => r.results as Record<string, number | string>[]);
  const sum = (rows: Record<string, number | string>[] | undefined, type: string) => Number(rows?.find((r) => r.cost_type === type)?.cents ?? 0);
  const of = (type: string) => ({ paidCents: sum(paid, type), outstandingCents: sum(outstanding, type) });
  const indemnity = of("indemnity");
  const expense = of("expense");
  const major = (m: { paidCents: number; outstandingCents: number }) => ({ paid: fromCents(m.paidCents), outstanding: fromCents(m.outstandingCents), incurred: fromCents(m.paidCents + m.outstandingCents) });
  return ok({
    asOf,
    count: Number(filed?.[0]?.n ?? 0),
    open: Number(open?.[0]?.n ?? 0),
    indemnity: major(indemnity),
    expense: major(expense),
    incurred: fromCents(indemnity.paidCents + indemnity.outstandingCents + expense.paidCents + expense.outstandingCents),
  });
}
