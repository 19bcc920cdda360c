/**
 * Notifications to insureds through the whole platform: a claim filed on the insured's policy reaches
 * their registered devices (the sandbox push log) and their email once, from claims' event on the
 * portal's queue; a certificate the portal issues says it is ready; another insured of the same org
 * hears nothing; and only the API secret reads the push log.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { realNow, testDay, TEST_NOW } from "../support/clock.ts";
import { call, createTenant, json, setClock } from "./harness.ts";
import { bindFor, signIn, uniqueEmail } from "./portal-harness.ts";

interface Push {
  insuredId: string;
  kind: string;
  status: string;
  platform: string;
  title: string;
  body: string;
  data: Record<string, string>;
}

const pushesTo = async (insuredId: string): Promise<Push[]> => {
  const res = await call("GET", `/v1/sandbox/push?insuredId=${insuredId}&limit=100`, { token: env.API_SECRET });
  expect(res.status).toBe(200);
  return (await json<{ data: Push[] }>(res)).data;
};

const emailsTo = async (email: string) =>
  (await json<{ data: { kind: string; subject: string }[] }>(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}&limit=100`, { token: env.API_SECRET }))).data.filter((m) => m.kind.startsWith("portal_"));

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

/** The stand-in's signed Stripe event of `type` for a PaymentIntent, posted to /webhooks/stripe as Stripe would. */
async function deliverStripeEvent(paymentIntent: string, type: string) {
  const event = await eventually(
    async () => ((await (await fetch(`${standIn}/_standin/events?paymentIntent=${paymentIntent}`)).json()) as { data: { type: string; payload: string; signature: string }[] }).data.filter((e) => e.type === type).at(-1),
    (e) => e !== undefined,
  );
  const res = await call("POST", "/webhooks/stripe", { rawBody: event!.payload, headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event!.signature } });
  expect(res.status).toBe(200);
}

describe("notifications to the insured", () => {
  it("tells the insured a card payment failed, naming the invoice, from billing's payment.failed", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const { token, insuredId } = await signIn(email);
    expect((await call("POST", "/v1/portal/push-tokens", { token, body: { platform: "android", token: "fcm-pay-1" } })).status).toBe(201);
    const [invoice] = await eventually(
      async () => (await json<{ data: { id: string; number: string }[] }>(await call("GET", `/v1/invoices?policyId=${policy.id}`, { apiKey: t.apiKey }))).data,
      (xs) => xs.length > 0,
    );
    const pi = await json(await call("POST", `/v1/invoices/${invoice!.id}/payment-intent`, { apiKey: t.apiKey, body: { paymentMethod: "pm_card_chargeDeclined" } }));
    expect(pi.status).toBe("requires_payment_method");
    await deliverStripeEvent(pi.paymentIntentId, "payment_intent.payment_failed");
    const pushes = await eventually(() => pushesTo(insuredId), (xs) => xs.some((p) => p.kind === "payment_failed"));
    expect(pushes.filter((p) => p.kind === "payment_failed")).toEqual([
      expect.objectContaining({ platform: "android", title: `Your payment did not go through: ${invoice!.number}`, data: expect.objectContaining({ invoiceId: invoice!.id, policyId: policy.id }) }),
    ]);
    expect((await eventually(() => emailsTo(email), (xs) => xs.some((m) => m.kind === "portal_payment_failed"))).filter((m) => m.kind === "portal_payment_failed")).toHaveLength(1);
  });

  it("pushes a filed claim to each of the insured's devices and emails them, once, and tells nobody else", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const neighbourEmail = uniqueEmail();
    const policy = await bindFor(t, email);
    await bindFor(t, neighbourEmail);
    const me = await signIn(email);
    const neighbour = await signIn(neighbourEmail);
    for (const [token, platform, device] of [[me.token, "android", "fcm-android-1"], [me.token, "ios", "fcm-ios-1"], [neighbour.token, "android", "fcm-neighbour"]] as const) {
      expect((await call("POST", "/v1/portal/push-tokens", { token, body: { platform, token: device } })).status).toBe(201);
    }
    await setClock(t.orgId, { now: `${testDay(20)}T12:00:00.000Z` });
    let claim: { id: string; claimNumber: string };
    try {
      const res = await call("POST", "/v1/claims", {
        apiKey: t.apiKey,
        body: { policyId: policy.id, lossDate: testDay(19), description: "Visitor slipped on site", causeOfLoss: "slip_and_fall", claimant: { name: "Avery Chen" }, lossLocation: { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" } },
      });
      expect(res.status).toBe(201);
      claim = await json(res);
    } finally {
      await setClock(t.orgId, { now: TEST_NOW });
    }
    const pushes = await eventually(() => pushesTo(me.insuredId), (xs) => xs.some((p) => p.kind === "claim_status"));
    const claimPushes = pushes.filter((p) => p.kind === "claim_status");
    expect(claimPushes.map((p) => p.platform).sort()).toEqual(["android", "ios"]);
    for (const p of claimPushes) {
      expect(p).toMatchObject({ insuredId: me.insuredId, status: "sandbox", title: `Claim ${claim.claimNumber}: received and open`, data: { claimId: claim.id, policyId: policy.id, kind: "claim_status" } });
    }
    const mails = await eventually(() => emailsTo(email), (xs) => xs.length > 0);
    expect(mails.map((m) => [m.kind, m.subject])).toEqual([["portal_claim_status", `Claim ${claim.claimNumber}: received and open`]]);
    // Give a redelivery or a second relay the time it would take; still one of each.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await pushesTo(me.insuredId)).filter((p) => p.kind === "claim_status")).toHaveLength(2);
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await pushesTo(neighbour.insuredId)).toEqual([]);
    expect(await emailsTo(neighbourEmail)).toEqual([]);
  });

  it("says a new certificate is ready, once: the cached one says nothing again", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email, { insured: { email, mailingAddress: { line1: "1 Harbor Way", city: "Seattle", state: "WA", postalCode: "98101" } } });
    const { token, insuredId } = await signIn(email);
    expect((await call("POST", "/v1/portal/push-tokens", { token, body: { platform: "web", token: "fcm-web-1" } })).status).toBe(201);
    const cert = await json(await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token }));
    await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token });
    const ready = await eventually(() => pushesTo(insuredId), (xs) => xs.some((p) => p.kind === "certificate_ready"));
    expect(ready.filter((p) => p.kind === "certificate_ready")).toEqual([
      expect.objectContaining({ platform: "web", title: `Your certificate of insurance is ready: ${cert.certificateNumber}`, data: expect.objectContaining({ documentId: cert.documentId, certificateId: cert.certificateId }) }),
    ]);
    expect((await emailsTo(email)).filter((m) => m.kind === "portal_certificate_ready")).toHaveLength(1);
  });

  it("lets only the API secret read the push log", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    const { token } = await signIn(email);
    const withKey = await call("GET", "/v1/sandbox/push", { apiKey: t.apiKey });
    const emailsWithKey = await call("GET", "/v1/sandbox/emails", { apiKey: t.apiKey });
    expect(withKey.status).toBe(emailsWithKey.status);
    expect(withKey.status).toBeGreaterThanOrEqual(401);
    expect((await call("GET", "/v1/sandbox/push", { token })).status).toBe(401);
    expect((await call("GET", "/v1/sandbox/push?cursor=not-a-cursor", { token: env.API_SECRET })).status).toBe(400);
  });
});
