/**
 * Stripe's events at BillingService.receiveStripeEvent (the gateway forwards the raw body and its
 * Stripe-Signature): signature failures write nothing, a redelivery does nothing twice, events in
 * any order never move a PaymentIntent backwards, a failure is recorded (`payment.failed`), an
 * unknown PaymentIntent is acknowledged, a dispute flags the invoice.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { outboxEvents } from "#shared/outbox";
import { paymentIntents, stripeEvents } from "../../workers/billing/src/schema.ts";
import { realUnixSeconds } from "../support/clock.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { billedPolicy, billingEnv, db } from "./harness.ts";
import { confirmAtStripe, deliverStripe, eventOf, intentAtStripe, rpc, signedEvent, standIn } from "./stripe-harness.ts";

/** A fresh org's QUARTERLY policy and its first invoice ($1,350 due). */
async function openInvoice() {
  const { principal, invoices } = await billedPolicy();
  return { principal, invoice: invoices[0]! };
}

const outbox = async (orgId: string, type: string) => (await db().select().from(outboxEvents).where(eq(outboxEvents.orgId, orgId)).all()).filter((e) => e.type === type);
const recorded = (id: string) => db().select().from(stripeEvents).where(eq(stripeEvents.id, id)).get();
const row = async (id: string) => (await db().select().from(paymentIntents).where(eq(paymentIntents.id, id)).get())!;

describe("Stripe-Signature", () => {
  it("refuses an unsigned, mis-signed, tampered or stale event and records nothing", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    const object = { ...(await intentAtStripe(pi.paymentIntentId)), status: "succeeded", amount_received: 135_000 };
    const good = await signedEvent("payment_intent.succeeded", object);
    const wrongSecret = await signedEvent("payment_intent.succeeded", object, { secret: "whsec_someone_else", id: good.id });
    const stale = await signedEvent("payment_intent.succeeded", object, { timestamp: realUnixSeconds() - 301, id: good.id });
    const cases = [
      { payload: good.payload, signature: null },
      { payload: good.payload, signature: "" },
      { payload: good.payload, signature: "t=1,v1=deadbeef" },
      wrongSecret,
      stale,
      { payload: good.payload.replace("135000", "1"), signature: good.signature },
    ];
    for (const c of cases) {
      expect(errorOf(await deliverStripe(c)), c.signature ?? "unsigned").toMatchObject({ code: "validation_failed", details: { field: "Stripe-Signature", rule: "signature" } });
    }
    expect(await recorded(good.id)).toBeUndefined();
    expect(unwrap(await rpc.getInvoice(principal, invoice.id))).toMatchObject({ status: "open", payments: [] });
    // Within the 300 s tolerance it verifies.
    const recent = await signedEvent("payment_intent.succeeded", object, { timestamp: realUnixSeconds() - 250 });
    expect(unwrap(await deliverStripe(recent)).outcome).toBe("applied");
  });
});

