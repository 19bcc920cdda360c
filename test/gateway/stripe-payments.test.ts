/**
 * Card payments through the whole platform with the local Stripe stand-in behind billing:
 * `POST /v1/invoices/:id/payment-intent` and `/retry` with scopes, tenancy and an outage (502, then
 * the same Idempotency-Key succeeds once), and `POST /webhooks/stripe`, the raw public route, with
 * its signature refusals and `payment.received` / `payment.failed` in the org's event log.
 */
import { describe, expect, inject, it } from "vitest";
import { realNow, realUnixSeconds, testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const standIn = inject("stripeApiBase");
const standInJson = async <T>(path: string, init?: RequestInit) => (await (await fetch(`${standIn}${path}`, init)).json()) as T;
type StandInEvent = { id: string; type: string; payload: string; signature: string };

async function eventOf(paymentIntent: string, type: string): Promise<StandInEvent> {
  return eventually(
    async () => (await standInJson<{ data: StandInEvent[] }>(`/_standin/events?paymentIntent=${paymentIntent}`)).data.filter((e) => e.type === type).at(-1),
    (e) => e !== undefined,
  ) as Promise<StandInEvent>;
}

const postWebhook = (payload: string, signature?: string) =>
  call("POST", "/webhooks/stripe", { rawBody: payload, headers: { "content-type": "application/json; charset=utf-8", ...(signature === undefined ? {} : { "stripe-signature": signature }) } });

async function boundInvoices(t: Tenant) {
  const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10) }), "MONTHLY_10");
  return eventually(
    async () => (await json<{ data: Record<string, any>[] }>(await call("GET", `/v1/invoices?policyId=${policy.id}&sort=createdAt&limit=100`, { apiKey: t.apiKey }))).data,
    (xs) => xs.length === 9,
  );
}

const eventsOfType = (t: Tenant, type: string) => call("GET", `/v1/events?type=${type}`, { apiKey: t.apiKey }).then((r) => json<{ data: Record<string, any>[] }>(r)).then((p) => p.data);

