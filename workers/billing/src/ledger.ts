/**
 * A policy's invoices as a ledger, and every way money moves on it (DECISIONS.md, "Billing"). Pure:
 * the operations take the policy's invoices as they stand and change them in place, recording each
 * invoice created, credit, payment and refund as an entry; ledger.repo.ts loads the invoices,
 * writes what changed in one guarded batch, and turns the entries into rows and events.
 *
 * Per invoice, in integer cents: `premium` and `charges` (installment fees, taxes, fees) from its
 * lines; `premiumCredited` (return premium, and the premium a void moves to its re-issue) and
 * `chargesWaived`; `paid` and `refunded`. Its net is `premium + charges − premiumCredited −
 * chargesWaived`, what was collected is `paid − refunded`, and while it is open it asks
 * `net − collected`. The invariants, which the property test holds over random histories:
 * - Σ premium − Σ premiumCredited = the policy's written premium, to the cent;
 * - on every invoice, 0 ≤ collected ≤ net (so Σ paid − Σ refunded ≤ Σ invoiced, and nothing is paid twice);
 * - charges are never credited as premium, and premium is never waived as a charge.
 */
import { addDays } from "#shared/dates";
import type { ErrorDetailValue } from "#shared/errors";
import type { BillingPolicyFacts, BillingTransaction } from "#shared/rpc";

export type InvoiceStatus = "open" | "paid" | "void" | "uncollectible";
export type InvoiceKind = "installment" | "additional_premium" | "earned_premium" | "reissue";
export type LineKind = "premium" | "installment_fee" | "tax" | "fee";
/** How a payment was received: by hand (check, ACH, wire, cash) or by card through Stripe. */
export type PaymentMethod = "check" | "ach" | "wire" | "cash" | "card";

export interface InvoiceLine {
  kind: LineKind;
  description: string;
  amountCents: number;
}

/** One invoice as the ledger holds it. */
export interface LedgerInvoice {
  id: string;
  kind: InvoiceKind;
  installmentNumber: number | null;
  transactionId: string;
  dueDate: string;
  status: InvoiceStatus;
  lines: InvoiceLine[];
  premiumCreditedCents: number;
  chargesWaivedCents: number;
  paidCents: number;
  refundedCents: number;
  /** The cancellation that voided it (a reinstatement re-issues what its cancellation voided). */
  voidedByTransactionId: string | null;
  /** The premium its void took off (what a re-issue bills again). */
  voidedPremiumCents: number;
  reissueOf: string | null;
  reissuedAs: string | null;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
  voidedAt: string | null;
}

/** A movement of money on one invoice, written as a row (and, for payments and refunds, an event). */
export type LedgerEntry =
  | { type: "credit"; id: string; invoiceId: string; premiumCents: number; chargesCents: number; reason: string; transactionId: string | null; at: string }
  | { type: "payment"; id: string; invoiceId: string; amountCents: number; method: PaymentMethod; reference: string | null; receivedAt: string; at: string }
  | { type: "refund"; id: string; invoiceId: string; amountCents: number; reason: string; transactionId: string | null; at: string };

/** A policy's invoices and what one operation did to them. */
export interface Ledger {
  invoices: LedgerInvoice[];
  /** Invoices this operation created (also in `invoices`), in creation order. */
  created: LedgerInvoice[];
  /** Ids of invoices this operation voided. */
  voided: string[];
  entries: LedgerEntry[];
}

/** What an operation needs besides the ledger: fresh ids and its instant. */
export interface LedgerContext {
  newId(prefix: "inv" | "pay" | "rfd" | "cdt"): string;
  /** ISO instant of the change (the event's timestamp for a policy transaction). */
  at: string;
}

/** A refusal of a manual operation: the error code and message the RPC answers. */
export interface LedgerRefusal {
  code: "invalid_state_transition" | "business_rule_violation" | "validation_failed";
  message: string;
  details?: { [key: string]: ErrorDetailValue };
}

