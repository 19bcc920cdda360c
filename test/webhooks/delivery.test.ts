import { afterEach, describe, expect, it, vi } from "vitest";
import { jitteredDelay } from "../../workers/webhooks/src/attempt.service.ts";
import {
  attemptRows,
  DEAD_LETTER_QUEUE,
  db,
  deliver,
  deliveryRow,
  errorOf,
  fanOut,
  harness,
  newPrincipal,
  publish,
  receiver,
  runBatch,
  travelTo,
  unwrap,
  type Harness,
} from "./harness.ts";
import { realNow } from "../support/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const URL_A = "https://hooks.example.com/openinsure";

async function oneDelivery(h: Harness, type = "policy.bound") {
  const p = newPrincipal();
  const endpoint = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
  const event = publish(h, p.orgId, type);
  const [deliveryId] = await fanOut(h, [event]);
  return { p, endpoint, event, deliveryId: deliveryId! };
}

/** Let the scheduled delay pass, then let the queue redeliver the message (attempts + 1). */
async function redeliver(h: Harness, deliveryId: string, attempts: number) {
  travelTo(realNow() + 60_000);
  return deliver(h, deliveryId, { attempts });
}

describe("delivery attempts and retries", () => {
  it("retries a receiver that fails twice, then succeeds: three attempt rows under one webhook-id", async () => {
    const h = harness();
    const { p, endpoint, event, deliveryId } = await oneDelivery(h);
    const { requests } = receiver((_, n) => (n < 3 ? new Response("try later", { status: 500 }) : new Response("ok")));

    const first = await deliver(h, deliveryId);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 1 }]); // 1 s ± 20%
    expect(first.explicitAcks).toEqual([]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "retrying", attempt_count: 1 });

    const second = await redeliver(h, deliveryId, 2);
    expect(second.retryMessages).toEqual([{ msgId: second.ids[0], delaySeconds: 2 }]); // 2 s ± 20%
    const third = await redeliver(h, deliveryId, 3);
    expect(third.explicitAcks).toEqual(third.ids);
    expect(third.retryMessages).toEqual([]);

    expect(requests.map((r) => r.headers.get("webhook-id"))).toEqual([event.id, event.id, event.id]);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    const rows = await attemptRows(deliveryId);
    expect(rows.map((r) => [r.attempt, r.status_code])).toEqual([[1, 500], [2, 500], [3, 200]]);
    expect(rows[0]!.next_attempt_at).not.toBeNull();
    expect(rows[1]!.next_attempt_at).not.toBeNull();
    expect(rows[2]!.next_attempt_at).toBeNull();

    const [delivery] = unwrap(await h.service.listDeliveries(p, endpoint.id, {})).data;
    expect(delivery).toMatchObject({ id: deliveryId, eventId: event.id, eventType: "policy.bound", status: "succeeded", attemptCount: 3, nextAttemptAt: null });
    expect(delivery!.attempts).toHaveLength(3);
    expect(delivery!.attempts[0]).toMatchObject({ attempt: 1, statusCode: 500, responseExcerpt: "try later", error: null, nextAttemptAt: expect.any(String) });
    expect(unwrap(await h.service.getEndpoint(p, endpoint.id))).toMatchObject({ successCount: 1, failureCount: 0, consecutiveFailures: 0, failingSince: null, lastDeliveryAt: expect.any(String) });
  });

  it("marks a permanently failing delivery failed after the last scheduled attempt and dead-letters it", async () => {
    const h = harness(); // schedule "1,2,4": four attempts
    const { p, endpoint, deliveryId } = await oneDelivery(h);
    const { requests } = receiver(() => new Response("down", { status: 502 }));

    const delays: (number | undefined)[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = attempt === 1 ? await deliver(h, deliveryId) : await redeliver(h, deliveryId, attempt);
      delays.push(result.retryMessages[0]?.delaySeconds);
    }
    expect(delays[0]).toBe(1);
    expect(delays[1]).toBe(2);
    expect(delays[2]).toBeGreaterThanOrEqual(3);
    expect(delays[2]).toBeLessThanOrEqual(5);
    expect(h.dlq.sent).toEqual([]);

    const last = await redeliver(h, deliveryId, 4);
    expect(last.explicitAcks).toEqual(last.ids);
    expect(last.retryMessages).toEqual([]);
    expect(requests).toHaveLength(4);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempt_count: 4, next_attempt_at: null, dead_lettered_at: null });
    expect((await attemptRows(deliveryId)).at(-1)).toMatchObject({ attempt: 4, status_code: 502, next_attempt_at: null });
    expect(h.dlq.sent).toEqual([{ body: { kind: "delivery", deliveryId } }]);

    // The DLQ consumer records it and acks.
    const dead = await runBatch(h, DEAD_LETTER_QUEUE, [{ body: h.dlq.sent[0]!.body }]);
    expect(dead.explicitAcks).toEqual(dead.ids);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", dead_lettered_at: expect.any(String) });
    expect(unwrap(await h.service.getEndpoint(p, endpoint.id))).toMatchObject({ successCount: 0, failureCount: 1, consecutiveFailures: 4, failingSince: expect.any(String), enabled: true });

    // A stale copy of the message changes nothing.
    const stale = await deliver(h, deliveryId, { attempts: 5 });
    expect(stale.explicitAcks).toEqual(stale.ids);
    expect(requests).toHaveLength(4);
  });

  it("aborts an attempt after WEBHOOK_TIMEOUT_MS and records it without a status code", async () => {
    const h = harness({ WEBHOOK_TIMEOUT_MS: "30" });
    const { deliveryId } = await oneDelivery(h);
    const signals: (AbortSignal | null | undefined)[] = [];
    // A receiver that never answers: only the attempt's own signal ends the request.
    vi.spyOn(globalThis, "fetch").mockImplementation((_input, init) => {
      signals.push(init?.signal);
      return new Promise((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason)));
    });
    const result = await deliver(h, deliveryId);
    expect(signals[0]?.aborted).toBe(true);
    expect(result.retryMessages).toHaveLength(1);
    expect((await attemptRows(deliveryId))[0]).toMatchObject({ status_code: null, error: "timed out after 30 ms" });
  });

  it("keeps at most 512 characters of a response body", async () => {
    const h = harness();
    const { deliveryId } = await oneDelivery(h);
    receiver(() => new Response("x".repeat(5_000), { status: 500 }));
    await deliver(h, deliveryId);
    const row = await db()
      .prepare("SELECT response_excerpt FROM webhook_delivery_attempts WHERE delivery_id = ? AND attempt = 1")
      .bind(deliveryId)
      .first<{ response_excerpt: string }>();
    expect(row!.response_excerpt).toBe("x".repeat(512));
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const h = harness();
    const { deliveryId } = await oneDelivery(h);
    const { requests } = receiver(() => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    const result = await deliver(h, deliveryId);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.redirect).toBe("manual");
    expect(result.retryMessages).toHaveLength(1);
    expect((await attemptRows(deliveryId))[0]).toMatchObject({ status_code: 302, error: "redirects are not followed" });
  });

  it("retryDelivery re-queues a failed delivery with the same event id and continues the attempt numbers", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "1" });
    const { p, endpoint, event, deliveryId } = await oneDelivery(h);
    const { requests } = receiver((_, n) => (n <= 2 ? new Response("no", { status: 500 }) : new Response("ok")));
    await deliver(h, deliveryId);
    const oldMessageSentAt = new Date(realNow());
    await redeliver(h, deliveryId, 2);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempt_count: 2 });

    travelTo(realNow() + 60_000);
    const requeued = unwrap(await h.service.retryDelivery(p, endpoint.id, deliveryId));
    expect(requeued).toMatchObject({ id: deliveryId, status: "pending", attemptCount: 2 });
    expect(h.events.sent).toEqual([{ body: { kind: "delivery", deliveryId } }]);
    h.events.sent.length = 0;

    // A copy of a message from the schedule it replaced is ignored...
    const old = await deliver(h, deliveryId, { timestamp: oldMessageSentAt, attempts: 3 });
    expect(old.explicitAcks).toEqual(old.ids);
    expect(requests).toHaveLength(2);
    // ...the new message attempts it.
    const fresh = await deliver(h, deliveryId);
    expect(fresh.explicitAcks).toEqual(fresh.ids);
    expect(requests).toHaveLength(3);
    expect(requests[2]!.headers.get("webhook-id")).toBe(event.id);
    expect((await attemptRows(deliveryId)).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "succeeded", attempt_count: 3 });
  });

  it("retryDelivery refuses while the endpoint is disabled", async () => {
    const h = harness();
    const { p, endpoint, deliveryId } = await oneDelivery(h);
    await h.service.updateEndpoint(p, endpoint.id, { enabled: false });
    expect(errorOf(await h.service.retryDelivery(p, endpoint.id, deliveryId))).toMatchObject({ code: "invalid_state_transition" });
    expect(h.events.sent).toEqual([]);
  });

  it("filters and paginates an endpoint's deliveries", async () => {
    const h = harness();
    const p = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const ids = await fanOut(h, [publish(h, p.orgId, "policy.bound"), publish(h, p.orgId, "claim.filed"), publish(h, p.orgId, "payment.failed")]);
    receiver(() => new Response("ok"));
    await deliver(h, ids[0]!);
    const succeeded = unwrap(await h.service.listDeliveries(p, endpoint.id, { status: "succeeded" }));
    expect(succeeded.data.map((d) => d.id)).toEqual([ids[0]]);
    const pending = unwrap(await h.service.listDeliveries(p, endpoint.id, { status: "pending", limit: 1 }));
    expect(pending.data).toHaveLength(1);
    const rest = unwrap(await h.service.listDeliveries(p, endpoint.id, { status: "pending", limit: 1, cursor: pending.nextCursor! }));
    expect(rest).toMatchObject({ data: [{ status: "pending" }], nextCursor: null });
    expect(errorOf(await h.service.listDeliveries(p, endpoint.id, { status: "done" as never }))).toMatchObject({ details: { field: "status" } });
  });

  it("jitters each delay within ±20% in whole seconds, capped at the queue's 12-hour maximum", () => {
    expect(jitteredDelay(300, () => 0)).toBe(240);
    expect(jitteredDelay(300, () => 0.999999)).toBe(360);
    expect(jitteredDelay(5, () => 0.5)).toBe(5);
    expect(jitteredDelay(36_000, () => 0.999999)).toBe(43_200);
    expect(jitteredDelay(0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = jitteredDelay(1800);
      expect(d).toBeGreaterThanOrEqual(1440);
      expect(d).toBeLessThanOrEqual(2160);
    }
  });
});
