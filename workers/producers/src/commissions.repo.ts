/**
 * Commission rows and their monthly summary rows in D1 (drizzle and guarded SQL only), and their API
 * shape. A commission row and the summary increments it makes are written in one batch, so the
 * summaries equal the sum of the rows at every commit.
 */
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Commission, CommissionGroupBy } from "#contract/types.gen";
import { atomically, listKeyset, type Statement } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import { toPage, type Page, type PageQuery } from "#shared/pagination";
import { commissions, commissionSummaries, type CommissionRow } from "./schema.ts";

/** `cents × bps / 10000` exactly, as decimal text in major units (`-80.6845`): the unrounded commission. */
export function exactCommission(premiumDeltaCents: number, rateBps: number): string {
  const product = BigInt(premiumDeltaCents) * BigInt(rateBps); // in 1/1,000,000 of a major unit
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export function toCommission(row: CommissionRow): Commission {
  return {
    id: row.id,
    producerId: row.producerId,
    policyId: row.policyId,
    policyNumber: row.policyNumber,
    transactionId: row.transactionId,
    transactionType: row.transactionType,
    lineOfBusiness: row.lineOfBusiness,
    effectiveDate: row.effectiveDate,
    bookedOn: row.bookedOn,
    rateKind: row.rateKind,
    rate: row.rateBps / 100,
    premiumDelta: fromCents(row.premiumDeltaCents),
    commission: fromCents(row.commissionCents),
    rounding: { method: "half_up", exact: exactCommission(row.premiumDeltaCents, row.rateBps) },
    currency: CURRENCY,
    createdAt: row.createdAt,
  };
}

/** The commissions already recorded on a policy, in transaction order (the first fixes the term's rate). */
export function policyCommissions(db: DrizzleD1Database, orgId: string, policyId: string) {
  return db
    .select({ transactionId: commissions.transactionId, rateKind: commissions.rateKind, rateBps: commissions.rateBps, producerId: commissions.producerId })
    .from(commissions)
    .where(and(eq(commissions.orgId, orgId), eq(commissions.policyId, policyId)))
    .orderBy(asc(commissions.transactionSeq))
    .all();
}

/**
 * The rows and, per month and line, one summary upsert adding their sums: one batch, so a
 * duplicate transaction (the unique index `(org_id, transaction_id)`) rolls the whole batch back
 * and no summary counts a row twice. Each statement binds at most 17 parameters.
 */
export async function insertCommissions(db: DrizzleD1Database, rows: CommissionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const sums = new Map<string, { row: CommissionRow; written: number; commission: number; count: number }>();
  for (const row of rows) {
    const key = `${row.month}|${row.producerId}|${row.lineOfBusiness}`;
    const sum = sums.get(key) ?? { row, written: 0, commission: 0, count: 0 };
    sum.written += row.premiumDeltaCents;
    sum.commission += row.commissionCents;
    sum.count += 1;
    sums.set(key, sum);
  }
  const statements: Statement[] = rows.map((row) => db.insert(commissions).values(row));
  for (const { row, written, commission, count } of sums.values()) {
    statements.push(
      db
        .insert(commissionSummaries)
        .values({ orgId: row.orgId, month: row.month, producerId: row.producerId, lineOfBusiness: row.lineOfBusiness, writtenPremiumCents: written, commissionCents: commission, transactionCount: count })
        .onConflictDoUpdate({
          target: [commissionSummaries.orgId, commissionSummaries.month, commissionSummaries.producerId, commissionSummaries.lineOfBusiness],
          set: {
            writtenPremiumCents: sql`${commissionSummaries.writtenPremiumCents} + excluded.written_premium_cents`,
            commissionCents: sql`${commissionSummaries.commissionCents} + excluded.commission_cents`,
            transactionCount: sql`${commissionSummaries.transactionCount} + excluded.transaction_count`,
          },
        }),
    );
  }
  await atomically(db, statements);
}

/** A producer's statement page, newest first (keyset on `(org_id, producer_id, created_at, id)`). */
export async function listCommissionRows(db: DrizzleD1Database, orgId: string, producerId: string, query: PageQuery | undefined): Promise<Result<Page<Commission>>> {
  const keyset = listKeyset(commissions, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(commissions)
    .where(and(eq(commissions.orgId, orgId), eq(commissions.producerId, producerId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toCommission));
}

export interface SummedGroup {
  key: string;
  producerName: string | null;
  writtenCents: number;
  commissionCents: number;
  count: number;
}

const GROUP_COLUMN: Record<CommissionGroupBy, SQL> = {
  producer: sql`s.producer_id`,
  month: sql`s.month`,
  line: sql`s.line_of_business`,
};

/**
 * The summary rows of `from`–`to` (months, inclusive) summed per group, in key order: a range read
 * of the primary key `(org_id, month, …)`, at most months × producers × lines rows whatever the
 * number of policies. `producerId` confines it to one producer's rows.
 */
export async function sumSummaries(db: DrizzleD1Database, orgId: string, from: string, to: string, groupBy: CommissionGroupBy, producerId?: string): Promise<SummedGroup[]> {
  const column = GROUP_COLUMN[groupBy];
  const name = groupBy === "producer" ? sql`(SELECT p.name FROM producers p WHERE p.id = s.producer_id)` : sql`NULL`;
  const only = producerId !== undefined ? sql`AND s.producer_id = ${producerId}` : sql``;
  const rows = await db.all<{ key: string; producer_name: string | null; written: number; commission: number; count: number }>(sql`
    SELECT ${column} AS key, ${name} AS producer_name, sum(s.written_premium_cents) AS written,
      sum(s.commission_cents) AS commission, sum(s.transaction_count) AS count
    FROM commission_summaries s
    WHERE s.org_id = ${orgId} AND s.month >= ${from} AND s.month <= ${to} ${only}
    GROUP BY ${column} ORDER BY ${column}`);
  return rows.map((r) => ({ key: r.key, producerName: r.producer_name, writtenCents: r.written, commissionCents: r.commission, count: r.count }));
}
