/**
 * Card payments over the real `npm run dev` stack and its local Stripe stand-in, end to end: a
 * MONTHLY_10 policy's first invoice paid with `pm_card_visa` (`payment.received` at the org's
 * webhook receiver, from the stand-in's signed event through /webhooks/stripe), the second declined
 * with `pm_card_chargeDeclined` (`payment.failed`) and retried with a good card, then the policy
 * cancelled and its unearned premium refunded to the cards through Stripe's refunds API.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_NOW } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox, waitFor } from "./client.ts";

interface Delivered {
  type: string;
  data: Record<string, any>;
}

describe("card payments over the local sandbox", () => {
  const delivered: Delivered[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      delivered.push(JSON.parse(body) as Delivered);
      res.writeHead(200).end("ok");
    });
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/payments`;
  });
  afterAll(() => server.close());

  const deliveredOf = (type: string, invoiceId: string) => waitFor(() => delivered.find((e) => e.type === type && e.data.invoiceId === invoiceId), 45_000);

  it("pays, declines, retries and refunds through the stand-in, with the events at a webhook subscriber", async () => {
    const { apiSecret, stripeApiBase } = sandbox();
    expect(stripeApiBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Card Payments" } });
    await http("POST", "/v1/sandbox/clock", { token: apiSecret, headers: { "x-org-id": org.json.id }, body: { now: TEST_NOW } });
    const token = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } })).json.token;
    expect((await http("POST", "/v1/webhooks", { token, body: { url, events: ["payment.*"] } })).status).toBe(201);

    const sub = await http("POST", "/v1/submissions", { token, body: quickstartSubmission() });
    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, { token })).status).toBe(201);
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { token, body: { installmentPlan: "MONTHLY_10" } });
    expect(policy.status).toBe(201);
    let invoices: Record<string, any>[] = [];
    for (let i = 0; i < 150 && invoices.length < 9; i++) {
      invoices = (await http("GET", `/v1/invoices?policyId=${policy.json.id}&sort=createdAt&limit=100`, { token })).json.data;
      if (invoices.length < 9) await new Promise((r) => setTimeout(r, 200));
    }
    expect(invoices.map((i) => i.installmentNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [first, second] = invoices as [Record<string, any>, Record<string, any>];

    // The down payment with a card that succeeds.
    const paid = await http("POST", `/v1/invoices/${first.id}/payment-intent`, { token, headers: { "idempotency-key": `pi-${first.id}` }, body: { paymentMethod: "pm_card_visa" } });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ status: "succeeded", amount: first.amountDue, currency: "USD" });
    const received = await deliveredOf("payment.received", first.id);
    expect(received.data).toMatchObject({ method: "card", amount: first.amountDue, amountDue: 0 });

    // The second installment with a card that is declined, then retried with a good one.
    const declined = await http("POST", `/v1/invoices/${second.id}/payment-intent`, { token, body: { paymentMethod: "pm_card_chargeDeclined" } });
    expect(declined.json).toMatchObject({ status: "requires_payment_method", lastPaymentError: { code: "card_declined" } });
    expect((await deliveredOf("payment.failed", second.id)).data).toMatchObject({ failureCode: "card_declined", paymentIntentId: declined.json.paymentIntentId });
    const retried = await http("POST", `/v1/invoices/${second.id}/retry`, { token, body: { paymentMethod: "pm_card_visa" } });
    expect(retried.json).toMatchObject({ paymentIntentId: declined.json.paymentIntentId, status: "succeeded" });
    await deliveredOf("payment.received", second.id);

    // Cancelled a month in: the paid, unearned premium goes back to the cards.
    const cancelled = await http("POST", `/v1/policies/${policy.json.id}/cancel`, { token, body: { effectiveDate: "2027-05-31", method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    const refunded = await deliveredOf("payment.refunded", second.id);
    expect(refunded.data.transactionId).toBe(cancelled.json.transaction.id);
    let after: Record<string, any>[] = [];
    let refundsAtStripe: { body: string }[] = [];
    for (let i = 0; i < 150; i++) {
      after = (await http("GET", `/v1/invoices?policyId=${policy.json.id}&sort=createdAt&limit=100`, { token })).json.data;
      refundsAtStripe = (await (await fetch(`${stripeApiBase}/_standin/requests?match=/v1/refunds`)).json()).data.filter((r: { body: string }) => r.body.includes(org.json.id));
      const refundedCents = after.reduce((s, i) => s + Math.round(i.amountRefunded * 100), 0);
      const sentCents = refundsAtStripe.reduce((s, r) => s + Number(new URLSearchParams(r.body).get("amount")), 0);
      if (refundedCents > 0 && sentCents === refundedCents) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const refundedCents = after.reduce((s, i) => s + Math.round(i.amountRefunded * 100), 0);
    expect(refundedCents).toBeGreaterThan(0);
    // Every cent refunded on the invoices went back through Stripe, to the PaymentIntents that paid them.
    expect(refundsAtStripe.reduce((s, r) => s + Number(new URLSearchParams(r.body).get("amount")), 0)).toBe(refundedCents);
    const intents = new Set(refundsAtStripe.map((r) => new URLSearchParams(r.body).get("payment_intent")));
    expect([...intents].every((pi) => pi === paid.json.paymentIntentId || pi === declined.json.paymentIntentId)).toBe(true);
    expect(after.filter((i) => i.status === "void")).toHaveLength(7);
  });
});
