/**
 * Reading claims (drizzle only) and their API shapes. A claim's detail is one D1 batch of five
 * selects, whatever the length of its history.
 */
import { and, asc, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Claim, ClaimPayment, ReserveTransaction, Settlement } from "#contract/types.gen";
import { listKeyset } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import { toPage, type Page } from "#shared/pagination";
import type { ClaimDetailRecord, ListClaimsQuery } from "#shared/rpc";
import { figures, type Money } from "./financials.ts";
import {
  claimActivity,
  claimPayments,
  claims,
  claimSettlements,
  reserveTransactions,
  type ClaimActivityRow,
  type ClaimPaymentRow,
  type ClaimRow,
  type ClaimSettlementRow,
  type ReserveTransactionRow,
} from "./schema.ts";

export const moneyOf = (row: Pick<ClaimRow, "indemnityPaidCents" | "indemnityOutstandingCents" | "expensePaidCents" | "expenseOutstandingCents">): Money => ({
  indemnityPaid: row.indemnityPaidCents,
  indemnityOutstanding: row.indemnityOutstandingCents,
  expensePaid: row.expensePaidCents,
  expenseOutstanding: row.expenseOutstandingCents,
});

export const moneyColumns = (m: Money) => ({
  indemnityPaidCents: m.indemnityPaid,
  indemnityOutstandingCents: m.indemnityOutstanding,
  expensePaidCents: m.expensePaid,
  expenseOutstandingCents: m.expenseOutstanding,
});

