/**
 * The invoice use cases behind `BillingService`: reads, and the manual payment, void and refund.
 * Every one is confined to `principal.orgId` (another org's invoice is `not_found`), and every
 * write goes through the policy's ledger (ledger.repo.ts), so it is judged on the invoice as it
 * stands when the batch commits, never on a stale read.
 */
import { and, asc, eq, gte, inArray, lt, lte, ne, or, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf, realClock } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { listKeyset } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { toPage, type Page } from "#shared/pagination";
import type { BillingInvoice, ListInvoicesQuery, PayInvoiceInput, RefundInvoiceInput } from "#shared/rpc";
import { amountDueOf, pay, refund, totalOf, voidInvoice, type Ledger, type LedgerContext, type LedgerRefusal, type PaymentMethod } from "./ledger.ts";
import { entriesOf, toLedgerInvoice, withLedger } from "./ledger.repo.ts";
import { cardPartsOf, sendBeforeRecording, type SentCardPart } from "./card-refunds.ts";
import type { BillingEnv } from "./env.ts";
import { cardRefunds, invoiceEntries, invoices, type InvoiceEntryRow, type InvoiceRow } from "./schema.ts";

const PAYMENT_METHODS: readonly PaymentMethod[] = ["check", "ach", "wire", "cash"];
const STATUSES = ["open", "paid", "void", "uncollectible"] as const;

/** An invoice as the API shows it, with its payments and refunds; `overdue` on the org's today. */
export function toInvoice(row: InvoiceRow, entries: InvoiceEntryRow[], today: string): BillingInvoice {
  const inv = toLedgerInvoice(row);
  const mine = entries.filter((e) => e.invoiceId === row.id);
  return {
    id: row.id,
    number: row.number,
    policyId: row.policyId,
    policyNumber: row.policyNumber,
    kind: row.kind,
    installmentNumber: row.installmentNumber,
    transactionId: row.transactionId,
    status: row.status,
    currency: CURRENCY,
    dueDate: row.dueDate,
    overdue: row.status === "open" && row.dueDate < today,
    lines: row.lines.map((l) => ({ kind: l.kind, description: l.description, amount: fromCents(l.amountCents) })),
    total: fromCents(totalOf(inv)),
    amountCredited: fromCents(row.premiumCreditedCents + row.chargesWaivedCents),
    amountDue: fromCents(amountDueOf(inv)),
    amountPaid: fromCents(row.paidCents),
    amountRefunded: fromCents(row.refundedCents),
    payments: mine
      .filter((e) => e.type === "payment")
      .map((e) => ({ id: e.id, amount: fromCents(e.amountCents), currency: CURRENCY, method: e.method as PaymentMethod, reference: e.reference, receivedAt: e.receivedAt ?? e.createdAt, createdAt: e.createdAt })),
    refunds: mine
      .filter((e) => e.type === "refund")
      .map((e) => ({ id: e.id, amount: fromCents(e.amountCents), currency: CURRENCY, reason: e.reason ?? "", transactionId: e.transactionId, createdAt: e.createdAt })),
    reissueOf: row.reissueOf,
    reissuedAs: row.reissuedAs,
    documentId: row.documentId as BillingInvoice["documentId"],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    paidAt: row.paidAt,
    voidedAt: row.voidedAt,
    disputedAt: row.disputedAt ?? null,
  };
}

function findInvoice(db: DrizzleD1Database, orgId: string, id: string): Promise<InvoiceRow | undefined> {
  return db.select().from(invoices).where(and(eq(invoices.orgId, orgId), eq(invoices.id, id))).get();
}