/** Days after an endorsement's effective date its additional premium falls due (unless an installment comes sooner). */
export const ADDITIONAL_PREMIUM_DUE_DAYS = 30;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export const premiumOf = (inv: Pick<LedgerInvoice, "lines">): number => sum(inv.lines.filter((l) => l.kind === "premium").map((l) => l.amountCents));
export const chargesOf = (inv: Pick<LedgerInvoice, "lines">): number => sum(inv.lines.filter((l) => l.kind !== "premium").map((l) => l.amountCents));
export const totalOf = (inv: Pick<LedgerInvoice, "lines">): number => sum(inv.lines.map((l) => l.amountCents));
export const netOf = (inv: LedgerInvoice): number => totalOf(inv) - inv.premiumCreditedCents - inv.chargesWaivedCents;
export const collectedOf = (inv: LedgerInvoice): number => inv.paidCents - inv.refundedCents;
/** What an open invoice still asks; 0 once it is paid or void. */
export const amountDueOf = (inv: LedgerInvoice): number => (inv.status === "open" ? Math.max(0, netOf(inv) - collectedOf(inv)) : 0);
const creditablePremium = (inv: LedgerInvoice): number => premiumOf(inv) - inv.premiumCreditedCents;

export function emptyLedger(invoices: LedgerInvoice[]): Ledger {
  return { invoices, created: [], voided: [], entries: [] };
}

/** An open invoice with nothing left to ask is settled: `paid` if money was collected on it, else `void`. */
function settle(inv: LedgerInvoice, at: string): void {
  if (inv.status !== "open" || netOf(inv) - collectedOf(inv) > 0) return;
  if (collectedOf(inv) > 0) {
    inv.status = "paid";
    inv.paidAt = at;
  } else {
    inv.status = "void";
    inv.voidedAt = at;
  }
  inv.updatedAt = at;
}

function newInvoice(
  ledger: Ledger,
  ctx: LedgerContext,
  fields: Pick<LedgerInvoice, "kind" | "installmentNumber" | "transactionId" | "dueDate" | "lines"> & { reissueOf?: string },
): LedgerInvoice {
  const inv: LedgerInvoice = {
    id: ctx.newId("inv"),
    ...fields,
    status: "open",
    premiumCreditedCents: 0,
    chargesWaivedCents: 0,
    paidCents: 0,
    refundedCents: 0,
    voidedByTransactionId: null,
    voidedPremiumCents: 0,
    reissueOf: fields.reissueOf ?? null,
    reissuedAs: null,
    createdAt: ctx.at,
    updatedAt: ctx.at,
    paidAt: null,
    voidedAt: null,
  };
  ledger.invoices.push(inv);
  ledger.created.push(inv);
  settle(inv, ctx.at);
  return inv;
}

function credit(ledger: Ledger, ctx: LedgerContext, inv: LedgerInvoice, premiumCents: number, chargesCents: number, reason: string, transactionId: string | null): void {
  if (premiumCents === 0 && chargesCents === 0) return;
  inv.premiumCreditedCents += premiumCents;
  inv.chargesWaivedCents += chargesCents;
  inv.updatedAt = ctx.at;
  ledger.entries.push({ type: "credit", id: ctx.newId("cdt"), invoiceId: inv.id, premiumCents, chargesCents, reason, transactionId, at: ctx.at });
}

/** Void an open invoice: what it still bills is credited (premium) and waived (charges). */
function voidInvoiceIn(ledger: Ledger, ctx: LedgerContext, inv: LedgerInvoice, reason: string, transactionId: string | null): number {
  const premium = creditablePremium(inv);
  credit(ledger, ctx, inv, premium, chargesOf(inv) - inv.chargesWaivedCents, reason, transactionId);
  inv.status = "void";
  inv.voidedAt = ctx.at;
  inv.voidedPremiumCents = premium;
  inv.voidedByTransactionId = transactionId;
  ledger.voided.push(inv.id);
  return premium;
}

/** Latest due first (the installments furthest out are credited first), then newest. */
const latestFirst = (a: LedgerInvoice, b: LedgerInvoice) => (a.dueDate !== b.dueDate ? (a.dueDate < b.dueDate ? 1 : -1) : a.id < b.id ? 1 : -1);

