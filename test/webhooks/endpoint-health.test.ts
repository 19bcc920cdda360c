import { afterEach, describe, expect, it, vi } from "vitest";
import { attemptRows, db, deliver, deliveryRow, fanOut, harness, newPrincipal, publish, receiver, unwrap } from "./harness.ts";
import { realNow } from "../support/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const DAY = 86_400_000;

async function setFailingSince(endpointId: string, at: Date) {
  await db().prepare("UPDATE webhook_endpoints SET failing_since = ?, consecutive_failures = 40 WHERE id = ?").bind(at.toISOString(), endpointId).run();
}

describe("endpoint health", () => {
  it("disables an endpoint that answers 410 Gone, fails the delivery without retry, and announces webhook.disabled", async () => {
    const h = harness();
    const p = newPrincipal();
    const gone = unwrap(await h.service.createEndpoint(p, { url: "https://gone.example.com/hook", events: ["policy.*"] }));
    const watcher = unwrap(await h.service.createEndpoint(p, { url: "https://ops.example.com/hook", events: ["webhook.*"] }));
    unwrap(await h.service.createEndpoint(p, { url: "https://policies.example.com/hook", events: ["policy.*"] }));
    const event = publish(h, p.orgId, "policy.endorsed");
    const ids = await fanOut(h, [event]);
    const goneDelivery = (await db().prepare("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?").bind(gone.id).first<{ id: string }>())!.id;
    expect(ids).toContain(goneDelivery);

    receiver((req) => (req.url.startsWith("https://gone.") ? new Response("bye", { status: 410 }) : new Response("ok")));
    const result = await deliver(h, goneDelivery);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(result.retryMessages).toEqual([]);
    expect(h.dlq.sent).toEqual([]);
    expect(await deliveryRow(goneDelivery)).toMatchObject({ status: "failed", attempt_count: 1 });
    expect(await attemptRows(goneDelivery)).toMatchObject([{ attempt: 1, status_code: 410, next_attempt_at: null }]);
    expect(unwrap(await h.service.getEndpoint(p, gone.id))).toMatchObject({ enabled: false, disabledReason: "gone", disabledAt: expect.any(String) });

    // webhook.disabled is in the event log and goes to the endpoint subscribed to it, not to the others.
    const logged = unwrap(await h.service.listEvents(p, { type: "webhook.disabled" })).data;
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ type: "webhook.disabled", orgId: p.orgId, data: { endpointId: gone.id, reason: "gone" } });
    const announced = h.events.takeDeliveryIds();
    expect(announced).toHaveLength(1);
    expect(await deliveryRow(announced[0]!)).toMatchObject({ endpoint_id: watcher.id, event_type: "webhook.disabled", event_id: logged[0]!.id });

    // A disabled endpoint gets no new deliveries, and its scheduled ones are abandoned without a request.
    expect(await fanOut(h, [publish(h, p.orgId, "policy.bound")])).toHaveLength(1);
  });

  it("disables an endpoint whose deliveries have failed for 5 days straight", async () => {
    const h = harness();
    const p = newPrincipal();
    const failing = unwrap(await h.service.createEndpoint(p, { url: "https://failing.example.com/hook", events: ["claim.*"] }));
    const watcher = unwrap(await h.service.createEndpoint(p, { url: "https://ops.example.com/hook", events: ["*"] }));
    await fanOut(h, [publish(h, p.orgId, "claim.filed")]);
    const failingDelivery = (await db().prepare("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?").bind(failing.id).first<{ id: string }>())!.id;
    await setFailingSince(failing.id, new Date(realNow() - 6 * DAY));

    const { requests } = receiver((req) => (req.url.startsWith("https://failing.") ? new Response("still down", { status: 503 }) : new Response("ok")));
    const result = await deliver(h, failingDelivery);
    expect(requests).toHaveLength(1);
    expect(result.explicitAcks).toEqual(result.ids); // no retry into a disabled endpoint
    expect(await deliveryRow(failingDelivery)).toMatchObject({ status: "failed", next_attempt_at: null });
    expect(unwrap(await h.service.getEndpoint(p, failing.id))).toMatchObject({ enabled: false, disabledReason: "failing", failureCount: 1, consecutiveFailures: 41 });

    const [disabledEvent] = unwrap(await h.service.listEvents(p, { type: "webhook.disabled" })).data;
    expect(disabledEvent).toMatchObject({ data: { endpointId: failing.id, reason: "failing", failingSince: expect.any(String) } });
    const announced = h.events.takeDeliveryIds();
    expect(announced).toHaveLength(1);
    expect(await deliveryRow(announced[0]!)).toMatchObject({ endpoint_id: watcher.id, event_type: "webhook.disabled" });
  });

  it("keeps retrying an endpoint failing for less than 5 days, and a success clears the failure run", async () => {
    const h = harness();
    const p = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(p, { url: "https://flaky.example.com/hook", events: ["*"] }));
    const [first, second] = await fanOut(h, [publish(h, p.orgId, "payment.failed"), publish(h, p.orgId, "payment.received")]);
    await setFailingSince(endpoint.id, new Date(realNow() - 4 * DAY));

    receiver((_, n) => (n === 1 ? new Response("no", { status: 500 }) : new Response("ok")));
    const failed = await deliver(h, first!);
    expect(failed.explicitAcks).toEqual(failed.ids);
    expect(h.events.sent.filter((m) => m.body.kind === "delivery" && m.body.attempt === 2)).toHaveLength(1);
    expect(unwrap(await h.service.getEndpoint(p, endpoint.id))).toMatchObject({ enabled: true, consecutiveFailures: 41 });

    await deliver(h, second!);
    expect(unwrap(await h.service.getEndpoint(p, endpoint.id))).toMatchObject({ enabled: true, failingSince: null, consecutiveFailures: 0, successCount: 1 });
    expect(unwrap(await h.service.listEvents(p, { type: "webhook.disabled" })).data).toEqual([]);
  });

  it("abandons scheduled deliveries of a disabled endpoint without sending them", async () => {
    const h = harness();
    const p = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(p, { url: "https://paused.example.com/hook", events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);
    await h.service.updateEndpoint(p, endpoint.id, { enabled: false });
    const { requests } = receiver();
    const result = await deliver(h, deliveryId!);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(requests).toEqual([]);
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "failed", attempt_count: 0 });
  });
});
