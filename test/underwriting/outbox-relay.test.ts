import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { WebhookQueueMessage } from "../../workers/_shared/events.ts";
import { CLAIM_TIMEOUT_MS, eventQueues, readOutboxEvents as readEvents, relayCommitted, relayOutbox as relay } from "#shared/outbox";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { realNow } from "../support/clock.ts";

const db = () => drizzle(env.UNDERWRITING_DB);

/** The shared relay, as underwriting runs it: its messages name `underwriting` as their source. */
const relayOutbox = (d: ReturnType<typeof db>, queue: Queue<WebhookQueueMessage>, now?: Date) => relay(d, queue, "underwriting", now);

/** A queue that records what it was sent, or fails on demand. */
function recordingQueue(fail = false) {
  const sent: WebhookQueueMessage[] = [];
  const queue = {
    async send(body: WebhookQueueMessage) {
      if (fail) throw new Error("queue unavailable");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: WebhookQueueMessage }>) {
      if (fail) throw new Error("queue unavailable");
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<WebhookQueueMessage>;
  return { queue, sent };
}

const principal = () => newPrincipal(undefined, { rateLimitTier: "enterprise" });

const input = { insuredName: "Relay Co", naicsCode: "236220", annualRevenue: 1000000, requestedLimit: 1000000, effectiveDate: "2027-01-01", state: "OR" as const, lineOfBusiness: "GL" as const };

async function drain() {
  // Earlier tests in this file may leave rows; start each test from an empty relay backlog.
  await relayOutbox(db(), recordingQueue().queue);
}

describe("outbox relay", () => {
  it("sends each committed event once, in order, as a thin message, and marks it relayed", async () => {
    await drain();
    const p = principal();
    for (let i = 0; i < 3; i++) await createSubmission(db(), p, input);
    const { queue, sent } = recordingQueue();
    expect(await relayOutbox(db(), queue)).toBe(3);
    const rows = await env.UNDERWRITING_DB.prepare("SELECT id FROM events WHERE org_id = ? ORDER BY created_at, id").bind(p.orgId).all<{ id: string }>();
    expect(sent).toEqual(rows.results.map((r) => ({ kind: "event", source: "underwriting", eventId: r.id })));
    expect(await relayOutbox(db(), queue)).toBe(0);
    const envelopes = await readEvents(db(), rows.results.map((r) => r.id));
    expect(envelopes.map((e) => e.type)).toEqual(["submission.created", "submission.created", "submission.created"]);
    expect(envelopes[0]).toMatchObject({ orgId: p.orgId, data: { insuredName: "Relay Co" } });
  });

  it("a relay that dies after claiming loses nothing: the claim expires and the next pass sends it", async () => {
    await drain();
    const p = principal();
    await createSubmission(db(), p, input);
    const broken = recordingQueue(true);
    await expect(relayOutbox(db(), broken.queue)).rejects.toThrow("queue unavailable");
    const healthy = recordingQueue();
    expect(await relayOutbox(db(), healthy.queue)).toBe(0); // still claimed by the failed pass
    expect(await relayOutbox(db(), healthy.queue, new Date(realNow() + CLAIM_TIMEOUT_MS + 1000))).toBe(1);
    expect(healthy.sent).toHaveLength(1);
  });

  it("relays more than one batch in a pass", async () => {
    await drain();
    const p = principal();
    for (let i = 0; i < 55; i++) await createSubmission(db(), p, input);
    const { queue, sent } = recordingQueue();
    expect(await relayOutbox(db(), queue)).toBe(55);
    expect(new Set(sent.map((m) => (m.kind === "event" ? m.eventId : ""))).size).toBe(55);
  });

  it("sends every event to every consumer's queue, and after one queue failed sends it to all again", async () => {
    // The registry generates one producer per consumer: the webhooks worker's, billing's and partners'.
    const bound = Object.keys(env).filter((k) => eventQueues({ [k]: (env as unknown as Record<string, unknown>)[k] }).length === 1);
    expect(bound.sort()).toEqual(["BILLING_EVENTS", "PARTNERS_EVENTS", "WEBHOOK_EVENTS"]);
    await drain();
    const p = principal();
    await createSubmission(db(), p, input);
    const webhooks = recordingQueue();
    const billing = recordingQueue(true);
    await expect(relay(db(), [webhooks.queue, billing.queue], "underwriting")).rejects.toThrow("queue unavailable");
    const again = [recordingQueue(), recordingQueue()];
    expect(await relay(db(), again.map((q) => q.queue), "underwriting", new Date(realNow() + CLAIM_TIMEOUT_MS + 1000))).toBe(1);
    // At least once: the healthy queue got it twice, which its idempotent consumer absorbs.
    expect([webhooks.sent.length, ...again.map((q) => q.sent.length)]).toEqual([1, 1, 1]);
    expect(again[0]!.sent).toEqual(again[1]!.sent);
  });

  it("relays events just committed by id without a claim, and leaves them to the sweep when the send fails", async () => {
    await drain();
    const p = principal();
    await createSubmission(db(), p, input);
    await createSubmission(db(), p, input);
    const ids = (await env.UNDERWRITING_DB.prepare("SELECT id FROM events WHERE org_id = ? ORDER BY id").bind(p.orgId).all<{ id: string }>()).results.map((r) => r.id);
    // The send fails: nothing is marked, so the sweep still finds both.
    await expect(relayCommitted(db(), recordingQueue(true).queue, "underwriting", [ids[0]!])).rejects.toThrow("queue unavailable");
    const { queue, sent } = recordingQueue();
    expect(await relayCommitted(db(), queue, "underwriting", [ids[0]!])).toBe(1);
    expect(sent).toEqual([{ kind: "event", source: "underwriting", eventId: ids[0] }]);
    // The first is marked relayed (the sweep skips it); the second, never relayed by id, is the sweep's.
    const swept = recordingQueue();
    expect(await relayOutbox(db(), swept.queue)).toBe(1);
    expect(swept.sent).toEqual([{ kind: "event", source: "underwriting", eventId: ids[1] }]);
  });
});
