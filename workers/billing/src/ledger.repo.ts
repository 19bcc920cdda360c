/**
 * A policy's ledger in D1: loaded whole (one policy's invoices are a few dozen rows), changed by the
 * pure operations of ledger.ts, and written back in ONE batch guarded by the policy's version. D1
 * has no row locks, so a batch built from a read that a concurrent writer has since moved on is
 * refused by the guard and the whole operation runs again on a fresh read: of two payments that
 * together exceed an invoice's amount due, the second is judged against the first's result.
 *
 * Invoice numbers come from the counter the same batch moves (`INSERT … SELECT` from
 * `invoice_number_sequences`), so a batch that rolls back consumes no number and the sequence has
 * no gaps. `invoice.created` and `invoice.voided` read their invoice's number in the batch too.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { atomically, guard, isGuardFailure, isUniqueViolation, type Statement } from "#shared/db";
import { fail, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents } from "#shared/money";
import { recordOutboxEvent } from "#shared/outbox";
import { amountDueOf, emptyLedger, premiumOf, totalOf, type Ledger, type LedgerContext, type LedgerInvoice } from "./ledger.ts";
import { billingPolicies, invoiceEntries, invoices, type BillingPolicyRow, type InvoiceRow } from "./schema.ts";

/** Attempts of one operation against concurrent writers before answering 409. */
const ATTEMPTS = 8;

export function toLedgerInvoice(row: InvoiceRow): LedgerInvoice {
  return {
    id: row.id,
    kind: row.kind,
    installmentNumber: row.installmentNumber,
    transactionId: row.transactionId,
    dueDate: row.dueDate,
    status: row.status,
    lines: row.lines,
    premiumCreditedCents: row.premiumCreditedCents,
    chargesWaivedCents: row.chargesWaivedCents,
    paidCents: row.paidCents,
    refundedCents: row.refundedCents,
    voidedByTransactionId: row.voidedByTransactionId,
    voidedPremiumCents: row.voidedPremiumCents,
    reissueOf: row.reissueOf,
    reissuedAs: row.reissuedAs,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    paidAt: row.paidAt,
    voidedAt: row.voidedAt,
  };
}

/** A policy's billing row (null before its first event) and its invoices, oldest first. */
export async function loadLedger(db: DrizzleD1Database, orgId: string, policyId: string): Promise<{ policy: BillingPolicyRow | null; invoices: LedgerInvoice[] }> {
  const [policy, rows] = await Promise.all([
    db.select().from(billingPolicies).where(and(eq(billingPolicies.orgId, orgId), eq(billingPolicies.policyId, policyId))).get(),
    db.select().from(invoices).where(and(eq(invoices.orgId, orgId), eq(invoices.policyId, policyId))).orderBy(asc(invoices.createdAt), asc(invoices.id)).all(),
  ]);
  return { policy: policy ?? null, invoices: rows.map(toLedgerInvoice) };
}

/** What an operation on a loaded ledger decided. */
export type LedgerDecision<T> =
  /** Write the ledger's changes (and `alongside`), moving the applied sequence to `appliedSeq` when given. */
  | { write: true; value: T; appliedSeq?: number; alongside?: Statement[] }
  /** Nothing to write. */
  | { write: false; value: T };

export interface LedgerTarget {
  orgId: string;
  policyId: string;
  policyNumber: string;
}

/**
 * Run `decide` on the policy's ledger as it stands and commit what it changed, guarded by the
 * policy's version; on a lost race, read again and decide again (up to {@link ATTEMPTS} times).
 */
export async function withLedger<T>(
  db: DrizzleD1Database,
  target: LedgerTarget,
  at: () => string,
  decide: (state: { policy: BillingPolicyRow | null; ledger: Ledger; ctx: LedgerContext }) => Result<LedgerDecision<T>>,
  /** A test's view of the batch about to be written (it may change it, e.g. to fail it part-way). */
  inspect: (statements: Statement[]) => Statement[] = (s) => s,
): Promise<Result<T>> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { policy, invoices: loaded } = await loadLedger(db, target.orgId, target.policyId);
    const snapshot = new Map(loaded.map((i) => [i.id, JSON.stringify(i)]));
    const ledger = emptyLedger(loaded);
    const ctx: LedgerContext = { newId: (prefix) => newId(prefix), at: at() };
    const decided = decide({ policy, ledger, ctx });
    if (!decided.ok) return decided;
    if (!decided.value.write) return ok(decided.value.value);
    const statements = ledgerStatements(db, target, policy, ledger, snapshot, decided.value.appliedSeq ?? policy?.appliedSeq ?? 0, ctx.at);
    try {
      await atomically(db, inspect([...statements, ...(decided.value.alongside ?? [])]));
      return ok(decided.value.value);
    } catch (error) {
      if (isGuardFailure(error) || isUniqueViolation(error, "billing_policies.policy_id")) continue;
      throw error;
    }
  }
  return fail("conflict", "The invoices of this policy kept changing while this request ran; retry", { policyId: target.policyId });
}