/**
 * Return premium `amountCents`: it first credits what open invoices still ask (`prefer` first, then
 * the latest due), then the premium of invoices already paid, refunding what was collected beyond
 * their new net. Charges are never credited. Σ creditable premium is the written premium, which a
 * return never exceeds, so the whole amount always finds premium to credit.
 */
function returnPremium(ledger: Ledger, ctx: LedgerContext, amountCents: number, transactionId: string, reason: string, prefer: string[] = []): void {
  let remaining = amountCents;
  const live = ledger.invoices.filter((i) => i.status !== "void");
  const ordered = [...live.filter((i) => prefer.includes(i.id)), ...live.filter((i) => !prefer.includes(i.id)).sort(latestFirst)];
  for (const inv of ordered) {
    if (remaining === 0) break;
    if (inv.status !== "open") continue;
    const take = Math.min(remaining, amountDueOf(inv), creditablePremium(inv));
    if (take <= 0) continue;
    credit(ledger, ctx, inv, take, 0, reason, transactionId);
    remaining -= take;
    settle(inv, ctx.at);
  }
  for (const inv of ordered) {
    if (remaining === 0) break;
    const take = Math.min(remaining, creditablePremium(inv));
    if (take <= 0) continue;
    credit(ledger, ctx, inv, take, 0, reason, transactionId);
    remaining -= take;
    const excess = collectedOf(inv) - netOf(inv);
    if (excess > 0) {
      inv.refundedCents += excess;
      ledger.entries.push({ type: "refund", id: ctx.newId("rfd"), invoiceId: inv.id, amountCents: excess, reason, transactionId, at: ctx.at });
    }
    settle(inv, ctx.at);
  }
  if (remaining !== 0) throw new Error(`return premium of ${amountCents} cents exceeds the policy's invoiced premium by ${remaining}`);
}

/**
 * When additional premium effective on `effectiveDate` falls due: 30 days after it, or the policy's
 * next installment date after it when that is sooner.
 */
export function additionalPremiumDueDate(effectiveDate: string, installments: BillingPolicyFacts["installments"]): string {
  const thirty = addDays(effectiveDate, ADDITIONAL_PREMIUM_DUE_DAYS);
  const next = installments.map((i) => i.dueDate).filter((d) => d > effectiveDate).sort()[0];
  return next !== undefined && next < thirty ? next : thirty;
}

const additionalPremium = (ledger: Ledger, ctx: LedgerContext, txn: BillingTransaction, amountCents: number, dueDate: string, description: string) =>
  newInvoice(ledger, ctx, {
    kind: "additional_premium",
    installmentNumber: null,
    transactionId: txn.transactionId,
    dueDate,
    lines: [{ kind: "premium", description, amountCents }],
  });

/** Bind: one invoice per installment; the first also carries the quote's taxes and fees. */
function bind(ledger: Ledger, ctx: LedgerContext, facts: BillingPolicyFacts, txn: BillingTransaction): void {
  const count = facts.installments.length;
  for (const inst of facts.installments) {
    const lines: InvoiceLine[] = [{ kind: "premium", description: count === 1 ? "Premium, paid in full" : `Premium, installment ${inst.number} of ${count}`, amountCents: inst.premiumCents }];
    if (inst.feeCents > 0) lines.push({ kind: "installment_fee", description: "Installment fee", amountCents: inst.feeCents });
    if (inst.number === 1) {
      for (const t of facts.taxes) lines.push({ kind: "tax", description: t.name, amountCents: t.amountCents });
      for (const f of facts.fees) lines.push({ kind: "fee", description: f.name, amountCents: f.amountCents });
    }
    newInvoice(ledger, ctx, { kind: "installment", installmentNumber: inst.number, transactionId: txn.transactionId, dueDate: inst.dueDate, lines });
  }
}

/**
 * Cancellation returning `R`: every open invoice due after the cancellation date with nothing
 * collected is voided (premium `V`); if `V` exceeds `R` the difference is premium earned but not yet
 * billed, invoiced now; if `R` exceeds `V`, the rest is returned (credits, then refunds).
 */
