import { inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { notFound, ok, type Result } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import { pageSize, toPage, type Page, type PageQuery } from "#shared/pagination";
import { findPolicy, listInstallments, listPolicyRows, listTransactionRows } from "./policies.repo.ts";
import { documentsOfPolicies, documentsOfPolicy } from "./policy-paper.ts";
import { installments, type InstallmentRow, type PolicyEndorsementsRecord, type PolicyRow, type TransactionRow } from "./schema.ts";
import type { ListPoliciesQuery, Policy, PolicyDocument, PolicyTransaction } from "./types.ts";

type PolicyPendingCancellationShown = NonNullable<Policy["pendingCancellation"]>;

/**
 * A policy's status as of `today` (the org's clock, `YYYY-MM-DD`): an active policy whose term has
 * ended is `expired`. Expiry is a matter of the calendar, so it is derived when read rather than
 * written by a job (a write would also have to be a transaction on the policy's timeline). An
 * active policy billing's delinquency job marked (`pendingCancellation`) reads `pending_cancellation`
 * until it is paid or cancelled; it is still in force.
 */
export function statusAsOf(row: Pick<PolicyRow, "status" | "expirationDate"> & Partial<Pick<PolicyRow, "pendingCancellation">>, today: string): PolicyRow["status"] {
  if (row.status !== "active") return row.status;
  if (row.expirationDate <= today) return "expired";
  return row.pendingCancellation ? "pending_cancellation" : "active";
}

/** Ids per `IN (…)` lookup, keeping each statement well under D1's 100 bound parameters. */
const IDS_PER_STATEMENT = 50;

/** `producerId`: only the policies bound from submissions naming that producer (a producer user's book). */
export async function listPolicies(db: DrizzleD1Database, principal: Principal, query: ListPoliciesQuery, producerId?: string): Promise<Result<Page<Policy>>> {
  const today = clockOf(principal).today();
  const rows = await listPolicyRows(db, principal.orgId, query, today, producerId);
  if (!rows.ok) return rows;
  const page = toPage(rows.value, pageSize(query.limit), (row) => row);
  const byPolicy = new Map<string, InstallmentRow[]>();
  const ids = page.data.map((p) => p.id);
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + IDS_PER_STATEMENT);
    for (const row of await db.select().from(installments).where(inArray(installments.policyId, chunk)).orderBy(installments.number).all()) {
      byPolicy.set(row.policyId, [...(byPolicy.get(row.policyId) ?? []), row]);
    }
  }
  const paper = await documentsOfPolicies(db, principal.orgId, ids);
  return ok({ data: page.data.map((p) => toPolicy(p, byPolicy.get(p.id) ?? [], today, paper.get(p.id) ?? [])), nextCursor: page.nextCursor });
}

export async function getPolicy(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Policy>> {
  const row = await findPolicy(db, principal.orgId, id);
  return row ? ok(await toPolicyWithInstallments(db, row, clockOf(principal).today())) : notFound("Policy");
}

export async function getTimeline(
  db: DrizzleD1Database,
  principal: Principal,
  policyId: string,
  query: PageQuery & { createdAfter?: string; createdBefore?: string },
): Promise<Result<Page<PolicyTransaction>>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  // The timeline reads oldest first unless asked otherwise: it is a history.
  const rows = await listTransactionRows(db, principal.orgId, policyId, { sort: "createdAt", ...query });
  if (!rows.ok) return rows;
  return ok(toPage(rows.value, pageSize(query.limit), toTransaction));
}

/** The public policy with its schedule and paper; `today` (the org's clock) decides whether it reads as expired. */
export async function toPolicyWithInstallments(db: DrizzleD1Database, row: PolicyRow, today: string): Promise<Policy> {
  return toPolicy(row, await listInstallments(db, row.id), today, await documentsOfPolicy(db, row.orgId, row.id));
}

/** `documents` are the policy's paper as underwriting's own job rows record it (policy-paper.ts). */
export function toPolicy(row: PolicyRow, schedule: InstallmentRow[], today: string, documents: PolicyDocument[]): Policy {
  return {
    id: row.id,
    policyNumber: row.policyNumber,
    status: statusAsOf(row, today),
    submissionId: row.submissionId,
    insuredName: row.insuredName,
    insuredId: row.insuredId,
    lineOfBusiness: row.lineOfBusiness,
    state: row.state,
    effectiveDate: row.effectiveDate,
    expirationDate: row.expirationDate,
    grossPremium: fromCents(row.grossPremiumCents),
    currency: CURRENCY,
    installmentPlan: row.installmentPlan,
    quoteId: row.quoteId,
    annualPremium: fromCents(row.annualPremiumCents),
    writtenPremium: fromCents(row.writtenPremiumCents),
    limit: fromCents(row.limitCents),
    deductible: row.deductibleCents === null ? null : fromCents(row.deductibleCents),
    installments: schedule.map((i) => ({ number: i.number, dueDate: i.dueDate, premium: fromCents(i.premiumCents), fee: fromCents(i.feeCents), currency: CURRENCY })),
    rateTableVersion: row.rateTableVersion,
    cancellation: row.cancellation
      ? {
          effectiveDate: row.cancellation.effectiveDate,
          method: row.cancellation.method,
          reason: row.cancellation.reason,
          returnPremium: fromCents(row.cancellation.returnPremiumCents),
        }
      : null,
    pendingCancellation:
      row.pendingCancellation && statusAsOf(row, today) === "pending_cancellation"
        ? { reason: row.pendingCancellation.reason, invoiceId: row.pendingCancellation.invoiceId as PolicyPendingCancellationShown["invoiceId"], since: row.pendingCancellation.since, noticeDate: row.pendingCancellation.noticeDate, cancelOn: row.pendingCancellation.cancelOn }
        : null,
    renewalOfPolicyId: row.renewalOfPolicyId,
    renewedByPolicyId: row.renewedByPolicyId,
    endorsements: (({ additionalInsureds, waiverOfSubrogation }) => ({
      additionalInsureds: additionalInsureds.map((a) => (a.address ? { name: a.name, address: a.address } : { name: a.name })),
      waiverOfSubrogation,
    }))(endorsementsOf(row)),
    documents,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The coverage endorsements a policy carries; a policy never endorsed for them carries none. */
export function endorsementsOf(row: Pick<PolicyRow, "endorsements">): PolicyEndorsementsRecord {
  return row.endorsements ?? { additionalInsureds: [], waiverOfSubrogation: false };
}

export function toTransaction(row: TransactionRow): PolicyTransaction {
  return {
    id: row.id,
    policyId: row.policyId,
    type: row.type,
    effectiveDate: row.effectiveDate,
    premiumDelta: fromCents(row.premiumDeltaCents),
    currency: CURRENCY,
    actor: row.actor,
    createdAt: row.createdAt,
    details: row.details,
  };
}