const yearOf = (at: string) => Number(at.slice(0, 4));

/** The batch that writes a ledger's changes: the version guard first, then counters, invoices, entries and events. */
function ledgerStatements(
  db: DrizzleD1Database,
  target: LedgerTarget,
  policy: BillingPolicyRow | null,
  ledger: Ledger,
  snapshot: Map<string, string>,
  appliedSeq: number,
  at: string,
): Statement[] {
  const { orgId, policyId } = target;
  const out: Statement[] = [];
  if (policy) {
    out.push(guard("billing_policy_version", sql`EXISTS (SELECT 1 FROM billing_policies WHERE policy_id = ${policyId} AND version = ${policy.version})`));
    out.push(sql`UPDATE billing_policies SET version = version + 1, applied_seq = ${appliedSeq}, updated_at = ${at} WHERE policy_id = ${policyId}`);
  } else {
    // A concurrent first write for the same policy breaks the primary key: this batch rolls back and runs again.
    out.push(sql`INSERT INTO billing_policies (policy_id, org_id, policy_number, applied_seq, version, created_at, updated_at)
      VALUES (${policyId}, ${orgId}, ${target.policyNumber}, ${appliedSeq}, 1, ${at}, ${at})`);
  }

  // Gap-free numbers: move each year's counter by the invoices created in it, then number them from it.
  const byYear = new Map<number, LedgerInvoice[]>();
  for (const inv of ledger.created) byYear.set(yearOf(inv.createdAt), [...(byYear.get(yearOf(inv.createdAt)) ?? []), inv]);
  for (const [year, created] of byYear) {
    out.push(sql`INSERT INTO invoice_number_sequences (org_id, year, last_number) VALUES (${orgId}, ${year}, ${created.length})
      ON CONFLICT (org_id, year) DO UPDATE SET last_number = last_number + ${created.length}`);
    created.forEach((inv, i) => {
      const back = created.length - 1 - i;
      out.push(sql`INSERT INTO invoices (id, org_id, policy_id, policy_number, number, kind, installment_number, transaction_id, status, due_date, lines,
          total_cents, premium_cents, premium_credited_cents, charges_waived_cents, paid_cents, refunded_cents, voided_by_transaction_id,
          voided_premium_cents, reissue_of, reissued_as, created_at, updated_at, paid_at, voided_at)
        SELECT ${inv.id}, ${orgId}, ${policyId}, ${target.policyNumber}, printf('INV-%04d-%06d', ${year}, last_number - ${back}), ${inv.kind},
          ${inv.installmentNumber}, ${inv.transactionId}, ${inv.status}, ${inv.dueDate}, ${JSON.stringify(inv.lines)}, ${totalOf(inv)}, ${premiumOf(inv)},
          ${inv.premiumCreditedCents}, ${inv.chargesWaivedCents}, ${inv.paidCents}, ${inv.refundedCents}, ${inv.voidedByTransactionId},
          ${inv.voidedPremiumCents}, ${inv.reissueOf}, ${inv.reissuedAs}, ${inv.createdAt}, ${inv.updatedAt}, ${inv.paidAt}, ${inv.voidedAt}
        FROM invoice_number_sequences WHERE org_id = ${orgId} AND year = ${year}`);
    });
  }
  const created = new Set(ledger.created.map((i) => i.id));
  for (const inv of ledger.invoices) {
    if (created.has(inv.id) || snapshot.get(inv.id) === JSON.stringify(inv)) continue;
    out.push(sql`UPDATE invoices SET status = ${inv.status}, premium_credited_cents = ${inv.premiumCreditedCents}, charges_waived_cents = ${inv.chargesWaivedCents},
        paid_cents = ${inv.paidCents}, refunded_cents = ${inv.refundedCents}, voided_by_transaction_id = ${inv.voidedByTransactionId},
        voided_premium_cents = ${inv.voidedPremiumCents}, reissued_as = ${inv.reissuedAs}, updated_at = ${inv.updatedAt}, paid_at = ${inv.paidAt}, voided_at = ${inv.voidedAt}
      WHERE org_id = ${orgId} AND id = ${inv.id}`);
  }

  // Events, in the order they happened: each invoice's creation, then the entries and voids.
  for (const inv of ledger.created) out.push(invoiceEvent("invoice.created", orgId, inv.id, inv.createdAt));
  const byId = new Map(ledger.invoices.map((i) => [i.id, i]));
  for (const e of ledger.entries) {
    if (e.type === "credit") {
      out.push(db.insert(invoiceEntries).values({ id: e.id, orgId, invoiceId: e.invoiceId, policyId, type: "credit", amountCents: e.premiumCents + e.chargesCents, premiumCents: e.premiumCents, chargesCents: e.chargesCents, reason: e.reason, transactionId: e.transactionId, createdAt: e.at }));
    } else if (e.type === "payment") {
      out.push(db.insert(invoiceEntries).values({ id: e.id, orgId, invoiceId: e.invoiceId, policyId, type: "payment", amountCents: e.amountCents, premiumCents: 0, chargesCents: 0, method: e.method, reference: e.reference, receivedAt: e.receivedAt, createdAt: e.at }));
      // Its receipt to the insured, owed from the same commit (payment-receipts.ts sends it once).
      out.push(sql`INSERT INTO payment_receipts (payment_id, org_id, invoice_id, policy_id, created_at) VALUES (${e.id}, ${orgId}, ${e.invoiceId}, ${policyId}, ${e.at})`);
      out.push(recordOutboxEvent(db, orgId, "payment.received", {
        paymentId: e.id,
        invoiceId: e.invoiceId,
        policyId,
        amount: fromCents(e.amountCents),
        currency: CURRENCY,
        method: e.method,
        amountDue: fromCents(amountDueOf(byId.get(e.invoiceId)!)),
      }, e.at));
    } else {
      out.push(db.insert(invoiceEntries).values({ id: e.id, orgId, invoiceId: e.invoiceId, policyId, type: "refund", amountCents: e.amountCents, premiumCents: 0, chargesCents: 0, reason: e.reason, transactionId: e.transactionId, createdAt: e.at }));
      out.push(recordOutboxEvent(db, orgId, "payment.refunded", {
        refundId: e.id,
        invoiceId: e.invoiceId,
        policyId,
        amount: fromCents(e.amountCents),
        currency: CURRENCY,
        reason: e.reason,
        transactionId: e.transactionId,
      }, e.at));
    }
  }
  for (const id of ledger.voided) out.push(invoiceEvent("invoice.voided", orgId, id, byId.get(id)!.voidedAt ?? at));
  return out;
}

