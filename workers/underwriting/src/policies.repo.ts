import { and, eq, gt, gte, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { listKeyset } from "#shared/db";
import type { Result } from "#shared/errors";
import type { PageQuery } from "#shared/pagination";
import { installments, policies, policyTransactions, type InstallmentRow, type PolicyRow, type TransactionRow } from "./schema.ts";
import type { ListPoliciesQuery } from "./types.ts";

/** A page of the org's policies; `today` (the org's clock) decides which active ones filter as expired. */
export async function listPolicyRows(db: DrizzleD1Database, orgId: string, query: ListPoliciesQuery, today: string, producerId?: string): Promise<Result<PolicyRow[]>> {
  const keyset = listKeyset(policies, query);
  if (!keyset.ok) return keyset;
  const filters: (SQL | undefined)[] = [eq(policies.orgId, orgId), keyset.value.where];
  if (query.status) filters.push(statusFilter(query.status, today));
  if (query.lineOfBusiness) filters.push(eq(policies.lineOfBusiness, query.lineOfBusiness));
  if (query.state) filters.push(eq(policies.state, query.state));
  if (query.effectiveFrom) filters.push(gte(policies.effectiveDate, query.effectiveFrom));
  if (query.effectiveTo) filters.push(lte(policies.effectiveDate, query.effectiveTo));
  if (query.insuredName) filters.push(sql`${policies.insuredName} LIKE ${`%${escapeLike(query.insuredName)}%`} ESCAPE '\\'`);
  // A producer's book: the submissions naming them (index submissions_org_producer_created, migrations/underwriting/0013).
  if (producerId !== undefined) filters.push(sql`${policies.submissionId} IN (SELECT id FROM submissions WHERE org_id = ${orgId} AND producer_id = ${producerId})`);
  const rows = await db
    .select()
    .from(policies)
    .where(and(...filters))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return { ok: true, value: rows };
}

/** Rows whose status as of today (see `statusAsOf` in policies.service.ts) is `status`: expiry is derived, not stored. */
function statusFilter(status: PolicyRow["status"], today: string): SQL {
  if (status === "active") return and(eq(policies.status, "active"), gt(policies.expirationDate, today), isNull(policies.pendingCancellation))!;
  if (status === "pending_cancellation") return and(eq(policies.status, "active"), gt(policies.expirationDate, today), isNotNull(policies.pendingCancellation))!;
  if (status === "expired") return or(eq(policies.status, "expired"), and(eq(policies.status, "active"), lte(policies.expirationDate, today)))!;
  return eq(policies.status, status);
}

/** A substring match: `%`, `_` and backslash in user input match literally (LIKE is ASCII case-insensitive). */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function findPolicy(db: DrizzleD1Database, orgId: string, id: string): Promise<PolicyRow | undefined> {
  return db.select().from(policies).where(and(eq(policies.orgId, orgId), eq(policies.id, id))).get();
}

export function findPolicyBySubmission(db: DrizzleD1Database, orgId: string, submissionId: string): Promise<PolicyRow | undefined> {
  return db.select().from(policies).where(and(eq(policies.orgId, orgId), eq(policies.submissionId, submissionId))).get();
}

/** The effective date of the policy's latest premium-bearing transaction (renewal markers carry no premium). */
export async function latestTransactionDate(db: DrizzleD1Database, orgId: string, policyId: string): Promise<string | null> {
  const row = await db
    .select({ latest: sql<string | null>`max(${policyTransactions.effectiveDate})` })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId), sql`${policyTransactions.type} != 'renewal'`))
    .get();
  return row?.latest ?? null;
}

export function listInstallments(db: DrizzleD1Database, policyId: string): Promise<InstallmentRow[]> {
  return db.select().from(installments).where(eq(installments.policyId, policyId)).orderBy(installments.number).all();
}

export async function listTransactionRows(
  db: DrizzleD1Database,
  orgId: string,
  policyId: string,
  query: PageQuery & { createdAfter?: string; createdBefore?: string },
): Promise<Result<TransactionRow[]>> {
  const keyset = listKeyset(policyTransactions, query);
  if (!keyset.ok) return keyset;
  const filters: (SQL | undefined)[] = [eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId), keyset.value.where];
  const rows = await db
    .select()
    .from(policyTransactions)
    .where(and(...filters))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return { ok: true, value: rows };
}
