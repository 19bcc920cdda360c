import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "#shared/ids";
import { DEAD_LETTER_QUEUE, db, deliver, deliveryRow, errorOf, EVENTS_QUEUE, fanOut, harness, newPrincipal, publish, receiver, runBatch, unwrap } from "./harness.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const url = (n: number | string) => `https://hooks.example.com/${n}`;

describe("fan-out of events to endpoints", () => {
  it("creates one delivery per matching endpoint: exact, family wildcard and *, enabled and of this org only", async () => {
    const h = harness();
    const p = newPrincipal();
    const mk = async (events: string[]) => unwrap(await h.service.createEndpoint(p, { url: url(events.join("+")), events })).id;
    const exact = await mk(["policy.bound"]);
    const family = await mk(["policy.*"]);
    const all = await mk(["*"]);
    const otherType = await mk(["claim.filed"]);
    const otherFamily = await mk(["submission.*"]);
    const disabled = await mk(["*"]);
    await h.service.updateEndpoint(p, disabled, { enabled: false });
    const deleted = await mk(["*"]);
    await h.service.deleteEndpoint(p, deleted);
    const stranger = newPrincipal();
    unwrap(await h.service.createEndpoint(stranger, { url: url("stranger"), events: ["*"] }));

    const event = publish(h, p.orgId, "policy.bound", { policyId: "pol_x" });
    const deliveryIds = await fanOut(h, [event]);
    const { results } = await db()
      .prepare("SELECT endpoint_id, status, attempt_count, org_id FROM webhook_deliveries WHERE event_id = ?")
      .bind(event.id)
      .all<{ endpoint_id: string; status: string; attempt_count: number; org_id: string }>();
    expect(results.map((r) => r.endpoint_id).sort()).toEqual([exact, family, all].sort());
    expect(results.every((r) => r.status === "pending" && r.attempt_count === 0 && r.org_id === p.orgId)).toBe(true);
    expect(deliveryIds).toHaveLength(3);
    void otherType;
    void otherFamily;

    // The event is in the org's log, exactly as the source recorded it.
    expect(unwrap(await h.service.getEvent(p, event.id))).toEqual(event);
    expect(errorOf(await h.service.getEvent(stranger, event.id))).toMatchObject({ code: "not_found" });
  });

  it("fans out idempotently when the same event message arrives twice", async () => {
    const h = harness();
    const p = newPrincipal();
    const a = unwrap(await h.service.createEndpoint(p, { url: url("a"), events: ["*"] })).id;
    const b = unwrap(await h.service.createEndpoint(p, { url: url("b"), events: ["claim.*"] })).id;
    const event = publish(h, p.orgId, "claim.filed");

    // Twice in one batch, then once more in another (the queue delivers at least once).
    const result = await runBatch(h, EVENTS_QUEUE, [
      { body: { kind: "event", source: "underwriting", eventId: event.id } },
      { body: { kind: "event", source: "underwriting", eventId: event.id } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(result.ids.sort());
    const enqueued = [...h.events.takeDeliveryIds(), ...(await fanOut(h, [event]))];
    const count = await db().prepare("SELECT endpoint_id, count(*) AS n FROM webhook_deliveries WHERE event_id = ? GROUP BY endpoint_id").bind(event.id).all<{ endpoint_id: string; n: number }>();
    expect(Object.fromEntries(count.results.map((r) => [r.endpoint_id, r.n]))).toEqual({ [a]: 1, [b]: 1 });
    expect(await db().prepare("SELECT count(*) AS n FROM events WHERE id = ?").bind(event.id).first("n")).toBe(1);

    // Every copy of a delivery message is absorbed: each endpoint receives the event once.
    expect(new Set(enqueued).size).toBe(2);
    const { requests } = receiver();
    for (const id of enqueued) await deliver(h, id);
    expect(requests.map((r) => r.url).sort()).toEqual([url("a"), url("b")]);

    // Once attempted, a late copy of the event message enqueues nothing.
    expect(await fanOut(h, [event])).toEqual([]);
  });

  it("reads the bodies of a whole batch in one call to the source", async () => {
    const h = harness();
    const p = newPrincipal();
    unwrap(await h.service.createEndpoint(p, { url: url("all"), events: ["*"] }));
    const events = [publish(h, p.orgId, "policy.bound"), publish(h, p.orgId, "policy.cancelled"), publish(h, p.orgId, "da.limit_approaching")];
    const ids = await fanOut(h, events);
    expect(h.reads).toEqual([events.map((e) => e.id)]);
    expect(ids).toHaveLength(3);
  });

  it("stores a batch's events in one D1 batch, and each on its own when that batch fails", async () => {
    /** The webhooks database, recording each batch's size and refusing batches larger than `limit`. */
    const recording = (limit: number) => {
      const sizes: number[] = [];
      const d1 = new Proxy(db(), {
        get(target, prop) {
          if (prop === "batch") {
            return (statements: D1PreparedStatement[]) => {
              sizes.push(statements.length);
              return statements.length > limit ? Promise.reject(new Error("D1 batch refused")) : target.batch(statements);
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      return { d1, sizes };
    };
    for (const limit of [Infinity, 2]) {
      const { d1, sizes } = recording(limit);
      const h = harness({ WEBHOOKS_DB: d1 });
      const p = newPrincipal();
      unwrap(await h.service.createEndpoint(p, { url: url("all"), events: ["*"] }));
      const events = [publish(h, p.orgId, "policy.bound"), publish(h, p.orgId, "policy.cancelled"), publish(h, p.orgId, "claim.filed")];
      sizes.length = 0;
      // Every event is stored with its delivery, acked, and its delivery enqueued, whichever way it was written.
      expect(await fanOut(h, events)).toHaveLength(3);
      const stored = await db().prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE org_id = ?").bind(p.orgId).first("n");
      expect(stored).toBe(3);
      // One batch of three events and three deliveries; refused, then one batch per event.
      expect(sizes).toEqual(limit === Infinity ? [6] : [6, 2, 2, 2]);
    }
  });

  it("lists the org's event log newest first, filtered by type", async () => {
    const h = harness();
    const p = newPrincipal();
    const first = publish(h, p.orgId, "policy.bound");
    await new Promise((r) => setTimeout(r, 5));
    const second = publish(h, p.orgId, "claim.filed");
    await new Promise((r) => setTimeout(r, 5));
    const third = publish(h, p.orgId, "policy.bound");
    await fanOut(h, [first, second, third]);
    publish(h, newId("org"), "policy.bound");

    expect(unwrap(await h.service.listEvents(p, {})).data.map((e) => e.id)).toEqual([third.id, second.id, first.id]);
    expect(unwrap(await h.service.listEvents(p, { type: "policy.bound" })).data.map((e) => e.id)).toEqual([third.id, first.id]);
    const page = unwrap(await h.service.listEvents(p, { limit: 2 }));
    expect(page.data).toHaveLength(2);
    expect(unwrap(await h.service.listEvents(p, { limit: 2, cursor: page.nextCursor! })).data.map((e) => e.id)).toEqual([first.id]);
    expect(errorOf(await h.service.listEvents(p, { type: "nope" }))).toMatchObject({ code: "validation_failed", details: { field: "type" } });
  });
});

describe("queue robustness: each message on its own", () => {
  it("acks garbled and unknown messages, and delivery messages for unknown deliveries", async () => {
    const h = harness();
    const result = await runBatch(h, EVENTS_QUEUE, [
      { body: "not json" },
      { body: null },
      { body: { kind: "nope" } },
      { body: { kind: "event", source: "claims-worker", eventId: "evt_01" } },
      { body: { kind: "event", source: "underwriting" } },
      { body: { kind: "delivery", deliveryId: newId("whd") } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(result.ids.sort());
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
  });

  it("retries only the event messages when the source fails, and a missing event until it gives up", async () => {
    const h = harness();
    const p = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(p, { url: url("x"), events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);
    receiver();

    const failing = harness({
      UNDERWRITING: {
        readEvents: async () => {
          throw new Error("underwriting unavailable");
        },
      },
    });
    const outage = await runBatch(failing, EVENTS_QUEUE, [
      { body: { kind: "event", source: "underwriting", eventId: newId("evt") } },
      { body: { kind: "delivery", deliveryId: deliveryId! } },
      { body: { kind: "event", source: "underwriting", eventId: newId("evt") } },
    ]);
    expect(outage.retryMessages.map((m) => m.msgId).sort()).toEqual([outage.ids[0], outage.ids[2]].sort());
    expect(outage.explicitAcks).toEqual([outage.ids[1]]);
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "succeeded" });

    const known = publish(h, p.orgId, "claim.filed");
    const missingId = newId("evt");
    const early = await runBatch(h, EVENTS_QUEUE, [
      { body: { kind: "event", source: "underwriting", eventId: missingId }, attempts: 1 },
      { body: { kind: "event", source: "underwriting", eventId: known.id } },
    ]);
    expect(early.retryMessages).toEqual([{ msgId: early.ids[0], delaySeconds: 5 }]);
    expect(early.explicitAcks).toEqual([early.ids[1]]);
    const late = await runBatch(h, EVENTS_QUEUE, [{ body: { kind: "event", source: "underwriting", eventId: missingId }, attempts: 3 }]);
    expect(late.explicitAcks).toEqual(late.ids);
    void endpoint;
  });

  it("records a delivery the queue dead-lettered after max_retries as failed, and acks every dead letter", async () => {
    const h = harness();
    const p = newPrincipal();
    unwrap(await h.service.createEndpoint(p, { url: url("dlq"), events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);
    await db().prepare("UPDATE webhook_deliveries SET status = 'retrying', attempt_count = 3 WHERE id = ?").bind(deliveryId).run();
    const result = await runBatch(h, DEAD_LETTER_QUEUE, [
      { body: { kind: "delivery", deliveryId } },
      { body: { kind: "event", source: "underwriting", eventId: newId("evt") } },
      { body: { kind: "delivery", deliveryId: newId("whd") } },
      { body: 42 },
    ]);
    expect(result.explicitAcks.sort()).toEqual(result.ids.sort());
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "failed", next_attempt_at: null, dead_lettered_at: expect.any(String) });
  });

  it("puts a dead-lettered event back on the events queue an hour later instead of losing it", async () => {
    const h = harness();
    const event = { kind: "event", source: "underwriting", eventId: newId("evt") } as const;
    const result = await runBatch(h, DEAD_LETTER_QUEUE, [{ body: event }]);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(h.events.sent).toEqual([{ body: { ...event, requeues: 1 }, delaySeconds: 3600 }]);
    // Round after round, it is never dropped, and the count goes on.
    await runBatch(h, DEAD_LETTER_QUEUE, [{ body: h.events.sent[0]!.body }]);
    expect(h.events.sent[1]).toEqual({ body: { ...event, requeues: 2 }, delaySeconds: 3600 });
  });

  it("backs off a message whose handling errors: 30 s, doubling, at most an hour", async () => {
    const h = harness({
      UNDERWRITING: {
        readEvents: async () => {
          throw new Error("source down");
        },
      },
    });
    const delays: (number | undefined)[] = [];
    for (const attempts of [1, 2, 3, 8, 10]) {
      const result = await runBatch(h, EVENTS_QUEUE, [{ body: { kind: "event", source: "underwriting", eventId: newId("evt") }, attempts }]);
      delays.push(result.retryMessages[0]?.delaySeconds);
    }
    expect(delays).toEqual([30, 60, 120, 3600, 3600]);
  });

  it("acks an event the source answers malformed rather than retrying it forever", async () => {
    const h = harness();
    const id = newId("evt");
    h.source.set(id, { id, type: "policy.bound", orgId: "", timestamp: "yesterday", data: {} });
    const result = await runBatch(h, EVENTS_QUEUE, [{ body: { kind: "event", source: "underwriting", eventId: id } }]);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(await db().prepare("SELECT count(*) AS n FROM events WHERE id = ?").bind(id).first("n")).toBe(0);
  });
});