describe("card payments through the gateway", () => {
  it("pay an invoice with pm_card_visa, and Stripe's signed event at /webhooks/stripe confirms it; payment.received reaches the event log", async () => {
    const t = await createTenant();
    const [first] = await boundInvoices(t);
    const res = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_visa" } });
    expect(res.status).toBe(200);
    const pi = await json(res);
    expect(pi).toMatchObject({ status: "succeeded", invoiceId: first!.id, amount: first!.amountDue, currency: "USD", attempt: 1 });
    const event = await eventOf(pi.paymentIntentId, "payment_intent.succeeded");
    const ack = await postWebhook(event.payload, event.signature);
    expect(ack.status).toBe(200);
    expect(await json(ack)).toMatchObject({ received: true, eventId: event.id, outcome: "already_recorded" });
    const again = await postWebhook(event.payload, event.signature);
    expect(await json(again)).toMatchObject({ duplicate: true });
    expect(await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "paid", payments: [{ method: "card", reference: pi.paymentIntentId }] });
    const received = await eventually(() => eventsOfType(t, "payment.received"), (xs) => xs.length === 1);
    expect(received[0]).toMatchObject({ data: { invoiceId: first!.id, method: "card", amount: first!.amountDue } });
  });

  it("refuse an unsigned, mis-signed or stale Stripe event with 400, and record nothing", async () => {
    const t = await createTenant();
    const [, second] = await boundInvoices(t);
    const pi = await json(await call("POST", `/v1/invoices/${second!.id}/payment-intent`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_chargeDeclined" } }));
    expect(pi).toMatchObject({ status: "requires_payment_method", lastPaymentError: { code: "card_declined" } });
    const failed = await eventOf(pi.paymentIntentId, "payment_intent.payment_failed");
    const stale = failed.signature.replace(/^t=\d+/, `t=${realUnixSeconds() - 400}`);
    for (const [payload, signature] of [
      [failed.payload, undefined],
      [failed.payload, "t=1,v1=00"],
      [failed.payload, stale],
      [failed.payload.replace("card_declined", "card_accepted"), failed.signature],
    ] as const) {
      const refused = await postWebhook(payload, signature);
      expect(refused.status).toBe(400);
      expect(await json(refused)).toMatchObject({ error: "validation_failed", details: { field: "Stripe-Signature" }, requestId: expect.stringMatching(/^req_/) });
    }
    // The contract's media type: a signed body sent as anything but JSON is 415, and is not applied.
    const wrongType = await call("POST", "/webhooks/stripe", { rawBody: failed.payload, headers: { "content-type": "text/plain", "stripe-signature": failed.signature } });
    expect(wrongType.status).toBe(415);
    expect(await json(wrongType)).toMatchObject({ error: "unsupported_media_type", requestId: expect.stringMatching(/^req_/) });
    expect(await eventsOfType(t, "payment.failed")).toEqual([]);
    const ok = await postWebhook(failed.payload, failed.signature);
    expect(await json(ok)).toMatchObject({ outcome: "applied", duplicate: false });
    const events = await eventually(() => eventsOfType(t, "payment.failed"), (xs) => xs.length === 1);
    expect(events[0]).toMatchObject({ data: { invoiceId: second!.id, failureCode: "card_declined", method: "card" } });

    // The failed payment is retried with a good card.
    const retried = await call("POST", `/v1/invoices/${second!.id}/retry`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_visa" } });
    expect(retried.status).toBe(200);
    expect(await json(retried)).toMatchObject({ paymentIntentId: pi.paymentIntentId, status: "succeeded" });
    const nothing = await call("POST", `/v1/invoices/${second!.id}/retry`, { apiKey: t.apiKey });
    expect(nothing.status).toBe(422);
    expect((await call("GET", "/webhooks/stripe")).status).toBe(405);
  });

  it("answer a Stripe outage with 502 payment_provider_unavailable; the same Idempotency-Key then succeeds once and replays", async () => {
    const t = await createTenant();
    const [first] = await boundInvoices(t);
    await fetch(`${standIn}/_standin/faults`, { method: "POST", body: JSON.stringify({ mode: "error", match: first!.id }) });
    const headers = { "idempotency-key": `pay-${first!.id}` };
    const down = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, headers, body: { paymentMethod: "pm_card_visa" } });
    expect(down.status).toBe(502);
    expect(await json(down)).toMatchObject({ error: "payment_provider_unavailable", requestId: expect.stringMatching(/^req_/) });
    expect(await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "open", payments: [] });
    await fetch(`${standIn}/_standin/faults?match=${first!.id}`, { method: "DELETE" });
    const up = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, headers, body: { paymentMethod: "pm_card_visa" } });
    expect(up.status).toBe(200);
    const body = await up.text();
    expect(JSON.parse(body)).toMatchObject({ status: "succeeded" });
    const replay = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, headers, body: { paymentMethod: "pm_card_visa" } });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(body);
    const created = (await standInJson<{ data: { path: string }[] }>(`/_standin/requests?match=${first!.id}`)).data.filter((r) => r.path === "/v1/payment_intents");
    // The 500 (and the SDK's one retry of it) and the success: every one under the same Stripe key, one PaymentIntent made.
    const events = (await standInJson<{ data: { type: string; payload: string }[] }>("/_standin/events")).data.filter((e) => e.type === "payment_intent.succeeded" && e.payload.includes(first!.id));
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(events).toHaveLength(1);
    expect((await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).payments).toHaveLength(1);
  });

  it("refund card money through Stripe: an outage is 502 with the error envelope and no money moved; the same Idempotency-Key then refunds once", async () => {
    const t = await createTenant();
    const [first] = await boundInvoices(t);
    const paid = await json(await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_visa" } }));
    expect(paid).toMatchObject({ status: "succeeded" });
    await fetch(`${standIn}/_standin/faults`, { method: "POST", body: JSON.stringify({ mode: "error", match: first!.id }) });
    const headers = { "idempotency-key": `refund-${first!.id}` };
    const down = await call("POST", `/v1/invoices/${first!.id}/refund`, { apiKey: t.apiKey, headers, body: { amount: 25, reason: "goodwill" } });
    expect(down.status).toBe(502);
    expect(down.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await json(down)).toMatchObject({ error: "payment_provider_unavailable", message: expect.any(String), details: { provider: "stripe" }, requestId: down.headers.get("x-request-id") });
    expect(await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "paid", amountRefunded: 0, refunds: [] });
    await fetch(`${standIn}/_standin/faults?match=${first!.id}`, { method: "DELETE" });
    const up = await call("POST", `/v1/invoices/${first!.id}/refund`, { apiKey: t.apiKey, headers, body: { amount: 25, reason: "goodwill" } });
    expect(up.status).toBe(200);
    const body = await up.text();
    expect(JSON.parse(body)).toMatchObject({ status: "open", amountRefunded: 25, refunds: [{ amount: 25, reason: "goodwill" }] });
    const replay = await call("POST", `/v1/invoices/${first!.id}/refund`, { apiKey: t.apiKey, headers, body: { amount: 25, reason: "goodwill" } });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(body);
    const refunds = (await standInJson<{ data: { path: string; idempotencyKey: string | null }[] }>(`/_standin/requests?match=${first!.id}`)).data.filter((r) => r.path === "/v1/refunds");
    expect(new Set(refunds.map((r) => r.idempotencyKey)).size).toBe(1);
    expect((await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).amountRefunded).toBe(25);
  });

  it("need invoices:write, and another org's invoice is 404", async () => {
    const t = await createTenant();
    const [first] = await boundInvoices(t);
    const reader = (await createApiKey(t.token, { scopes: ["invoices:read"] })).key;
    const forbidden = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: reader, body: {} });
    expect(forbidden.status).toBe(403);
    expect((await call("POST", `/v1/invoices/${first!.id}/retry`, { apiKey: reader })).status).toBe(403);
    const stranger = await createTenant();
    expect((await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: stranger.apiKey, body: { paymentMethod: "pm_card_visa" } })).status).toBe(404);
    expect((await call("POST", `/v1/invoices/${first!.id}/retry`, { apiKey: stranger.apiKey })).status).toBe(404);
    const bad = await call("POST", `/v1/invoices/${first!.id}/payment-intent`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_visa", amount: 5 } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: "validation_failed", details: { field: "amount" } });
  });
});