function cancel(ledger: Ledger, ctx: LedgerContext, txn: BillingTransaction): void {
  const returned = -txn.premiumDeltaCents;
  let voided = 0;
  for (const inv of ledger.invoices.filter((i) => i.status === "open" && i.dueDate > txn.effectiveDate && i.paidCents === 0 && i.refundedCents === 0)) {
    voided += voidInvoiceIn(ledger, ctx, inv, "cancellation", txn.transactionId);
  }
  if (voided > returned) {
    const due = ctx.at.slice(0, 10) > txn.effectiveDate ? ctx.at.slice(0, 10) : txn.effectiveDate;
    newInvoice(ledger, ctx, {
      kind: "earned_premium",
      installmentNumber: null,
      transactionId: txn.transactionId,
      dueDate: due,
      lines: [{ kind: "premium", description: `Premium earned to ${txn.effectiveDate}, not yet billed`, amountCents: voided - returned }],
    });
  } else if (returned > voided) {
    returnPremium(ledger, ctx, returned - voided, txn.transactionId, "cancellation");
  }
}

/**
 * Reinstatement reversing cancellation `c` (charging back its return `R`): every invoice `c` voided
 * is re-issued (premium `V`, with its charges and due date); if `R` exceeds `V` the difference is
 * additional premium, and if `V` exceeds `R` the difference (what `c` billed as earned) is returned,
 * the cancellation's own earned-premium invoice first.
 */
function reinstate(ledger: Ledger, ctx: LedgerContext, facts: BillingPolicyFacts, txn: BillingTransaction): void {
  const cancellation = txn.reversesTransactionId;
  let reissued = 0;
  for (const inv of ledger.invoices.filter((i) => i.status === "void" && i.voidedByTransactionId !== null && i.voidedByTransactionId === cancellation && i.reissuedAs === null)) {
    reissued += inv.voidedPremiumCents;
    inv.reissuedAs = reissue(ledger, ctx, inv, txn.transactionId, true).id;
    inv.updatedAt = ctx.at;
  }
  const charged = txn.premiumDeltaCents;
  if (charged > reissued) {
    const today = ctx.at.slice(0, 10);
    additionalPremium(ledger, ctx, txn, charged - reissued, additionalPremiumDueDate(today, facts.installments), "Premium reinstated");
  } else if (reissued > charged) {
    const earned = ledger.invoices.filter((i) => i.kind === "earned_premium" && i.transactionId === cancellation).map((i) => i.id);
    returnPremium(ledger, ctx, reissued - charged, txn.transactionId, "reinstatement", earned);
  }
}

/** A new invoice billing again what `voided`'s void took off: its premium, and its charges when `withCharges`. */
function reissue(ledger: Ledger, ctx: LedgerContext, voided: LedgerInvoice, transactionId: string, withCharges: boolean): LedgerInvoice {
  const lines: InvoiceLine[] = [];
  if (voided.voidedPremiumCents > 0) lines.push({ kind: "premium", description: `Premium, re-issued from ${voided.id}`, amountCents: voided.voidedPremiumCents });
  if (withCharges) for (const l of voided.lines) if (l.kind !== "premium") lines.push({ ...l });
  return newInvoice(ledger, ctx, { kind: "reissue", installmentNumber: voided.installmentNumber, transactionId, dueDate: voided.dueDate, lines, reissueOf: voided.id });
}

/**
 * Bring the ledger up to the policy's timeline: every transaction with `seq` above `appliedSeq`, in
 * order. Returns the new applied sequence. The bind is seq 1; a renewal marker (delta 0) bills nothing.
 */
