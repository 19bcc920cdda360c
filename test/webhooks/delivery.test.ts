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

/** Let the scheduled delay pass, then let the queue deliver the message for attempt `attempt`. */
async function redeliver(h: Harness, deliveryId: string, attempt: number) {
  travelTo(realNow() + 60_000);
  return deliver(h, deliveryId, { attempt });
}

/** The `{kind: "delivery"}` messages the consumer sent since the last call, with their delays; clears them. */
function takeSent(h: Harness) {
  const sent = [...h.events.sent];
  h.events.sent.length = 0;
  return sent;
}

describe("delivery attempts and retries", () => {
  it("retries a receiver that fails twice, then succeeds: three attempt rows under one webhook-id", async () => {
    const h = harness();
    const { p, endpoint, event, deliveryId } = await oneDelivery(h);
    const { requests } = receiver((_, n) => (n < 3 ? new Response("try later", { status: 500 }) : new Response("ok")));

    const first = await deliver(h, deliveryId);
    // The attempt's message is acked; the next attempt is a new message, delayed by the schedule.
    expect(first.explicitAcks).toEqual(first.ids);
    expect(first.retryMessages).toEqual([]);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId, attempt: 2 }, delaySeconds: 1 }]); // 1 s ± 20%
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "retrying", attempt_count: 1 });

    const second = await redeliver(h, deliveryId, 2);
    expect(second.explicitAcks).toEqual(second.ids);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId, attempt: 3 }, delaySeconds: 2 }]); // 2 s ± 20%
    const third = await redeliver(h, deliveryId, 3);
    expect(third.explicitAcks).toEqual(third.ids);
    expect(third.retryMessages).toEqual([]);
    expect(takeSent(h)).toEqual([]);

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
      expect(result.explicitAcks).toEqual(result.ids);
      const [next] = takeSent(h);
      expect(next!.body).toEqual({ kind: "delivery", deliveryId, attempt: attempt + 1 });
      delays.push(next!.delaySeconds);
    }
    expect(delays[0]).toBe(1);
    expect(delays[1]).toBe(2);
    expect(delays[2]).toBeGreaterThanOrEqual(3);
    expect(delays[2]).toBeLessThanOrEqual(5);
    expect(h.dlq.sent).toEqual([]);

    const last = await redeliver(h, deliveryId, 4);
    expect(last.explicitAcks).toEqual(last.ids);
    expect(last.retryMessages).toEqual([]);
    expect(takeSent(h)).toEqual([]);
    expect(requests).toHaveLength(4);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempt_count: 4, next_attempt_at: null, dead_lettered_at: null });
    expect((await attemptRows(deliveryId)).at(-1)).toMatchObject({ attempt: 4, status_code: 502, next_attempt_at: null });
    expect(h.dlq.sent).toEqual([{ body: { kind: "delivery", deliveryId } }]);

    // The DLQ consumer records it and acks.
    const dead = await runBatch(h, DEAD_LETTER_QUEUE, [{ body: h.dlq.sent[0]!.body }]);
    expect(dead.explicitAcks).toEqual(dead.ids);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", dead_lettered_at: expect.any(String) });
    expect(unwrap(await h.service.getEndpoint(p, endpoint.id))).toMatchObject({ successCount: 0, failureCount: 1, consecutiveFailures: 4, failingSince: expect.any(String), enabled: true });

    // A stale copy of a message changes nothing.
    const stale = await deliver(h, deliveryId, { attempt: 4, attempts: 5 });
    expect(stale.explicitAcks).toEqual(stale.ids);
    expect(requests).toHaveLength(4);
  });

  it("runs the production schedule as one delayed message per attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h ±20%, then failed", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: undefined }); // unset: the production schedule
    const { deliveryId } = await oneDelivery(h);
    const { requests } = receiver(() => new Response("down", { status: 503 }));
    const schedule = [5, 300, 1800, 7200, 18000, 36000, 36000];
    let at = realNow();
    for (let attempt = 1; attempt <= 8; attempt++) {
      travelTo(at);
      // Each attempt's message has been delivered once: the queue's retry budget is untouched.
      const result = await deliver(h, deliveryId, { attempt, attempts: 1 });
      expect(result.explicitAcks).toEqual(result.ids);
      expect(result.retryMessages).toEqual([]);
      const sent = takeSent(h);
      if (attempt === 8) {
        expect(sent).toEqual([]);
        break;
      }
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toEqual({ kind: "delivery", deliveryId, attempt: attempt + 1 });
      const base = schedule[attempt - 1]!;
      expect(sent[0]!.delaySeconds).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(sent[0]!.delaySeconds).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      at += sent[0]!.delaySeconds! * 1000;
    }
    expect(requests).toHaveLength(8);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempt_count: 8 });
    expect(h.dlq.sent).toEqual([{ body: { kind: "delivery", deliveryId } }]);
  });

  it("retries a transient consumer error as the same message without spending the retry schedule", async () => {
    const h = harness();
    const { deliveryId } = await oneDelivery(h);
    const { requests } = receiver(() => new Response("down", { status: 500 }));
    // D1 hiccups: the first read of the delivery throws.
    const real = h.env.WEBHOOKS_DB;
    let hiccups = 1;
    h.env.WEBHOOKS_DB = new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare" && hiccups > 0) {
          hiccups -= 1;
          return () => {
            throw new Error("D1_ERROR: network connection lost");
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const errored = await deliver(h, deliveryId, { attempts: 9 });
    expect(errored.retryMessages).toEqual([{ msgId: errored.ids[0], delaySeconds: 3600 }]);
    expect(requests).toHaveLength(0);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "pending", attempt_count: 0 });

    // The queue redelivers it (its 10th delivery): the attempt runs and the next one is a fresh message.
    const retried = await deliver(h, deliveryId, { attempts: 10 });
    expect(retried.explicitAcks).toEqual(retried.ids);
    expect(requests).toHaveLength(1);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId, attempt: 2 }, delaySeconds: 1 }]);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "retrying", attempt_count: 1 });
  });

  it("never sends an attempt twice: a duplicate is acked, a redelivered copy only re-sends the next attempt's message", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "60,120" });
    const { deliveryId } = await oneDelivery(h);
    const { requests } = receiver(() => new Response("down", { status: 500 }));
    await deliver(h, deliveryId);
    expect(requests).toHaveLength(1);
    const [next] = takeSent(h);
    expect(next).toMatchObject({ body: { attempt: 2 } });

    // A duplicate of attempt 1's message (the queue delivers at least once): nothing happens.
    const duplicate = await deliver(h, deliveryId, { attempt: 1 });
    expect(duplicate.explicitAcks).toEqual(duplicate.ids);
    expect(requests).toHaveLength(1);
    expect(takeSent(h)).toEqual([]);

    // A redelivery of attempt 1 (as if the consumer crashed after recording it, before sending the
    // next message): still no request, but attempt 2's message is sent for the time it is due.
    travelTo(realNow() + 20_000);
    const redelivered = await deliver(h, deliveryId, { attempt: 1, attempts: 2 });
    expect(redelivered.explicitAcks).toEqual(redelivered.ids);
    expect(requests).toHaveLength(1);
    const [again] = takeSent(h);
    expect(again!.body).toEqual({ kind: "delivery", deliveryId, attempt: 2 });
    expect(again!.delaySeconds).toBeGreaterThanOrEqual(next!.delaySeconds! - 21);
    expect(again!.delaySeconds).toBeLessThanOrEqual(next!.delaySeconds! - 19);

    // Attempt 2 arriving early goes back for the time left; on time it is sent, once.
    const early = await deliver(h, deliveryId, { attempt: 2 });
    expect(early.explicitAcks).toEqual(early.ids);
    expect(requests).toHaveLength(1);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId, attempt: 2 }, delaySeconds: again!.delaySeconds }]);
    travelTo(realNow() + 120_000);
    await deliver(h, deliveryId, { attempt: 2 });
    await deliver(h, deliveryId, { attempt: 2 });
    expect(requests).toHaveLength(2);
    expect((await attemptRows(deliveryId)).map((r) => r.attempt)).toEqual([1, 2]);
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
    expect(h.events.sent.filter((m) => m.body.kind === "delivery" && m.body.attempt === 2)).toHaveLength(1);
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
    expect(h.events.sent.filter((m) => m.body.kind === "delivery" && m.body.attempt === 2)).toHaveLength(1);
    expect((await attemptRows(deliveryId))[0]).toMatchObject({ status_code: 302, error: "redirects are not followed" });
  });

  it("retryDelivery re-queues a failed delivery with the same event id and continues the attempt numbers", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "1" });
    const { p, endpoint, event, deliveryId } = await oneDelivery(h);
    const { requests } = receiver((_, n) => (n <= 2 ? new Response("no", { status: 500 }) : new Response("ok")));
    await deliver(h, deliveryId);
    h.events.sent.length = 0;
    const oldMessageSentAt = new Date(realNow());
    await redeliver(h, deliveryId, 2);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "failed", attempt_count: 2 });

    travelTo(realNow() + 60_000);
    const requeued = unwrap(await h.service.retryDelivery(p, endpoint.id, deliveryId));
    expect(requeued).toMatchObject({ id: deliveryId, status: "pending", attemptCount: 2 });
    expect(h.events.sent).toEqual([{ body: { kind: "delivery", deliveryId, attempt: 3 } }]);
    h.events.sent.length = 0;

    // A copy of a message from the schedule it replaced is ignored...
    const old = await deliver(h, deliveryId, { timestamp: oldMessageSentAt, attempt: 3 });
    expect(old.explicitAcks).toEqual(old.ids);
    expect(requests).toHaveLength(2);
    // ...the new message attempts it.
    const fresh = await deliver(h, deliveryId, { attempt: 3 });
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