export function toClaim(row: ClaimRow): Claim {
  return {
    id: row.id as Claim["id"],
    claimNumber: row.claimNumber,
    status: row.status,
    policyId: row.policyId as Claim["policyId"],
    policyNumber: row.policyNumber,
    lineOfBusiness: row.lineOfBusiness,
    lossDate: row.lossDate,
    description: row.description,
    causeOfLoss: row.causeOfLoss,
    lossLocation: row.lossLocation,
    claimant: row.claimant,
    reportedBy: row.reportedBy,
    estimatedLoss: row.estimatedLossCents === null ? null : fromCents(row.estimatedLossCents),
    policeReportNumber: row.policeReportNumber,
    adjusterId: row.adjusterId as Claim["adjusterId"],
    policyLimit: fromCents(row.policyLimitCents),
    deductible: row.deductibleCents === null ? null : fromCents(row.deductibleCents),
    ...figures(moneyOf(row)),
    denialReason: row.denialReason,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toReserveTransaction(row: ReserveTransactionRow): ReserveTransaction {
  return {
    id: row.id as ReserveTransaction["id"],
    claimId: row.claimId as ReserveTransaction["claimId"],
    costType: row.costType,
    previous: fromCents(row.previousCents),
    new: fromCents(row.newCents),
    delta: fromCents(row.deltaCents),
    source: row.source,
    reason: row.reason,
    actor: row.actor,
    createdAt: row.createdAt,
  };
}

export function toPayment(row: ClaimPaymentRow): ClaimPayment {
  return {
    id: row.id as ClaimPayment["id"],
    claimId: row.claimId as ClaimPayment["claimId"],
    costType: row.costType,
    amount: fromCents(row.amountCents),
    payee: row.payee,
    reference: row.reference,
    settlementId: row.settlementId as ClaimPayment["settlementId"],
    actor: row.actor,
    createdAt: row.createdAt,
  };
}

export function toSettlement(row: ClaimSettlementRow): Settlement {
  return {
    id: row.id as Settlement["id"],
    claimId: row.claimId as Settlement["claimId"],
    status: row.status,
    amount: fromCents(row.amountCents),
    deductible: fromCents(row.deductibleCents),
    netAmount: fromCents(row.netCents),
    payee: row.payee,
    notes: row.notes,
    paymentId: row.paymentId as Settlement["paymentId"],
    acceptedAt: row.acceptedAt,
    actor: row.actor,
    createdAt: row.createdAt,
  };
}

export function toActivity(row: ClaimActivityRow): ClaimDetailRecord["activity"][number] {
  return { seq: row.seq, type: row.type, actor: row.actor, details: row.details, createdAt: row.createdAt };
}

export async function findClaim(db: DrizzleD1Database, orgId: string, id: string): Promise<ClaimRow | undefined> {
  return db.select().from(claims).where(and(eq(claims.orgId, orgId), eq(claims.id, id))).get();
}

export async function findSettlement(db: DrizzleD1Database, orgId: string, claimId: string, id: string): Promise<ClaimSettlementRow | undefined> {
  return db
    .select()
    .from(claimSettlements)
    .where(and(eq(claimSettlements.orgId, orgId), eq(claimSettlements.claimId, claimId), eq(claimSettlements.id, id)))
    .get();
}

/**
 * The claim's latest settlement offer: while the claim is `in_settlement`, the one whose offer put it
 * there (an offer is made only from `investigating`), so an earlier one (made before a denial and a
 * reopen) is not the offer on the table.
 */
export async function latestSettlementId(db: DrizzleD1Database, orgId: string, claimId: string): Promise<string | undefined> {
  const row = await db
    .select({ id: claimSettlements.id })
    .from(claimSettlements)
    .where(and(eq(claimSettlements.orgId, orgId), eq(claimSettlements.claimId, claimId)))
    // By id: ULIDs follow real time, which a sandbox clock moved back does not reorder.
    .orderBy(desc(claimSettlements.id))
    .get();
  return row?.id;
}

/**
 * What the claim's accepted settlements have taken of the deductible so far (each its amount less
 * its net), in cents: the deductible is per occurrence, so a reopened claim's later settlement
 * applies only what is left of it.
 */
export async function deductibleTakenCents(db: DrizzleD1Database, orgId: string, claimId: string): Promise<number> {
  const row = await db
    .select({ cents: sql<number>`COALESCE(SUM(${claimSettlements.amountCents} - ${claimSettlements.netCents}), 0)` })
    .from(claimSettlements)
    .where(and(eq(claimSettlements.orgId, orgId), eq(claimSettlements.claimId, claimId), eq(claimSettlements.status, "accepted")))
    .get();
  return Number(row?.cents ?? 0);
}

/** The claim and its whole history in one batch (five selects), or undefined when it is not the org's. */
export async function loadDetail(db: DrizzleD1Database, orgId: string, id: string): Promise<ClaimDetailRecord | undefined> {
  const [claimRows, reserveRows, paymentRows, settlementRows, activityRows] = await db.batch([
    db.select().from(claims).where(and(eq(claims.orgId, orgId), eq(claims.id, id))),
    db.select().from(reserveTransactions).where(and(eq(reserveTransactions.orgId, orgId), eq(reserveTransactions.claimId, id))).orderBy(asc(reserveTransactions.createdAt), asc(reserveTransactions.id)),
    db.select().from(claimPayments).where(and(eq(claimPayments.orgId, orgId), eq(claimPayments.claimId, id))).orderBy(asc(claimPayments.createdAt), asc(claimPayments.id)),
    db.select().from(claimSettlements).where(and(eq(claimSettlements.orgId, orgId), eq(claimSettlements.claimId, id))).orderBy(asc(claimSettlements.createdAt), asc(claimSettlements.id)),
    db.select().from(claimActivity).where(and(eq(claimActivity.orgId, orgId), eq(claimActivity.claimId, id))).orderBy(asc(claimActivity.seq)),
  ]);
  const row = claimRows[0];
  if (!row) return undefined;
  return {
    ...toClaim(row),
    reserves: reserveRows.map(toReserveTransaction),
    payments: paymentRows.map(toPayment),
    settlements: settlementRows.map(toSettlement),
    activity: activityRows.map(toActivity),
  };
}

/** A keyset page of the org's claims with the list's filters. */
export async function listClaimRows(db: DrizzleD1Database, orgId: string, query: ListClaimsQuery | undefined): Promise<Result<Page<Claim>>> {
  const keyset = listKeyset(claims, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const filters: (SQL | undefined)[] = [
    eq(claims.orgId, orgId),
    keyset.value.where,
    q.status ? eq(claims.status, q.status) : undefined,
    q.adjusterId ? eq(claims.adjusterId, q.adjusterId) : undefined,
    q.policyId ? eq(claims.policyId, q.policyId) : undefined,
    q.lossDateFrom ? gte(claims.lossDate, q.lossDateFrom) : undefined,
    q.lossDateTo ? lte(claims.lossDate, q.lossDateTo) : undefined,
  ];
  const rows = await db
    .select()
    .from(claims)
    .where(and(...filters))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toClaim));
}