export function applyTransactions(ledger: Ledger, ctx: Omit<LedgerContext, "at">, facts: BillingPolicyFacts, appliedSeq: number): number {
  let applied = appliedSeq;
  for (const txn of [...facts.transactions].sort((a, b) => a.seq - b.seq)) {
    if (txn.seq <= applied) continue;
    const c: LedgerContext = { ...ctx, at: txn.createdAt };
    if (txn.seq === 1) bind(ledger, c, facts, txn);
    else if (txn.type === "cancellation") cancel(ledger, c, txn);
    else if (txn.type === "reinstatement") reinstate(ledger, c, facts, txn);
    else if (txn.premiumDeltaCents > 0) {
      additionalPremium(ledger, c, txn, txn.premiumDeltaCents, additionalPremiumDueDate(txn.effectiveDate, facts.installments), `Additional premium, ${txn.type} effective ${txn.effectiveDate}`);
    } else if (txn.premiumDeltaCents < 0) {
      returnPremium(ledger, c, -txn.premiumDeltaCents, txn.transactionId, txn.type);
    }
    applied = txn.seq;
  }
  return applied;
}

/** A manual payment: the invoice must be open, and the amount (cents, > 0) at most what it asks. */
export function pay(
  ledger: Ledger,
  ctx: LedgerContext,
  invoiceId: string,
  payment: { amountCents: number; method: PaymentMethod; reference: string | null; receivedAt: string },
): LedgerRefusal | null {
  const inv = ledger.invoices.find((i) => i.id === invoiceId)!;
  if (inv.status !== "open") return { code: "invalid_state_transition", message: `A ${inv.status} invoice cannot be paid`, details: { status: inv.status } };
  if (payment.amountCents <= 0) return { code: "validation_failed", message: "amount must be greater than zero", details: { field: "amount", rule: "positive" } };
  const due = amountDueOf(inv);
  if (payment.amountCents > due) {
    return { code: "business_rule_violation", message: "The payment is more than the invoice's amount due", details: { field: "amount", rule: "amount_exceeds_due", amountDueCents: due } };
  }
  inv.paidCents += payment.amountCents;
  inv.updatedAt = ctx.at;
  ledger.entries.push({ type: "payment", id: ctx.newId("pay"), invoiceId, ...payment, at: ctx.at });
  settle(inv, ctx.at);
  return null;
}

/**
 * A manual void: only an open invoice with nothing paid. Its charges are waived; its premium, which
 * the policy still owes, is re-issued on a new invoice due the same day.
 */
export function voidInvoice(ledger: Ledger, ctx: LedgerContext, invoiceId: string): LedgerRefusal | null {
  const inv = ledger.invoices.find((i) => i.id === invoiceId)!;
  if (inv.status !== "open") return { code: "invalid_state_transition", message: `A ${inv.status} invoice cannot be voided`, details: { status: inv.status } };
  if (inv.paidCents > 0) return { code: "invalid_state_transition", message: "An invoice with payments cannot be voided", details: { status: inv.status, amountPaidCents: inv.paidCents } };
  const premium = voidInvoiceIn(ledger, ctx, inv, "void", null);
  if (premium > 0) inv.reissuedAs = reissue(ledger, ctx, inv, inv.transactionId, false).id;
  return null;
}

/**
 * A manual refund of money collected on an invoice: `amountCents` (default all of it), never more.
 * A paid invoice that no longer has its net collected opens again for the rest.
 */
export function refund(ledger: Ledger, ctx: LedgerContext, invoiceId: string, request: { amountCents?: number; reason: string }): LedgerRefusal | null {
  const inv = ledger.invoices.find((i) => i.id === invoiceId)!;
  const collected = collectedOf(inv);
  if (collected <= 0) return { code: "invalid_state_transition", message: "Nothing paid on this invoice is left to refund", details: { status: inv.status } };
  const amount = request.amountCents ?? collected;
  if (amount <= 0) return { code: "validation_failed", message: "amount must be greater than zero", details: { field: "amount", rule: "positive" } };
  if (amount > collected) {
    return { code: "business_rule_violation", message: "The refund is more than was paid and not yet refunded", details: { field: "amount", rule: "amount_exceeds_refundable", refundableCents: collected } };
  }
  inv.refundedCents += amount;
  inv.updatedAt = ctx.at;
  ledger.entries.push({ type: "refund", id: ctx.newId("rfd"), invoiceId, amountCents: amount, reason: request.reason, transactionId: null, at: ctx.at });
  if (inv.status === "paid" && collectedOf(inv) < netOf(inv)) {
    inv.status = "open";
    inv.paidAt = null;
  }
  return null;
}