async function shown(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<BillingInvoice>> {
  const row = await findInvoice(db, principal.orgId, id);
  if (!row) return notFound("Invoice");
  return ok(toInvoice(row, await entriesOf(db, principal.orgId, [row.id]), clockOf(principal).today()));
}

export function getInvoice(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<BillingInvoice>> {
  return shown(db, principal, id);
}

/** Newest first unless `sort: "createdAt"`; filters status, policyId, dueBefore/dueAfter (inclusive) and overdue. */
export async function listInvoices(db: DrizzleD1Database, principal: Principal, query: ListInvoicesQuery = {}): Promise<Result<Page<BillingInvoice>>> {
  const keyset = listKeyset(invoices, query);
  if (!keyset.ok) return keyset;
  const today = clockOf(principal).today();
  const conditions: (SQL | undefined)[] = [eq(invoices.orgId, principal.orgId), keyset.value.where];
  if (query.status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(query.status)) return invalid("status", "enum", `status must be one of ${STATUSES.join(", ")}`);
    conditions.push(eq(invoices.status, query.status));
  }
  if (query.policyId !== undefined) conditions.push(eq(invoices.policyId, query.policyId));
  for (const [field, compare] of [["dueBefore", lte], ["dueAfter", gte]] as const) {
    const value = query[field];
    if (value === undefined) continue;
    if (!isValidDate(value)) return invalid(field, "date", `${field} must be a calendar date (YYYY-MM-DD)`);
    conditions.push(compare(invoices.dueDate, value));
  }
  if (query.overdue === true) conditions.push(and(eq(invoices.status, "open"), lt(invoices.dueDate, today)));
  if (query.overdue === false) conditions.push(or(ne(invoices.status, "open"), gte(invoices.dueDate, today)));
  const rows = await db.select().from(invoices).where(and(...conditions)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit).all();
  const page = toPage(rows, keyset.value.pageSize, (r) => r);
  const entries = await entriesOf(db, principal.orgId, page.data.map((r) => r.id));
  return ok({ data: page.data.map((r) => toInvoice(r, entries, today)), nextCursor: page.nextCursor });
}

/** The most invoices {@link invoicesOfPolicies} answers. */
const MAX_POLICY_INVOICES = 500;

/**
 * Every invoice of `policyIds` (at most 50 policies, the portal's insured's), by due date then
 * number, as of the org's `today`. For trusted callers: `orgId` is the caller's word.
 */
export async function invoicesOfPolicies(db: DrizzleD1Database, orgId: string, policyIds: string[], today: string): Promise<BillingInvoice[]> {
  const ids = [...new Set((Array.isArray(policyIds) ? policyIds : []).filter((id) => typeof id === "string"))].slice(0, 50);
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), inArray(invoices.policyId, ids)))
    .orderBy(asc(invoices.dueDate), asc(invoices.number))
    .limit(MAX_POLICY_INVOICES)
    .all();
  const entries = await entriesOf(db, orgId, rows.map((r) => r.id));
  return rows.map((r) => toInvoice(r, entries, isValidDate(today) ? today : realClock.today()));
}

/** The orgs with an open invoice (at most 1,000), for the portal's "payment due" pass. */
export async function orgsWithOpenInvoices(db: DrizzleD1Database): Promise<string[]> {
  const rows = await db.selectDistinct({ orgId: invoices.orgId }).from(invoices).where(eq(invoices.status, "open")).limit(1000).all();
  return rows.map((r) => r.orgId);
}

/** `orgId`'s open invoices due from `from` to `to` (inclusive, at most {@link MAX_POLICY_INVOICES}), by due date then number, as of `today`. */
export async function openInvoicesDueBetween(db: DrizzleD1Database, orgId: string, from: string, to: string, today: string): Promise<BillingInvoice[]> {
  if (!isValidDate(from) || !isValidDate(to)) return [];
  const rows = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), eq(invoices.status, "open"), gte(invoices.dueDate, from), lte(invoices.dueDate, to)))
    .orderBy(asc(invoices.dueDate), asc(invoices.number))
    .limit(MAX_POLICY_INVOICES)
    .all();
  const entries = await entriesOf(db, orgId, rows.map((r) => r.id));
  return rows.map((r) => toInvoice(r, entries, isValidDate(today) ? today : realClock.today()));
}

const refused = (r: LedgerRefusal): Result<never> => {
  const details = { ...r.details };
  // The ledger counts cents; the API speaks major units.
  for (const key of Object.keys(details)) {
    if (key.endsWith("Cents") && typeof details[key] === "number") {
      details[key.slice(0, -"Cents".length)] = fromCents(details[key] as number);
      delete details[key];
    }
  }
  return fail(r.code, r.message, details);
};

/** One manual operation on one invoice of the principal's org, through its policy's ledger. */
async function onInvoice(
  db: DrizzleD1Database,
  principal: Principal,
  id: string,
  apply: (ledger: Ledger, ctx: LedgerContext) => LedgerRefusal | null,
): Promise<Result<BillingInvoice>> {
  const row = await findInvoice(db, principal.orgId, id);
  if (!row) return notFound("Invoice");
  const clock = clockOf(principal);
  const written = await withLedger(db, { orgId: principal.orgId, policyId: row.policyId, policyNumber: row.policyNumber }, () => clock.now().toISOString(), ({ ledger, ctx }) => {
    const refusal = apply(ledger, ctx);
    return refusal ? refused(refusal) : ok({ write: true as const, value: null });
  });
  if (!written.ok) return written;
  return shown(db, principal, id);
}

/** Record a manual payment: partial allowed, never more than the amount due (judged as the batch commits). */
export async function payInvoice(db: DrizzleD1Database, principal: Principal, id: string, input: PayInvoiceInput): Promise<Result<BillingInvoice>> {
  const amountCents = typeof input.amount === "number" ? toCents(input.amount) : null;
  if (amountCents === null) return invalid("amount", "money_precision", "amount must be an amount with at most two decimals (it is never rounded)");
  if (amountCents <= 0) return invalid("amount", "positive", "amount must be greater than zero");
  if (!PAYMENT_METHODS.includes(input.method)) return invalid("method", "enum", `method must be one of ${PAYMENT_METHODS.join(", ")}`);
  const now = clockOf(principal).now();
  let receivedAt = now.toISOString();
  if (input.receivedAt !== undefined) {
    const at = new Date(input.receivedAt);
    if (Number.isNaN(at.getTime())) return invalid("receivedAt", "datetime", "receivedAt must be an ISO 8601 timestamp");
    if (at.getTime() > now.getTime()) return invalid("receivedAt", "not_future", "receivedAt must not be in the future");
    receivedAt = at.toISOString();
  }
  const reference = input.reference?.trim() || null;
  return onInvoice(db, principal, id, (ledger, ctx) => pay(ledger, ctx, id, { amountCents, method: input.method, reference, receivedAt }));
}

