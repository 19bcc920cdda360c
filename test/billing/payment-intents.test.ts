/**
 * `createPaymentIntent` through BillingService against the local Stripe stand-in: the amount in
 * cents, metadata and idempotency key Stripe receives, one customer per insured, a card that
 * succeeds (recorded once, whichever of the answer and the event comes first), a declined one, the
 * states that refuse a payment, tenancy, and an outage that writes nothing and is retried safely.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outboxEvents } from "#shared/outbox";
import { paymentIntents, stripeCustomers } from "../../workers/billing/src/schema.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { billedPolicy as bound, billingEnv, db } from "./harness.ts";
import { clearFault, confirmAtStripe, deliverStripe, eventOf, fault, requestsTo, rpc } from "./stripe-harness.ts";

const eventsOfType = (orgId: string, type: string) => db().select().from(outboxEvents).where(eq(outboxEvents.orgId, orgId)).all().then((rows) => rows.filter((r) => r.type === type));

describe("createPaymentIntent", () => {
  it("charges the amount due in cents with the invoice's metadata, and records the card payment once", async () => {
    const { principal, invoices } = await bound();
    const first = invoices[0]!;
    expect(first.amountDue).toBe(1350);
    const pi = unwrap(await rpc.createPaymentIntent(principal, first.id, { paymentMethod: "pm_card_visa" }));
    expect(pi).toMatchObject({ status: "succeeded", invoiceId: first.id, attempt: 1, amount: 1350, currency: "USD", paymentMethod: "pm_card_visa", lastPaymentError: null });
    expect(pi.paymentIntentId).toMatch(/^pi_/);
    expect(pi.clientSecret).toContain(`${pi.paymentIntentId}_secret_`);

    const created = (await requestsTo(first.id)).filter((r) => r.path === "/v1/payment_intents");
    expect(created).toHaveLength(1);
    const body = new URLSearchParams(created[0]!.body);
    expect(body.get("amount")).toBe("135000");
    expect(body.get("currency")).toBe("usd");
    expect(body.get("metadata[invoiceId]")).toBe(first.id);
    expect(body.get("metadata[orgId]")).toBe(principal.orgId);
    expect(created[0]!.idempotencyKey).toBe(`oi-pi-${first.id}-1`);

    const paid = unwrap(await rpc.getInvoice(principal, first.id));
    expect(paid).toMatchObject({ status: "paid", amountPaid: 1350, amountDue: 0 });
    expect(paid.payments).toEqual([expect.objectContaining({ amount: 1350, method: "card", reference: pi.paymentIntentId })]);

    // Stripe's payment_intent.succeeded arrives after the answer: already recorded, nothing twice.
    const succeeded = await eventOf(pi.paymentIntentId, "payment_intent.succeeded");
    expect(unwrap(await deliverStripe(succeeded))).toMatchObject({ duplicate: false, outcome: "already_recorded" });
    expect(unwrap(await rpc.getInvoice(principal, first.id)).payments).toHaveLength(1);
    const received = await eventsOfType(principal.orgId, "payment.received");
    expect(received).toHaveLength(1);
    expect(received[0]!.data).toMatchObject({ invoiceId: first.id, amount: 1350, method: "card", amountDue: 0 });
  });

  it("makes one Stripe customer per insured of the org, named for the policy's named insured", async () => {
    const { principal, invoices } = await bound();
    unwrap(await rpc.createPaymentIntent(principal, invoices[0]!.id));
    unwrap(await rpc.createPaymentIntent(principal, invoices[1]!.id));
    const customers = await db().select().from(stripeCustomers).where(eq(stripeCustomers.orgId, principal.orgId)).all();
    expect(customers).toEqual([expect.objectContaining({ insuredKey: "name:harbor freight movers", name: "Harbor Freight Movers" })]);
    const rows = await db().select().from(paymentIntents).where(eq(paymentIntents.orgId, principal.orgId)).all();
    expect(new Set(rows.map((r) => r.customerId))).toEqual(new Set([customers[0]!.customerId]));
  });

  it("answers the open PaymentIntent again, and a payment confirmed by Stripe.js is recorded from Stripe's event", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[1]!;
    const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id));
    expect(pi).toMatchObject({ status: "requires_payment_method", attempt: 1, amount: inv.amountDue });
    expect(unwrap(await rpc.createPaymentIntent(principal, inv.id))).toEqual(pi);
    expect((await requestsTo(inv.id)).filter((r) => r.path === "/v1/payment_intents")).toHaveLength(1);

    expect((await confirmAtStripe(pi.paymentIntentId, "pm_card_visa")).status).toBe(200);
    expect(unwrap(await rpc.getInvoice(principal, inv.id)).status).toBe("open");
    const succeeded = await eventOf(pi.paymentIntentId, "payment_intent.succeeded");
    expect(unwrap(await deliverStripe(succeeded))).toMatchObject({ duplicate: false, outcome: "applied" });
    expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "paid", amountPaid: inv.amountDue });
    expect(await eventsOfType(principal.orgId, "payment.received")).toHaveLength(1);
  });

  it("answers a declined card with the PaymentIntent waiting for another and its failure code", async () => {
    const { principal, invoices } = await bound();
    const pi = unwrap(await rpc.createPaymentIntent(principal, invoices[0]!.id, { paymentMethod: "pm_card_chargeDeclined" }));
    expect(pi).toMatchObject({ status: "requires_payment_method", paymentMethod: "pm_card_chargeDeclined", lastPaymentError: { code: "card_declined" } });
    expect(unwrap(await rpc.getInvoice(principal, invoices[0]!.id))).toMatchObject({ status: "open", amountPaid: 0 });
  });

  it("refuses a paid or void invoice (422), a malformed or unknown payment method (400), and another org's invoice (404)", async () => {
    const { principal, invoices } = await bound();
    unwrap(await rpc.payInvoice(principal, invoices[0]!.id, { amount: invoices[0]!.amountDue, method: "check" }));
    expect(errorOf(await rpc.createPaymentIntent(principal, invoices[0]!.id))).toMatchObject({ code: "invalid_state_transition", details: { status: "paid" } });
    unwrap(await rpc.voidInvoice(principal, invoices[2]!.id));
    expect(errorOf(await rpc.createPaymentIntent(principal, invoices[2]!.id))).toMatchObject({ code: "invalid_state_transition", details: { status: "void" } });
    expect(errorOf(await rpc.createPaymentIntent(principal, invoices[1]!.id, { paymentMethod: "card 4242" }))).toMatchObject({ code: "validation_failed", details: { field: "paymentMethod" } });
    expect(errorOf(await rpc.createPaymentIntent(principal, invoices[1]!.id, { paymentMethod: "pm_card_nonexistent" }))).toMatchObject({ code: "validation_failed", details: { field: "paymentMethod" } });
    expect(errorOf(await rpc.createPaymentIntent(newPrincipal(), invoices[1]!.id, { paymentMethod: "pm_card_visa" })).code).toBe("not_found");
    expect(await db().select().from(paymentIntents).where(eq(paymentIntents.invoiceId, invoices[1]!.id)).all()).toEqual([]);
  });
});

describe("a Stripe outage", () => {
  for (const mode of ["error", "hang"] as const) {
    it(`(${mode === "error" ? "500" : "no answer"}) is payment_provider_unavailable with nothing written, and the retry asks with the same key`, async () => {
      const { principal, invoices } = await bound();
      const inv = invoices[0]!;
      await fault(mode, inv.id);
      const refused = errorOf(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
      expect(refused).toMatchObject({ code: "payment_provider_unavailable", details: { provider: "stripe" } });
      expect(await db().select().from(paymentIntents).where(eq(paymentIntents.invoiceId, inv.id)).all()).toEqual([]);
      expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "open", amountPaid: 0, payments: [] });
      await clearFault(inv.id);
      const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
      expect(pi).toMatchObject({ status: "succeeded", attempt: 1 });
      const keys = (await requestsTo(inv.id)).filter((r) => r.path === "/v1/payment_intents").map((r) => r.idempotencyKey);
      expect(new Set(keys)).toEqual(new Set([`oi-pi-${inv.id}-1`]));
      expect(unwrap(await rpc.getInvoice(principal, inv.id)).payments).toHaveLength(1);
    });
  }

  it("that lost Stripe's answer: the retry gets the PaymentIntent Stripe made, so the card is charged once", async () => {
    const { principal, invoices } = await bound();
    const inv = invoices[0]!;
    await fault("lost_answer", inv.id);
    expect(errorOf(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" })).code).toBe("payment_provider_unavailable");
    await clearFault(inv.id);
    const pi = unwrap(await rpc.createPaymentIntent(principal, inv.id, { paymentMethod: "pm_card_visa" }));
    const succeeded = (await eventOf(pi.paymentIntentId, "payment_intent.succeeded"));
    expect(succeeded).toBeDefined();
    // The stand-in charged one PaymentIntent for the invoice; its replays answered the same one.
    const events = await (await fetch(`${billingEnv.STRIPE_API_BASE}/_standin/events`)).json() as { data: { type: string; payload: string }[] };
    const charged = events.data.filter((e) => e.type === "payment_intent.succeeded" && e.payload.includes(inv.id));
    expect(charged).toHaveLength(1);
    expect(unwrap(await rpc.getInvoice(principal, inv.id))).toMatchObject({ status: "paid", payments: [expect.objectContaining({ reference: pi.paymentIntentId })] });
  });
});