describe("Stripe events", () => {
  it("are handled once by id: a redelivery is acknowledged as a duplicate and changes nothing", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    await confirmAtStripe(pi.paymentIntentId, "pm_card_visa");
    const succeeded = await eventOf(pi.paymentIntentId, "payment_intent.succeeded");
    const [a, b] = await Promise.all([deliverStripe(succeeded), deliverStripe(succeeded)]);
    const outcomes = [unwrap(a), unwrap(b)].map((r) => r.duplicate).sort();
    expect(outcomes).toEqual([false, true]);
    expect(unwrap(await deliverStripe(succeeded))).toMatchObject({ duplicate: true, outcome: "applied" });
    expect(unwrap(await rpc.getInvoice(principal, invoice.id)).payments).toHaveLength(1);
    expect(await outbox(principal.orgId, "payment.received")).toHaveLength(1);
  });

  it("record a declined payment with its failure code and emit payment.failed", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    expect((await confirmAtStripe(pi.paymentIntentId, "pm_card_chargeDeclined")).status).toBe(402);
    const failed = await eventOf(pi.paymentIntentId, "payment_intent.payment_failed");
    expect(unwrap(await deliverStripe(failed)).outcome).toBe("applied");
    expect(await row(pi.paymentIntentId)).toMatchObject({ status: "requires_payment_method", failureCode: "card_declined", paymentMethod: "pm_card_chargeDeclined" });
    const events = await outbox(principal.orgId, "payment.failed");
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ paymentIntentId: pi.paymentIntentId, invoiceId: invoice.id, amount: 1350, method: "card", failureCode: "card_declined", attempt: 1 });
    expect(unwrap(await rpc.getInvoice(principal, invoice.id))).toMatchObject({ status: "open", amountPaid: 0 });
  });

  it("arriving out of order never move a PaymentIntent backwards", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    const base = await intentAtStripe(pi.paymentIntentId);
    const t = realUnixSeconds();
    const failedEarly = await signedEvent("payment_intent.payment_failed", { ...base, status: "requires_payment_method", last_payment_error: { type: "card_error", code: "card_declined", message: "Your card was declined.", payment_method: { id: "pm_card_chargeDeclined" } } }, { created: t - 60 });
    const failedLater = await signedEvent("payment_intent.payment_failed", { ...base, status: "requires_payment_method", last_payment_error: { type: "card_error", code: "expired_card", message: "Your card has expired.", payment_method: { id: "pm_card_chargeDeclined" } } }, { created: t - 30 });
    const succeeded = await signedEvent("payment_intent.succeeded", { ...base, status: "succeeded", amount_received: base.amount, payment_method: "pm_card_visa" }, { created: t });
    const canceledStale = await signedEvent("payment_intent.canceled", { ...base, status: "canceled" }, { created: t - 10 });

    expect(unwrap(await deliverStripe(failedLater)).outcome).toBe("applied");
    expect(unwrap(await deliverStripe(failedEarly)).outcome).toBe("stale");
    expect(await row(pi.paymentIntentId)).toMatchObject({ failureCode: "expired_card" });
    expect(unwrap(await deliverStripe(succeeded)).outcome).toBe("applied");
    expect(unwrap(await deliverStripe(canceledStale)).outcome).toBe("stale");
    expect(await row(pi.paymentIntentId)).toMatchObject({ status: "succeeded" });
    expect(unwrap(await rpc.getInvoice(principal, invoice.id))).toMatchObject({ status: "paid", amountPaid: 1350 });
    expect(await outbox(principal.orgId, "payment.failed")).toHaveLength(1);
  });

  it("a charge event before payment_intent.succeeded records the payment; the late succeeded does not regress or repeat it", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    await confirmAtStripe(pi.paymentIntentId, "pm_card_visa");
    await standIn("/_standin/disputes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ paymentIntent: pi.paymentIntentId }) });
    const dispute = await eventOf(pi.paymentIntentId, "charge.dispute.created");
    const disputeObject = JSON.parse(dispute.payload).data.object;
    // The dispute names its charge; as Stripe sends it when the charge is expanded, it shows the charge paid.
    const charge = { id: disputeObject.charge, object: "charge", payment_intent: pi.paymentIntentId, paid: true, status: "succeeded", amount: 135_000, amount_captured: 135_000, amount_refunded: 0 };
    const early = await signedEvent("charge.dispute.created", { ...disputeObject, charge });
    expect(unwrap(await deliverStripe(early)).outcome).toBe("applied");
    const flagged = unwrap(await rpc.getInvoice(principal, invoice.id));
    expect(flagged).toMatchObject({ status: "paid", amountPaid: 1350 });
    expect(flagged.disputedAt).not.toBeNull();
    expect(await row(pi.paymentIntentId)).toMatchObject({ disputeId: disputeObject.id, status: "succeeded" });
    const succeeded = await eventOf(pi.paymentIntentId, "payment_intent.succeeded");
    expect(unwrap(await deliverStripe(succeeded)).outcome).toBe("already_recorded");
    expect(unwrap(await rpc.getInvoice(principal, invoice.id)).payments).toHaveLength(1);
  });

  it("charge.dispute.created flags the invoice and the PaymentIntent and emits payment.disputed once; the money stays paid", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id, { paymentMethod: "pm_card_visa" }));
    expect(pi.status).toBe("succeeded");
    expect(unwrap(await rpc.getInvoice(principal, invoice.id)).disputedAt).toBeNull();
    await standIn("/_standin/disputes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ paymentIntent: pi.paymentIntentId }) });
    const dispute = await eventOf(pi.paymentIntentId, "charge.dispute.created");
    const disputeObject = JSON.parse(dispute.payload).data.object;
    expect(unwrap(await deliverStripe(dispute))).toMatchObject({ duplicate: false, outcome: "applied" });
    const flagged = unwrap(await rpc.getInvoice(principal, invoice.id));
    expect(flagged).toMatchObject({ status: "paid", amountPaid: 1350, amountRefunded: 0, payments: [expect.objectContaining({ method: "card", reference: pi.paymentIntentId })] });
    expect(flagged.disputedAt).toEqual(expect.any(String));
    expect(await row(pi.paymentIntentId)).toMatchObject({ disputeId: disputeObject.id, disputedAt: flagged.disputedAt });
    const events = await outbox(principal.orgId, "payment.disputed");
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({
      paymentIntentId: pi.paymentIntentId,
      disputeId: disputeObject.id,
      invoiceId: invoice.id,
      policyId: invoice.policyId,
      amount: 1350,
      currency: "USD",
      reason: "fraudulent",
      status: "needs_response",
      disputedAt: flagged.disputedAt,
    });
    // Stripe delivering it again: acknowledged as a duplicate, no second event.
    expect(unwrap(await deliverStripe(dispute))).toMatchObject({ duplicate: true });
    expect(await outbox(principal.orgId, "payment.disputed")).toHaveLength(1);
    // A dispute of a PaymentIntent billing does not know is acknowledged and emits nothing.
    const stray = await signedEvent("charge.dispute.created", { ...disputeObject, id: "dp_stray", payment_intent: "pi_unknown_dispute_0000" });
    expect(unwrap(await deliverStripe(stray)).outcome).toBe("unknown_payment_intent");
    expect(await outbox(principal.orgId, "payment.disputed")).toHaveLength(1);
  });

  it("of a canceled PaymentIntent mark it canceled", async () => {
    const { principal, invoice } = await openInvoice();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoice.id));
    const res = await fetch(`${billingEnv.STRIPE_API_BASE}/v1/payment_intents/${pi.paymentIntentId}/cancel`, { method: "POST", headers: { authorization: `Bearer ${billingEnv.STRIPE_SECRET_KEY}` } });
    expect(res.status).toBe(200);
    expect(unwrap(await deliverStripe(await eventOf(pi.paymentIntentId, "payment_intent.canceled"))).outcome).toBe("applied");
    expect(await row(pi.paymentIntentId)).toMatchObject({ status: "canceled" });
    // A new payment intent for the invoice is a new attempt.
    expect(unwrap(await rpc.createPaymentIntent(principal, invoice.id))).toMatchObject({ attempt: 2, status: "requires_payment_method" });
  });

  it("of a PaymentIntent billing does not know are acknowledged, recorded as such, and change nothing", async () => {
    const unknown = await signedEvent("payment_intent.succeeded", { id: "pi_unknown_000000000000", object: "payment_intent", amount: 5000, amount_received: 5000, currency: "usd", status: "succeeded", metadata: {} });
    expect(unwrap(await deliverStripe(unknown))).toMatchObject({ duplicate: false, outcome: "unknown_payment_intent" });
    expect(await recorded(unknown.id)).toMatchObject({ outcome: "unknown_payment_intent" });
    // Another org's invoice named in the metadata is no better than none.
    const { invoice } = await openInvoice();
    const foreign = await signedEvent("payment_intent.succeeded", { id: "pi_foreign_00000000000", object: "payment_intent", amount: 5000, amount_received: 5000, currency: "usd", status: "succeeded", metadata: { invoiceId: invoice.id, orgId: newId("org") } });
    expect(unwrap(await deliverStripe(foreign)).outcome).toBe("unknown_payment_intent");
    const refund = await signedEvent("charge.refunded", { id: "ch_unknown", object: "charge", payment_intent: "pi_unknown_000000000000", amount_refunded: 100 });
    expect(unwrap(await deliverStripe(refund)).outcome).toBe("unknown_payment_intent");
    const other = await signedEvent("customer.created", { id: "cus_x", object: "customer" });
    expect(unwrap(await deliverStripe(other)).outcome).toBe("ignored");
  });

  it("of a PaymentIntent Stripe made while billing's call timed out adopt it from its metadata, so the money is recorded", async () => {
    const { principal, invoice } = await openInvoice();
    const piId = `pi_adopted_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
    const object = { id: piId, object: "payment_intent", amount: 135_000, amount_received: 135_000, currency: "usd", status: "succeeded", client_secret: `${piId}_secret_x`, payment_method: "pm_card_visa", metadata: { invoiceId: invoice.id, orgId: principal.orgId, attempt: "1" } };
    expect(unwrap(await deliverStripe(await signedEvent("payment_intent.succeeded", object))).outcome).toBe("applied");
    expect(unwrap(await rpc.getInvoice(principal, invoice.id))).toMatchObject({ status: "paid", payments: [expect.objectContaining({ reference: piId, method: "card" })] });
  });
});
