/**
 * Ordered delivery per subject (workers/webhooks/src/ordering.ts): a delivery waits while an earlier
 * event of its subject has an unfinished delivery to the same endpoint. The queue is driven by hand:
 * each test feeds the consumer the messages in the order that hurts, and reads what it sent back.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import type { EventEnvelope } from "#shared/events";
import { findDeliveryForAttemptQuery } from "../../workers/webhooks/src/deliveries.repo.ts";
import { MAX_WAIT_SECONDS, WAIT_SECONDS } from "../../workers/webhooks/src/ordering.ts";
import {
  db,
  DEAD_LETTER_QUEUE,
  deliver,
  deliveryRow,
  EVENTS_QUEUE,
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
import { realIso, realNow } from "../support/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const URL_A = "https://hooks.example.com/a";
const URL_B = "https://hooks.example.com/b";

/** Events of `types` about one claim, `stepMs` apart in occurrence (envelope timestamps). */
function claimEvents(h: Harness, orgId: string, claimId: string, types: string[], stepMs = 5): EventEnvelope[] {
  const base = realNow();
  return types.map((type, i) => {
    const e = publish(h, orgId, type, { claimId, policyId: "pol_x" });
    e.timestamp = new Date(base + i * stepMs).toISOString();
    return e;
  });
}

/** The delivery of `event` to `endpointId`. */
async function deliveryOf(event: EventEnvelope, endpointId: string): Promise<string> {
  const id = await db().prepare("SELECT id FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?").bind(event.id, endpointId).first<string>("id");
  if (!id) throw new Error(`no delivery of ${event.id} to ${endpointId}`);
  return id;
}

/** The `{kind: "delivery"}` messages sent since the last call (with delays); clears them. */
function takeSent(h: Harness) {
  const sent = [...h.events.sent];
  h.events.sent.length = 0;
  return sent;
}

/** The event ids the receiver was sent, in arrival order. */
const arrivals = (requests: { headers: Headers }[]) => requests.map((r) => r.headers.get("webhook-id"));

async function setup(h: Harness, events: string[] = ["*"]) {
  const p = newPrincipal();
  const endpoint = unwrap(await h.service.createEndpoint(p, { url: URL_A, events }));
  return { p, endpoint };
}

