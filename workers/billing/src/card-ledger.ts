/**
 * A card payment on a policy's ledger (pure, like ledger.ts). Unlike a manual payment, the money is
 * already taken when billing hears of it, so it is never refused: it is recorded whole, and what the
 * invoice no longer asks (a manual payment, a credit or a void came in between) is refunded at once
 * as an `overpayment` refund entry, which card-refunds.ts sends back to the card. The invariant
 * 0 ≤ paid − refunded ≤ net holds on every invoice either way.
 */
import { collectedOf, netOf, type Ledger, type LedgerContext } from "./ledger.ts";

/** The reason of the refund entry for card money an invoice did not ask for. */
export const OVERPAYMENT_REASON = "overpayment: the invoice no longer asked for this card payment";

export interface CardPaymentOutcome {
  paymentId: string;
  /** Cents refunded at once because the invoice no longer asked for them. */
  excessCents: number;
}

export function receiveCardPayment(
  ledger: Ledger,
  ctx: LedgerContext,
  invoiceId: string,
  payment: { amountCents: number; paymentIntentId: string; receivedAt: string },
): CardPaymentOutcome {
  const inv = ledger.invoices.find((i) => i.id === invoiceId);
  if (!inv) throw new Error(`invoice ${invoiceId} is not on this ledger`);
  const paymentId = ctx.newId("pay");
  inv.paidCents += payment.amountCents;
  inv.updatedAt = ctx.at;
  ledger.entries.push({ type: "payment", id: paymentId, invoiceId, amountCents: payment.amountCents, method: "card", reference: payment.paymentIntentId, receivedAt: payment.receivedAt, at: ctx.at });
  const excessCents = Math.max(0, collectedOf(inv) - netOf(inv));
  if (excessCents > 0) {
    inv.refundedCents += excessCents;
    ledger.entries.push({ type: "refund", id: ctx.newId("rfd"), invoiceId, amountCents: excessCents, reason: OVERPAYMENT_REASON, transactionId: null, at: ctx.at });
  }
  if (inv.status === "open" && netOf(inv) - collectedOf(inv) <= 0) {
    inv.status = "paid";
    inv.paidAt = ctx.at;
  }
  return { paymentId, excessCents };
}