/** `invoice.created` / `invoice.voided`, its data read from the invoice row the same batch wrote (for its number). */
function invoiceEvent(type: "invoice.created" | "invoice.voided", orgId: string, invoiceId: string, at: string): Statement {
  const data =
    type === "invoice.created"
      ? sql`json_object('invoiceId', id, 'number', number, 'kind', kind, 'policyId', policy_id, 'installmentNumber', installment_number,
          'amount', total_cents / 100.0, 'currency', ${CURRENCY}, 'dueDate', due_date)`
      : sql`json_object('invoiceId', id, 'number', number, 'policyId', policy_id, 'transactionId', voided_by_transaction_id, 'reissuedAs', reissued_as)`;
  return sql`INSERT INTO events (id, org_id, type, data, created_at) SELECT ${newId("evt")}, ${orgId}, ${type}, ${data}, ${at} FROM invoices WHERE org_id = ${orgId} AND id = ${invoiceId}`;
}

/** Entries of the given invoices, oldest first. */
export async function entriesOf(db: DrizzleD1Database, orgId: string, invoiceIds: string[]) {
  if (invoiceIds.length === 0) return [];
  const out = [];
  for (let i = 0; i < invoiceIds.length; i += 50) {
    out.push(
      ...(await db
        .select()
        .from(invoiceEntries)
        .where(and(eq(invoiceEntries.orgId, orgId), inArray(invoiceEntries.invoiceId, invoiceIds.slice(i, i + 50))))
        .orderBy(asc(invoiceEntries.createdAt), asc(invoiceEntries.id))
        .all()),
    );
  }
  return out;
}