describe("ordered delivery per subject", () => {
  it("holds the later event of a claim whose message comes first, then delivers both in occurrence order", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order1", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    const { requests } = receiver();

    // The later one's message is processed first: nothing is sent, it is put back for a short wait.
    const held = await deliver(h, dReserved);
    expect(held.explicitAcks).toEqual(held.ids);
    expect(requests).toHaveLength(0);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 1 }, delaySeconds: WAIT_SECONDS }]);
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "pending", attempt_count: 0 });

    // The earlier one goes; finishing, it sends the next of its subject at once.
    await deliver(h, dFiled);
    expect(arrivals(requests)).toEqual([filed!.id]);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 1 } }]);

    await deliver(h, dReserved);
    expect(arrivals(requests)).toEqual([filed!.id, reserved!.id]);
    // The poll that was put back finds it done and sends nothing.
    await deliver(h, dReserved);
    expect(requests).toHaveLength(2);
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "succeeded", attempt_count: 1, subject: "claim:clm_order1", occurred_at: reserved!.timestamp });
  });

  it("orders a whole claim, filed … closed, whatever order its messages come in", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h, ["claim.*"]);
    const events = claimEvents(h, p.orgId, "clm_order2", ["claim.filed", "claim.reserved", "claim.settled", "claim.closed"]);
    await fanOut(h, [...events].reverse());
    const ids = await Promise.all(events.map((e) => deliveryOf(e, endpoint.id)));
    const { requests } = receiver();

    // Every message, latest first; then, as a queue would, what each run sent: the messages due
    // soonest first (undelayed ones before any delayed poll), until nothing is left.
    let queue: { deliveryId: string; attempt: number; delaySeconds: number }[] = [...ids].reverse().map((deliveryId) => ({ deliveryId, attempt: 1, delaySeconds: 0 }));
    for (let round = 0; queue.length > 0 && round < 20; round++) {
      const soonest = Math.min(...queue.map((m) => m.delaySeconds));
      const due = queue.filter((m) => m.delaySeconds === soonest);
      if (soonest > 0) travelTo(realNow() + soonest * 1000);
      const result = await runBatch(h, EVENTS_QUEUE, due.map(({ deliveryId, attempt }) => ({ body: { kind: "delivery", deliveryId, attempt } })));
      expect(result.explicitAcks.sort()).toEqual(result.ids.sort());
      queue = [
        ...queue.filter((m) => m.delaySeconds !== soonest).map((m) => ({ ...m, delaySeconds: m.delaySeconds - soonest })),
        ...takeSent(h).flatMap((m) => (m.body.kind === "delivery" ? [{ deliveryId: m.body.deliveryId, attempt: m.body.attempt ?? 1, delaySeconds: m.delaySeconds ?? 0 }] : [])),
      ];
    }
    expect(queue).toEqual([]);
    expect(arrivals(requests)).toEqual(events.map((e) => e.id));
  });

  it("holds the later event while the earlier one fails twice, and delivers it only after the earlier one succeeds", async () => {
    const h = harness(); // schedule "1,2,4"
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order3", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    let filedCalls = 0;
    const { requests } = receiver((r) => (r.headers.get("webhook-id") === filed!.id && ++filedCalls <= 2 ? new Response("down", { status: 503 }) : new Response("ok")));

    await deliver(h, dFiled);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dFiled, attempt: 2 }, delaySeconds: 1 }]);
    // The later one waits for the earlier one's next attempt (1 s) and a margin for its outcome.
    await deliver(h, dReserved);
    const [wait] = takeSent(h);
    expect(wait!.body).toEqual({ kind: "delivery", deliveryId: dReserved, attempt: 1 });
    expect(wait!.delaySeconds).toBeGreaterThanOrEqual(WAIT_SECONDS);
    expect(wait!.delaySeconds).toBeLessThanOrEqual(WAIT_SECONDS + 2);

    travelTo(realNow() + 60_000);
    await deliver(h, dFiled, { attempt: 2 });
    takeSent(h);
    await deliver(h, dReserved);
    expect(takeSent(h)).toMatchObject([{ body: { deliveryId: dReserved, attempt: 1 } }]);
    expect(arrivals(requests)).toEqual([filed!.id, filed!.id]);

    travelTo(realNow() + 60_000);
    await deliver(h, dFiled, { attempt: 3 });
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 1 } }]);
    await deliver(h, dReserved);
    expect(arrivals(requests)).toEqual([filed!.id, filed!.id, filed!.id, reserved!.id]);
    expect(await deliveryRow(dFiled)).toMatchObject({ status: "succeeded", attempt_count: 3 });
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "succeeded", attempt_count: 1 });
  });

  it("lets the later event go once the earlier one has failed for good (head-of-line blocking ends with the schedule)", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "1" }); // two attempts
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order4", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    const { requests } = receiver((r) => (r.headers.get("webhook-id") === filed!.id ? new Response("down", { status: 500 }) : new Response("ok")));

    await deliver(h, dFiled);
    takeSent(h);
    await deliver(h, dReserved);
    expect(takeSent(h)).toMatchObject([{ body: { deliveryId: dReserved } }]);
    travelTo(realNow() + 60_000);
    await deliver(h, dFiled, { attempt: 2 });
    expect(await deliveryRow(dFiled)).toMatchObject({ status: "failed", attempt_count: 2 });
    expect(h.dlq.sent).toEqual([{ body: { kind: "delivery", deliveryId: dFiled } }]);
    // Failed for good, it holds nothing: the next of its subject is sent at once.
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 1 } }]);
    await runBatch(h, DEAD_LETTER_QUEUE, [{ body: h.dlq.sent[0]!.body }]);

    await deliver(h, dReserved);
    expect(arrivals(requests)).toEqual([filed!.id, filed!.id, reserved!.id]);
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "succeeded" });
  });

  it("abandons a delivery of a disabled endpoint at once rather than holding it behind its subject", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order5", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    const { requests } = receiver();
    await h.service.updateEndpoint(p, endpoint.id, { enabled: false });
    // A disabled endpoint's delivery is abandoned at once, not held behind its subject.
    const abandoned = await deliver(h, dReserved);
    expect(abandoned.explicitAcks).toEqual(abandoned.ids);
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "failed" });
    expect(requests).toHaveLength(0);
  });

  it("does not serialize different subjects, different endpoints, or events without a subject", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const other = unwrap(await h.service.createEndpoint(p, { url: URL_B, events: ["claim.reserved", "compliance.deadline_approaching"] }));
    const [filed1] = claimEvents(h, p.orgId, "clm_one", ["claim.filed"]);
    const [reserved1] = claimEvents(h, p.orgId, "clm_one", ["claim.reserved"]);
    const [reserved2] = claimEvents(h, p.orgId, "clm_two", ["claim.reserved"]);
    const reminder = publish(h, p.orgId, "compliance.deadline_approaching", { filingType: "surplus_lines_tax", state: null, dueDate: "2027-01-31" });
    const reminder2 = publish(h, p.orgId, "compliance.deadline_approaching", { filingType: "surplus_lines_tax", state: null, dueDate: "2027-02-28" });
    await fanOut(h, [filed1!, reserved1!, reserved2!, reminder, reminder2]);
    const { requests } = receiver();

    // claim two's event goes while claim one's filing is still pending to the same endpoint.
    await deliver(h, await deliveryOf(reserved2!, endpoint.id));
    // claim one's later event goes to the other endpoint, which has no earlier event of the claim.
    await deliver(h, await deliveryOf(reserved1!, other.id));
    // Events without a subject are never held, the later before the earlier.
    await deliver(h, await deliveryOf(reminder2, endpoint.id));
    await deliver(h, await deliveryOf(reminder, endpoint.id));
    expect(requests.map((r) => [r.url, r.headers.get("webhook-id")])).toEqual([
      [URL_A, reserved2!.id],
      [URL_B, reserved1!.id],
      [URL_A, reminder2.id],
      [URL_A, reminder.id],
    ]);
    expect(takeSent(h)).toEqual([]);
    // Only claim one's later event to the first endpoint is held.
    await deliver(h, await deliveryOf(reserved1!, endpoint.id));
    expect(requests).toHaveLength(4);
  });

  it("never holds a test send, even behind the endpoint's unfinished deliveries", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    await fanOut(h, claimEvents(h, p.orgId, "clm_order6", ["claim.filed", "claim.reserved"]));
    const { requests } = receiver();
    const test = unwrap(await h.service.sendTest(p, endpoint.id));
    expect(test).toMatchObject({ eventType: "webhook.test", status: "succeeded", attemptCount: 1 });
    expect(requests).toHaveLength(1);
    expect(await deliveryRow(test.id)).toMatchObject({ subject: null });
  });

  it("holds a delivery whose event was ingested before an earlier one of its subject", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order7", ["claim.filed", "claim.reserved"]);
    // The later event's message is ingested first (its own batch), then the earlier one's.
    await fanOut(h, [reserved!]);
    await fanOut(h, [filed!]);
    const { requests } = receiver();
    await deliver(h, await deliveryOf(reserved!, endpoint.id));
    expect(requests).toHaveLength(0);
    await deliver(h, await deliveryOf(filed!, endpoint.id));
    await deliver(h, await deliveryOf(reserved!, endpoint.id));
    expect(arrivals(requests)).toEqual([filed!.id, reserved!.id]);
  });

  it("stores a whole batch of events before it enqueues any of their deliveries", async () => {
    const h = harness();
    const { p } = await setup(h);
    const events = claimEvents(h, p.orgId, "clm_order8", ["claim.filed", "claim.reserved", "claim.closed"]);
    const counts: number[] = [];
    const sendBatch = h.events.sendBatch.bind(h.events);
    vi.spyOn(h.events, "sendBatch").mockImplementation(async (messages) => {
      counts.push((await db().prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE subject = 'claim:clm_order8'").first<number>("n"))!);
      return sendBatch(messages);
    });
    await fanOut(h, [...events].reverse());
    expect(counts).toEqual([3, 3, 3]);
  });

  it("waits at most 15 minutes between looks at a head retrying hours out, and re-sends a head whose message was lost", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "36000" });
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order9", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    receiver(() => new Response("down", { status: 500 }));
    await deliver(h, dFiled);
    takeSent(h);
    await deliver(h, dReserved);
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 1 }, delaySeconds: MAX_WAIT_SECONDS }]);

    // The head's retry was due two hours ago and never ran (its message lost): the waiting one sends it again.
    await db().prepare("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?").bind(realIso(-2 * 3_600_000), dFiled).run();
    await deliver(h, dReserved);
    expect(takeSent(h)).toEqual([
      { body: { kind: "delivery", deliveryId: dReserved, attempt: 1 }, delaySeconds: WAIT_SECONDS },
      { body: { kind: "delivery", deliveryId: dFiled, attempt: 2 } },
    ]);
  });

  it("a manual retry of a later delivery waits its turn, and one of the earlier delivery frees it", async () => {
    const h = harness({ WEBHOOK_RETRY_SCHEDULE: "1" }); // two attempts per schedule
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order10", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    let up = false;
    const { requests } = receiver(() => (up ? new Response("ok") : new Response("down", { status: 500 })));
    // The earlier one fails for good; the later one is then sent and fails for good too.
    await deliver(h, dFiled);
    travelTo(realNow() + 60_000);
    await deliver(h, dFiled, { attempt: 2 });
    await deliver(h, dReserved);
    travelTo(realNow() + 120_000);
    await deliver(h, dReserved, { attempt: 2 });
    expect(await deliveryRow(dReserved)).toMatchObject({ status: "failed", attempt_count: 2 });
    takeSent(h);

    // Retried by hand, in the order the integrator chooses: the earlier one first, then the later one.
    up = true;
    unwrap(await h.service.retryDelivery(p, endpoint.id, dFiled));
    unwrap(await h.service.retryDelivery(p, endpoint.id, dReserved));
    expect(takeSent(h).map((m) => m.body)).toEqual([
      { kind: "delivery", deliveryId: dFiled, attempt: 3 },
      { kind: "delivery", deliveryId: dReserved, attempt: 3 },
    ]);
    travelTo(realNow() + 180_000);
    // The later one's message first: held behind the retried earlier one, which then frees it.
    await deliver(h, dReserved, { attempt: 3 });
    expect(takeSent(h)).toMatchObject([{ body: { deliveryId: dReserved, attempt: 3 }, delaySeconds: WAIT_SECONDS }]);
    await deliver(h, dFiled, { attempt: 3 });
    expect(takeSent(h)).toEqual([{ body: { kind: "delivery", deliveryId: dReserved, attempt: 3 } }]);
    await deliver(h, dReserved, { attempt: 3 });
    expect(arrivals(requests).slice(-2)).toEqual([filed!.id, reserved!.id]);
  });

  it("sends once when the chain's message and the poll of one delivery land in one batch", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const [filed, reserved] = claimEvents(h, p.orgId, "clm_order11", ["claim.filed", "claim.reserved"]);
    await fanOut(h, [filed!, reserved!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const dReserved = await deliveryOf(reserved!, endpoint.id);
    const { requests } = receiver();
    await deliver(h, dReserved); // held: its poll
    await deliver(h, dFiled); // done: the chain's message
    const sent = takeSent(h);
    expect(sent.map((m) => m.body)).toEqual([
      { kind: "delivery", deliveryId: dReserved, attempt: 1 },
      { kind: "delivery", deliveryId: dReserved, attempt: 1 },
    ]);
    const both = await runBatch(h, EVENTS_QUEUE, sent.map((m) => ({ body: m.body })));
    expect(both.explicitAcks.sort()).toEqual(both.ids.sort());
    expect(arrivals(requests)).toEqual([filed!.id, reserved!.id]);
  });

  it("runs the newest of two copies in one batch, so a copy from before a manual retry does not swallow the retry", async () => {
    const h = harness();
    const { p, endpoint } = await setup(h);
    const [filed] = claimEvents(h, p.orgId, "clm_order12", ["claim.filed"]);
    await fanOut(h, [filed!]);
    const dFiled = await deliveryOf(filed!, endpoint.id);
    const before = new Date(realNow());
    travelTo(realNow() + 60_000);
    unwrap(await h.service.retryDelivery(p, endpoint.id, dFiled));
    takeSent(h);
    const { requests } = receiver();
    const body = { kind: "delivery", deliveryId: dFiled, attempt: 1 };
    const result = await runBatch(h, EVENTS_QUEUE, [{ body, timestamp: before }, { body }]);
    expect(result.explicitAcks.sort()).toEqual(result.ids.sort());
    expect(arrivals(requests)).toEqual([filed!.id]);
  });

  it("reads the gate with the attempt's own read of the delivery: one statement, one parameter, a seek into the partial index", async () => {
    const query = findDeliveryForAttemptQuery(drizzle(db()), "whd_x").toSQL();
    expect(query.params).toEqual(["whd_x"]);
    const { results } = await db().prepare(`EXPLAIN QUERY PLAN ${query.sql}`).bind(...query.params).all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join("\n");
    expect(plan).toContain("USING INDEX webhook_deliveries_subject_unfinished");
    expect(plan).not.toContain("TEMP B-TREE");
    expect(plan).not.toMatch(/SCAN (webhook_deliveries|other)\b/);
  });
});
