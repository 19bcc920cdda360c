import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliver, fanOut, harness, headersObject, newPrincipal, publish, receiver, seedVerifyWebhook, travelTo, unwrap } from "./harness.ts";
import { realNow } from "../support/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const URL_A = "https://hooks.example.com/openinsure";

describe("delivery signatures", () => {
  it("signs the exact body sent so that both the seed's verifyWebhook and Standard Webhooks verify it", async () => {
    const h = harness();
    const p = newPrincipal();
    const { secret } = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["policy.bound"] }));
    const event = publish(h, p.orgId, "policy.bound", { policyId: "pol_1", policyNumber: "GL-2026-000142", grossPremium: 14250, effectiveDate: "2026-04-01" });
    const [deliveryId] = await fanOut(h, [event]);
    const { requests } = receiver();
    await deliver(h, deliveryId!);

    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe(URL_A);
    expect(req!.headers.get("content-type")).toBe("application/json");
    expect(req!.headers.get("x-openinsure-event")).toBe("policy.bound");
    expect(req!.headers.get("webhook-id")).toBe(event.id);
    expect(Number(req!.headers.get("webhook-timestamp"))).toBeCloseTo(realNow() / 1000, -1);
    // The body is the seed's envelope, exactly.
    expect(JSON.parse(req!.body)).toEqual(event);
    expect(Object.keys(JSON.parse(req!.body))).toEqual(["id", "type", "orgId", "timestamp", "data"]);

    // The seed's snippet: HMAC-SHA256 hex of the raw body keyed with the secret string as issued.
    expect(req!.headers.get("x-openinsure-signature")).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await seedVerifyWebhook(req!.body, req!.headers.get("x-openinsure-signature"), secret)).toBe(true);
    expect(await seedVerifyWebhook(req!.body + " ", req!.headers.get("x-openinsure-signature"), secret)).toBe(false);
    expect(await seedVerifyWebhook(req!.body, req!.headers.get("x-openinsure-signature"), secret.replace("whsec_", ""))).toBe(false);

    // Standard Webhooks, with the reference library.
    expect(req!.headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(req!.body, headersObject(req!.headers))).toEqual(event);
    const tampered = { ...headersObject(req!.headers), "webhook-id": "evt_other" };
    expect(() => new Webhook(secret).verify(req!.body, tampered)).toThrow();
  });

  it("keeps X-OpenInsure-Signature on the previous secret during the rotation grace, the new one in X-OpenInsure-Signature-Next, both in webhook-signature", async () => {
    const h = harness();
    const p = newPrincipal();
    const { id, secret: oldSecret } = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const { secret: newSecret } = unwrap(await h.service.rotateSecret(p, id));
    const { requests } = receiver();

    const [first] = await fanOut(h, [publish(h, p.orgId, "claim.filed")]);
    await deliver(h, first!);
    const during = requests[0]!;
    // A receiver still running the seed's snippet with the secret it holds (the previous one) verifies.
    expect(await seedVerifyWebhook(during.body, during.headers.get("x-openinsure-signature"), oldSecret)).toBe(true);
    expect(await seedVerifyWebhook(during.body, during.headers.get("x-openinsure-signature"), newSecret)).toBe(false);
    // One that has switched verifies the -Next header with the same snippet.
    expect(await seedVerifyWebhook(during.body, during.headers.get("x-openinsure-signature-next"), newSecret)).toBe(true);
    expect(await seedVerifyWebhook(during.body, during.headers.get("x-openinsure-signature-next"), oldSecret)).toBe(false);
    // Standard Webhooks: both signatures, space-separated, each verifiable by the reference library.
    const signatures = during.headers.get("webhook-signature")!.split(" ");
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]+=*$/.test(s))).toBe(true);
    expect(() => new Webhook(newSecret).verify(during.body, headersObject(during.headers))).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(during.body, headersObject(during.headers))).not.toThrow();

    travelTo(realNow() + 24 * 3600_000 + 60_000);
    const [second] = await fanOut(h, [publish(h, p.orgId, "claim.filed")]);
    await deliver(h, second!);
    const after = requests[1]!;
    expect(await seedVerifyWebhook(after.body, after.headers.get("x-openinsure-signature"), newSecret)).toBe(true);
    expect(after.headers.get("x-openinsure-signature-next")).toBeNull();
    expect(after.headers.get("webhook-signature")!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(after.body, headersObject(after.headers))).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(after.body, headersObject(after.headers))).toThrow();
    expect(unwrap(await h.service.getEndpoint(p, id)).previousSecretExpiresAt).toBeNull();
  });

  it("sends no X-OpenInsure-Signature-Next outside a rotation", async () => {
    const h = harness();
    const p = newPrincipal();
    unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const { requests } = receiver();
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "claim.filed")]);
    await deliver(h, deliveryId!);
    expect(requests[0]!.headers.get("x-openinsure-signature")).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(requests[0]!.headers.has("x-openinsure-signature-next")).toBe(false);
  });

  it("sendTest signs a webhook.test event now, logs it as a delivery and puts the event in the log", async () => {
    const h = harness();
    const p = newPrincipal();
    const { id, secret } = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["policy.bound"] }));
    const { requests } = receiver(() => new Response(JSON.stringify({ received: true }), { status: 200 }));

    const delivery = unwrap(await h.service.sendTest(p, id));
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.headers.get("x-openinsure-event")).toBe("webhook.test");
    expect(await seedVerifyWebhook(req.body, req.headers.get("x-openinsure-signature"), secret)).toBe(true);
    expect(new Webhook(secret).verify(req.body, headersObject(req.headers))).toMatchObject({ type: "webhook.test", orgId: p.orgId, data: { endpointId: id } });

    expect(delivery).toMatchObject({
      endpointId: id,
      eventType: "webhook.test",
      status: "succeeded",
      attemptCount: 1,
      nextAttemptAt: null,
      attempts: [{ attempt: 1, statusCode: 200, responseExcerpt: '{"received":true}', error: null, nextAttemptAt: null }],
    });
    expect(req.headers.get("webhook-id")).toBe(delivery.eventId);
    expect(unwrap(await h.service.listDeliveries(p, id, {})).data.map((d) => d.id)).toEqual([delivery.id]);
    expect(unwrap(await h.service.getEvent(p, delivery.eventId))).toMatchObject({ id: delivery.eventId, type: "webhook.test" });
    // Nothing was queued: the test send is one synchronous attempt.
    expect(h.events.sent).toEqual([]);
  });

  it("sendTest reports a failing receiver without retrying, dead-lettering or touching the endpoint's health", async () => {
    const h = harness();
    const p = newPrincipal();
    const { id } = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    await h.service.updateEndpoint(p, id, { enabled: false });
    receiver(() => new Response("boom", { status: 503 }));
    const delivery = unwrap(await h.service.sendTest(p, id));
    expect(delivery).toMatchObject({ status: "failed", attemptCount: 1, attempts: [{ statusCode: 503, responseExcerpt: "boom", nextAttemptAt: null }] });
    expect(h.events.sent).toEqual([]);
    expect(h.dlq.sent).toEqual([]);
    expect(unwrap(await h.service.getEndpoint(p, id))).toMatchObject({ failureCount: 0, consecutiveFailures: 0, failingSince: null, enabled: false, disabledReason: null });
  });
});