/** Void an open invoice with nothing paid; its premium is re-issued, its charges waived. */
export function voidOne(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<BillingInvoice>> {
  return onInvoice(db, principal, id, (ledger, ctx) => voidInvoice(ledger, ctx, id));
}

/**
 * Refund money paid on an invoice: `amount` or everything not yet refunded, never more. With
 * `env` (Stripe configured), the card part of the refund goes to Stripe first (card-refunds.ts,
 * `sendBeforeRecording`): an outage answers `payment_provider_unavailable` and nothing is written;
 * once Stripe accepted it, the refund entry and its `card_refunds` rows (already `succeeded`) are
 * written in one batch. Without card money, or without Stripe, the refund is recorded at once.
 */
export async function refundInvoice(db: DrizzleD1Database, principal: Principal, id: string, input: RefundInvoiceInput, env?: BillingEnv): Promise<Result<BillingInvoice>> {
  let amountCents: number | undefined;
  if (input.amount !== undefined) {
    const cents = toCents(input.amount);
    if (cents === null) return invalid("amount", "money_precision", "amount must be an amount with at most two decimals (it is never rounded)");
    if (cents <= 0) return invalid("amount", "positive", "amount must be greater than zero");
    amountCents = cents;
  }
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (!reason) return invalid("reason", "required", "Missing required field: reason");
  const request = { ...(amountCents === undefined ? {} : { amountCents }), reason };
  const row = await findInvoice(db, principal.orgId, id);
  if (!row) return notFound("Invoice");
  const clock = clockOf(principal);
  const target = { orgId: principal.orgId, policyId: row.policyId, policyNumber: row.policyNumber };
  let sent: SentCardPart[] = [];
  let manualCents = 0;
  if (env?.STRIPE_SECRET_KEY) {
    // What the refund would be now, written nowhere: its amount decides the card parts sent first.
    const planned = await withLedger(db, target, () => clock.now().toISOString(), ({ ledger, ctx }) => {
      const refusal = refund(ledger, ctx, id, request);
      if (refusal) return refused(refusal);
      const entry = ledger.entries[ledger.entries.length - 1]!;
      return ok({ write: false as const, value: entry.type === "refund" ? entry.amountCents : 0 });
    });
    if (!planned.ok) return planned;
    const split = await cardPartsOf(db, id, planned.value);
    if (split.parts.length) {
      const refunds = await db.select({ id: invoiceEntries.id }).from(invoiceEntries).where(and(eq(invoiceEntries.invoiceId, id), eq(invoiceEntries.type, "refund"))).all();
      const accepted = await sendBeforeRecording(env, { id, orgId: principal.orgId }, refunds.length + 1, split.parts);
      if (!accepted.ok) return accepted;
      sent = accepted.value;
      manualCents = split.manualCents;
    }
  }
  const written = await withLedger(db, target, () => clock.now().toISOString(), ({ ledger, ctx }) => {
    const refusal = refund(ledger, ctx, id, request);
    if (refusal) return refused(refusal);
    if (sent.length === 0) return ok({ write: true as const, value: null });
    const entry = ledger.entries[ledger.entries.length - 1]!;
    const at = realClock.now().toISOString();
    const base = { orgId: principal.orgId, invoiceId: id, refundEntryId: entry.id, attempts: 1, createdAt: at, updatedAt: at };
    const rows: (typeof cardRefunds.$inferInsert)[] = sent.map((p) => ({ ...base, id: newId("rfd"), paymentIntentId: p.paymentIntentId, amountCents: p.amountCents, status: "succeeded", stripeRefundId: p.stripeRefundId }));
    if (manualCents > 0) rows.push({ ...base, id: newId("rfd"), paymentIntentId: null, amountCents: manualCents, status: "manual", attempts: 0 });
    return ok({ write: true as const, value: null, alongside: [db.insert(cardRefunds).values(rows)] });
  });
  if (!written.ok) {
    // Stripe already gave the money back: its charge.refunded records it as a refund made in Stripe.
    if (sent.length) console.error(JSON.stringify({ level: "error", message: "a card refund Stripe accepted could not be recorded; charge.refunded will record it", invoiceId: id, parts: sent, error: written.error.code }));
    return written;
  }
  return shown(db, principal, id);
}
