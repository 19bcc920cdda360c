/**
 * After a card payment: `retryPayment` (the saved card or a new one, 422 with nothing to retry),
 * the cron's one automatic retry three days after a failure (behind `autopayRetryEnabled`), and
 * refunds of card money through Stripe's refunds API (by hand, from a cancellation's return
 * premium, for an overpayment, and one made in Stripe itself), with manual money refunded by hand.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { syncCardRefunds } from "../../workers/billing/src/card-refunds.ts";
import { autoRetryFailedPayments, AUTOPAY_RETRY_DAYS } from "../../workers/billing/src/payments.service.ts";
import { cardRefunds, paymentIntents } from "../../workers/billing/src/schema.ts";
import { outboxEvents } from "#shared/outbox";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { billedPolicy as bound, billingEnv, db, deliver, policyEvent, put, setClockOffset, setFlags, withTransaction } from "./harness.ts";
import { confirmAtStripe, deliverStripe, eventOf, eventsOf, fault, clearFault, requestsTo, rpc, standIn } from "./stripe-harness.ts";
import { realNow } from "../support/clock.ts";

const confirmsOf = async (piId: string) => (await requestsTo(piId)).filter((r) => r.path === `/v1/payment_intents/${piId}/confirm`);
const refundsAtStripe = async (invoiceId: string) => (await requestsTo(invoiceId)).filter((r) => r.path === "/v1/refunds");
const rowOf = async (id: string) => (await db().select().from(paymentIntents).where(eq(paymentIntents.id, id)).get())!;

describe("retryPayment", () => {
  it("confirms the failed PaymentIntent again with the saved card, then with a new one", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    const failed = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_chargeDeclined" }));
    const again = unwrap(await rpc.retryPayment(principal, inv.id));
    expect(again).toMatchObject({ paymentIntentId: failed.paymentIntentId, status: "requires_payment_method", paymentMethod: "pm_card_chargeDeclined", lastPaymentError: { code: "card_declined" } });
    const confirms = await confirmsOf(failed.paymentIntentId);
    expect(confirms).toHaveLength(1);
    expect(new URLSearchParams(confirms[0]!.body).get("payment_method")).toBe("pm_card_chargeDeclined");
    expect(confirms[0]!.idempotencyKey).toBe(`oi-pi-${failed.paymentIntentId}-confirm-1`);

    const paid = unwrap(await rpc.retryPayment(principal, inv.id, { paymentMethod: "pm_card_visa" }));
    expect(paid).toMatchObject({ paymentIntentId: failed.paymentIntentId, status: "succeeded", paymentMethod: "pm_card_visa", lastPaymentError: null });
    expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "paid", amountPaid: inv.amountDue, payments: [expect.objectContaining({ method: "card", reference: failed.paymentIntentId })] });
    expect(errorOf(await rpc.retryPayment(principal, inv.id))).toMatchObject({ code: "invalid_state_transition", details: { status: "paid" } });
  });

  it("is 422 with nothing to retry, 404 for another org, and 502 with nothing written when Stripe is down", async () => {
    const { principal, invoices } = await bound();
    expect(errorOf(await rpc.retryPayment(principal, invoices[0]!.id)).code).toBe("invalid_state_transition");
    unwrap(await rpc.createPaymentIntent(principal, invoices[0]!.id));
    expect(errorOf(await rpc.retryPayment(principal, invoices[0]!.id))).toMatchObject({ code: "invalid_state_transition", details: { status: "requires_payment_method" } });
    const failed = unwrap(await rpc.createPaymentIntent(principal, invoices[1]!.id, { paymentMethod: "pm_card_chargeDeclined" }));
    expect(errorOf(await rpc.retryPayment(newPrincipal(), invoices[1]!.id)).code).toBe("not_found");
    await fault("error", failed.paymentIntentId);
    expect(errorOf(await rpc.retryPayment(principal, invoices[1]!.id, { paymentMethod: "pm_card_visa" })).code).toBe("payment_provider_unavailable");
    expect(await rowOf(failed.paymentIntentId)).toMatchObject({ confirmations: 0, status: "requires_payment_method", paymentMethod: "pm_card_chargeDeclined" });
    await clearFault(failed.paymentIntentId);
    expect(unwrap(await rpc.retryPayment(principal, invoices[1]!.id, { paymentMethod: "pm_card_visa" })).status).toBe("succeeded");
  });

  it("refuses when the amount due changed since the failure", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_chargeDeclined" }));
    unwrap(await rpc.payInvoice(principal, inv.id, { amount: 100, method: "check" }));
    expect(errorOf(await rpc.retryPayment(principal, inv.id, { paymentMethod: "pm_card_visa" }))).toMatchObject({ code: "business_rule_violation", details: { amountDue: 1250, paymentIntentAmount: 1350 } });
    // A new payment intent asks the new amount: attempt 2, the old one canceled at Stripe.
    const next = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
    expect(next).toMatchObject({ attempt: 2, amount: 1250, status: "succeeded" });
  });
});

describe("the automatic retry", () => {
  it("confirms a failed card payment once, three days after the failure, when the org has it on", async () => {
    const { principal, invoices } = await bound();
    const failed = unwrap(await rpc.createPaymentIntent(principal, invoices[0]!.id, { paymentMethod: "pm_card_chargeDeclined" }));
    const failedAt = new Date((await rowOf(failed.paymentIntentId)).failedAt!);
    const dayMs = 86_400_000;
    await autoRetryFailedPayments(billingEnv, db(), new Date(failedAt.getTime() + (AUTOPAY_RETRY_DAYS - 1) * dayMs));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(0);

    // The org's flag `billing.autopay_retry` off: nothing is confirmed, and nothing is marked either.
    await setFlags(principal.orgId, { "billing.autopay_retry": false });
    await autoRetryFailedPayments(billingEnv, db(), new Date(failedAt.getTime() + AUTOPAY_RETRY_DAYS * dayMs + 60_000));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(0);
    expect((await rowOf(failed.paymentIntentId)).autoRetriedAt).toBeNull();
    // Back to the default (on).
    await setFlags(principal.orgId);

    const due = new Date(failedAt.getTime() + AUTOPAY_RETRY_DAYS * dayMs + 60_000);
    await autoRetryFailedPayments(billingEnv, db(), due);
    const confirms = await confirmsOf(failed.paymentIntentId);
    expect(confirms).toHaveLength(1);
    expect(new URLSearchParams(confirms[0]!.body).get("payment_method")).toBe("pm_card_chargeDeclined");
    expect(await rowOf(failed.paymentIntentId)).toMatchObject({ autoRetriedAt: due.toISOString(), confirmations: 1 });
    // Once: declined again, it is not retried by the cron a second time.
    await autoRetryFailedPayments(billingEnv, db(), new Date(due.getTime() + 10 * dayMs));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(1);
  });
});

describe("the automatic retry on a sandbox clock", () => {
  const dayMs = 86_400_000;

  it("runs three days after the failure on the org's clock: moving the clock brings it, wall time does not", async () => {
    const { principal: base, invoices } = await bound();
    // The org's sandbox clock runs ten days ahead (the gateway hands it on as clockOffsetMs; identity keeps it for the cron).
    let offset = 10 * dayMs;
    await setClockOffset(base.orgId, offset);
    const principal = { ...base, clockOffsetMs: offset };
    const failed = unwrap(await rpc.createPaymentIntent(principal, invoices[0]!.id, { paymentMethod: "pm_card_chargeDeclined" }));
    expect(failed.status).toBe("requires_payment_method");
    // The failure is stamped on the org's clock.
    const failedAt = new Date((await rowOf(failed.paymentIntentId)).failedAt!).getTime();
    expect(Math.abs(failedAt - (realNow() + offset))).toBeLessThan(60_000);

    // The cron now: the org's clock reads the failure as just now, so nothing is retried.
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow()));
    // Wall time three days on, with the org's clock set back to the same instant it read before: still not due.
    offset -= AUTOPAY_RETRY_DAYS * dayMs + 60_000;
    await setClockOffset(base.orgId, offset);
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow() + AUTOPAY_RETRY_DAYS * dayMs + 60_000));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(0);

    // The org's clock two days after the failure: not yet.
    await setClockOffset(base.orgId, failedAt + 2 * dayMs - realNow());
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow()));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(0);

    // The org's clock moved to three days and a minute after it, at the same wall time: retried once.
    offset = failedAt + AUTOPAY_RETRY_DAYS * dayMs + 60_000 - realNow();
    await setClockOffset(base.orgId, offset);
    const cron = realNow();
    await autoRetryFailedPayments(billingEnv, db(), new Date(cron));
    const confirms = await confirmsOf(failed.paymentIntentId);
    expect(confirms).toHaveLength(1);
    expect(new URLSearchParams(confirms[0]!.body).get("payment_method")).toBe("pm_card_chargeDeclined");
    const retried = await rowOf(failed.paymentIntentId);
    expect(retried).toMatchObject({ autoRetriedAt: new Date(cron + offset).toISOString(), confirmations: 1 });
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow()));
    expect(await confirmsOf(failed.paymentIntentId)).toHaveLength(1);
  });

  it("stamps a failure Stripe reports by event on the org's clock too", async () => {
    const { principal, invoices } = await bound();
    const offset = 40 * dayMs;
    await setClockOffset(principal.orgId, offset);
    const pi = unwrap(await rpc.createPaymentIntent({ ...principal, clockOffsetMs: offset }, invoices[1]!.id));
    expect((await confirmAtStripe(pi.paymentIntentId, "pm_card_chargeDeclined")).status).toBe(402);
    expect(unwrap(await deliverStripe(await eventOf(pi.paymentIntentId, "payment_intent.payment_failed"))).outcome).toBe("applied");
    const failedAt = new Date((await rowOf(pi.paymentIntentId)).failedAt!).getTime();
    expect(Math.abs(failedAt - (realNow() + offset))).toBeLessThan(60_000);
    // The payer's own confirmation (Stripe.js) is the one confirm so far.
    expect(await confirmsOf(pi.paymentIntentId)).toHaveLength(1);
    // An hour short of three days on the org's clock: not due.
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow() + AUTOPAY_RETRY_DAYS * dayMs - 60 * 60_000));
    expect(await confirmsOf(pi.paymentIntentId)).toHaveLength(1);
    // The org's clock moved past three days, at today's wall time: the cron confirms it again.
    await setClockOffset(principal.orgId, failedAt + AUTOPAY_RETRY_DAYS * dayMs + 60_000 - realNow());
    await autoRetryFailedPayments(billingEnv, db(), new Date(realNow()));
    expect(await confirmsOf(pi.paymentIntentId)).toHaveLength(2);
    expect((await rowOf(pi.paymentIntentId)).autoRetriedAt).not.toBeNull();
  });
});

describe("card refunds", () => {
  it("go through Stripe's refunds API, confirmed by charge.refunded; a refund made in Stripe is recorded too", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
    const refunded = unwrap(await rpc.refundInvoice(principal, inv.id, { amount: 100, reason: "goodwill" }));
    expect(refunded).toMatchObject({ status: "open", amountRefunded: 100, amountDue: 100 });
    const sent = await refundsAtStripe(inv.id);
    expect(sent).toHaveLength(1);
    const body = new URLSearchParams(sent[0]!.body);
    expect(body.get("payment_intent")).toBe(pi.paymentIntentId);
    expect(body.get("amount")).toBe("10000");
    const rows = await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).all();
    expect(rows).toEqual([expect.objectContaining({ status: "succeeded", amountCents: 10_000, paymentIntentId: pi.paymentIntentId, confirmedAt: null })]);
    // Sent before it was recorded, under a key of the invoice's first refund, its PaymentIntent and amount.
    expect(sent[0]!.idempotencyKey).toBe(`oi-rfd-${inv.id}-1-${pi.paymentIntentId}-10000`);
    expect(rows[0]!.stripeRefundId).toMatch(/^re_/);

    expect(unwrap(await deliverStripe(await eventOf(pi.paymentIntentId, "charge.refunded"))).outcome).toBe("applied");
    expect((await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).get())!.confirmedAt).not.toBeNull();
    expect(unwrap(await rpc.getInvoice(principal, inv.id)).amountRefunded).toBe(100);

    // Someone refunds $50 more in Stripe's dashboard: billing learns it from charge.refunded.
    await standIn("/v1/refunds", { method: "POST", headers: { authorization: `Bearer ${billingEnv.STRIPE_SECRET_KEY}`, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ payment_intent: pi.paymentIntentId, amount: "5000" }) });
    const events = (await eventsOf(pi.paymentIntentId, 3)).filter((e) => e.type === "charge.refunded");
    expect(unwrap(await deliverStripe(events[events.length - 1]!)).outcome).toBe("applied");
    expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ amountRefunded: 150, refunds: [expect.objectContaining({ amount: 100 }), expect.objectContaining({ amount: 50, reason: "refunded in Stripe" })] });
    // The older charge.refunded (amount_refunded 100) arriving again later changes nothing.
    expect(unwrap(await deliverStripe(events[0]!)).duplicate).toBe(true);
    expect(unwrap(await rpc.getInvoice(principal, inv.id)).amountRefunded).toBe(150);
  });

  for (const mode of ["error", "lost_answer"] as const) {
    it(`asked by hand while Stripe is down (${mode === "error" ? "500" : "answer lost"}) are payment_provider_unavailable with no money moved; the retry refunds once`, async () => {
      const { principal, invoices } = await bound();
      const inv = invoices[0]!;
      const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
      expect(pi.status).toBe("succeeded");
      await fault(mode, inv.id);
      expect(errorOf(await rpc.refundInvoice(principal, inv.id, { amount: 100, reason: "goodwill" }))).toMatchObject({ code: "payment_provider_unavailable", details: { provider: "stripe" } });
      // Nothing written: the invoice as it was, no refund row, no payment.refunded.
      expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "paid", amountPaid: 1350, amountRefunded: 0, amountDue: 0, refunds: [] });
      expect(await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).all()).toEqual([]);
      expect((await db().select().from(outboxEvents).where(eq(outboxEvents.orgId, principal.orgId)).all()).filter((e) => e.type === "payment.refunded")).toEqual([]);
      await clearFault(inv.id);

      const refunded = unwrap(await rpc.refundInvoice(principal, inv.id, { amount: 100, reason: "goodwill" }));
      expect(refunded).toMatchObject({ status: "open", amountRefunded: 100, amountDue: 100, refunds: [expect.objectContaining({ amount: 100, reason: "goodwill" })] });
      const sent = await refundsAtStripe(inv.id);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([`oi-rfd-${inv.id}-1-${pi.paymentIntentId}-10000`]));
      expect(await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).all()).toEqual([expect.objectContaining({ status: "succeeded", amountCents: 10_000, paymentIntentId: pi.paymentIntentId })]);
      // Stripe's own count agrees: its latest charge.refunded says $100 refunded, nothing more to record.
      const events = (await eventsOf(pi.paymentIntentId, 2)).filter((e) => e.type === "charge.refunded");
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.payload).data.object.amount_refunded).toBe(10_000);
      expect(unwrap(await deliverStripe(events[0]!)).outcome).toBe("applied");
      expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ amountRefunded: 100, refunds: [expect.objectContaining({ amount: 100 })] });
    });
  }

  it("of manual money stay manual: nothing is sent to Stripe", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    unwrap(await rpc.payInvoice(principal, inv.id, { amount: inv.amountDue, method: "check", reference: "CHK 1" }));
    expect(unwrap(await rpc.refundInvoice(principal, inv.id, { amount: 10, reason: "goodwill" })).amountRefunded).toBe(10);
    expect(await refundsAtStripe(inv.id)).toEqual([]);
  });

  it("of a cancellation's return premium on card-paid invoices go back to the cards, and an outage is retried under the same key", async () => {
    const { principal, facts, invoices } = await bound("PIF", 120_000);
    const inv = invoices[0]!;
    const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
    expect(pi.status).toBe("succeeded");
    // Cancelled pro rata returning $600 of premium.
    const next = withTransaction(facts, { type: "cancellation", effectiveDate: "2027-07-02", premiumDeltaCents: -60_000, reversesTransactionId: null });
    const event = policyEvent(principal.orgId, next, "policy.cancelled");
    await put(principal.orgId, next, [event]);
    await fault("error", pi.paymentIntentId);
    await deliver([event]);
    expect(await syncCardRefunds(billingEnv, db())).toBeGreaterThanOrEqual(1);
    const pending = await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).all();
    expect(pending).toEqual([expect.objectContaining({ status: "pending", amountCents: 60_000, attempts: 1 })]);
    await clearFault(pi.paymentIntentId);
    await syncCardRefunds(billingEnv, db(), { invoiceId: inv.id });
    expect(await db().select().from(cardRefunds).where(eq(cardRefunds.invoiceId, inv.id)).all()).toEqual([expect.objectContaining({ status: "succeeded", amountCents: 60_000 })]);
    const sent = await refundsAtStripe(inv.id);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([`oi-rfd-${pending[0]!.id}`]));
    expect(unwrap(await rpc.getInvoice(principal, inv.id)).amountRefunded).toBe(600);
  });

  it("of card money the invoice no longer asked for (an overpayment) are made at once", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id));
    // A check for part of it arrives while the payer confirms the card for the whole amount.
    unwrap(await rpc.payInvoice(principal, inv.id, { amount: 350, method: "check" }));
    await confirmAtStripe(pi.paymentIntentId, "pm_card_visa");
    expect(unwrap(await deliverStripe(await eventOf(pi.paymentIntentId, "payment_intent.succeeded"))).outcome).toBe("applied");
    expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "paid", amountPaid: 1700, amountRefunded: 350, amountDue: 0 });
    const sent = await refundsAtStripe(inv.id);
    expect(sent.map((r) => new URLSearchParams(r.body).get("amount"))).toEqual(["35000"]);
  });
});
