/**
 * The event outbox every worker that records events shares (its registry entry says `emitsEvents`):
 * one `events` table of the same shape in the worker's own D1, the insert that puts an event in the
 * same batch as the change it describes, the relay that moves committed rows onto the
 * `WEBHOOK_EVENTS` queue as thin `{kind: "event", source, eventId}` messages, and `readEvents`,
 * which the webhooks worker calls (through the worker's internal entrypoint) to read the bodies.
 *
 * The table, as each such worker's migrations create it:
 * ```sql
 * CREATE TABLE events (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
 *   created_at TEXT NOT NULL, relay_claimed_at TEXT, relayed_at TEXT);
 * CREATE INDEX events_org_created ON events (org_id, created_at, id);
 * CREATE INDEX events_unrelayed ON events (relayed_at, created_at);
 * ```
 */
import { and, inArray, isNull, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { realClock } from "./clock.ts";
import type { EventEnvelope, WebhookQueueMessage } from "./events.ts";
import { newId } from "./ids.ts";
import { bindingOf, EVENTS_QUEUE_BINDING, WORKER_NAME } from "./names.ts";

/** The outbox table (see the module comment for its DDL). */
export const outboxEvents = sqliteTable("events", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  createdAt: text("created_at").notNull(),
  relayClaimedAt: text("relay_claimed_at"),
  relayedAt: text("relayed_at"),
});

export type OutboxEventRow = typeof outboxEvents.$inferSelect;

/** Events per relay pass: one queue `sendBatch` (≤ 100 messages) and one claim statement. */
export const RELAY_BATCH = 50;
/** A claim not confirmed within this long is presumed lost (the relay died before sending). */
export const CLAIM_TIMEOUT_MS = 60_000;

/**
 * The service binding, in the webhooks worker, through which a source's events are read: its
 * registry name in SCREAMING_SNAKE. The registry generates the bindings with this name and the
 * consumer looks a message's `source` up with it, so a new emitting worker needs no code there.
 */
export const eventSourceBinding = bindingOf;

/** A registry name; anything else names no source. */
export const SOURCE_NAME = WORKER_NAME;

/**
 * The outbox insert for one event. Callers put it in the same batch as the state change it
 * describes, so an event exists exactly when its change committed. `id` is for a caller that
 * answers with the event's id.
 */
export function recordOutboxEvent(db: DrizzleD1Database, orgId: string, type: string, data: Record<string, unknown>, at: string, id: string = newId("evt")) {
  return db.insert(outboxEvents).values({ id, orgId, type, data, createdAt: at });
}

/** What the relay needs of the events queue binding (a `Queue<WebhookQueueMessage>` in a worker). */
export interface EventsQueue {
  sendBatch(messages: Iterable<{ body: WebhookQueueMessage }>): Promise<unknown>;
}

/**
 * Every events queue a worker is bound to (named by `EVENTS_QUEUE_BINDING`, #shared/names), so the
 * relay reaches each consumer the registry declares without naming any of them in the emitting
 * worker's code.
 */
export function eventQueues(env: object): EventsQueue[] {
  return Object.entries(env)
    .filter(([name, value]) => EVENTS_QUEUE_BINDING.test(name) && typeof (value as Partial<EventsQueue> | null)?.sendBatch === "function")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, value]) => value as EventsQueue);
}

/**
 * Move committed outbox rows onto the events queues (`queue`: one, or every one of
 * {@link eventQueues}) as messages from `source` (the worker's
 * registry name). Rows are claimed in one statement (so two relays running at once do not both
 * take a row), sent as thin `{kind: "event"}` messages, then marked relayed. A crash between claim
 * and send leaves the claim to expire, and the next pass (prompt, after a write, or the periodic
 * sweep) sends it again: delivery is at least once. Returns how many events were relayed. Claims
 * are leases on real time, never an org's sandbox clock.
 */
export async function relayOutbox(db: DrizzleD1Database, queue: EventsQueue | readonly EventsQueue[], source: string, now = realClock.now()): Promise<number> {
  const queues = Array.isArray(queue) ? (queue as readonly EventsQueue[]) : [queue as EventsQueue];
  let total = 0;
  for (;;) {
    const at = now.toISOString();
    const stale = new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString();
    const claimed = await db.all<{ id: string }>(sql`
      UPDATE events SET relay_claimed_at = ${at}
      WHERE id IN (
        SELECT id FROM events
        WHERE relayed_at IS NULL AND (relay_claimed_at IS NULL OR relay_claimed_at < ${stale})
        ORDER BY created_at, id LIMIT ${RELAY_BATCH}
      )
      RETURNING id`);
    if (claimed.length === 0) return total;
    // RETURNING does not promise an order; the queue should see events in the order they happened.
    const ids = claimed.map((r) => r.id).sort();
    // Every consumer's queue gets every event; a failure on one leaves the claim to expire and the
    // next pass sends to all again (the consumers are idempotent by event id).
    await Promise.all(queues.map((q) => q.sendBatch(ids.map((eventId) => ({ body: { kind: "event", source, eventId } })))));
    await db.update(outboxEvents).set({ relayedAt: at }).where(inArray(outboxEvents.id, ids));
    total += ids.length;
    if (claimed.length < RELAY_BATCH) return total;
  }
}

/**
 * Relays events the caller has just committed, by id and without claiming them: one queue send to
 * every consumer, then one statement marking them relayed. The prompt path of a write that knows
 * its events' ids, a D1 round trip shorter than {@link relayOutbox}. A sweep that claims the same
 * rows meanwhile sends them too, which delivery at least once allows (every consumer is idempotent
 * by event id); if the send fails the rows stay unrelayed and the sweep sends them.
 */
export async function relayCommitted(db: DrizzleD1Database, queue: EventsQueue | readonly EventsQueue[], source: string, ids: readonly string[], now = realClock.now()): Promise<number> {
  const queues = Array.isArray(queue) ? (queue as readonly EventsQueue[]) : [queue as EventsQueue];
  for (let i = 0; i < ids.length; i += RELAY_BATCH) {
    const chunk = [...ids.slice(i, i + RELAY_BATCH)].sort();
    await Promise.all(queues.map((q) => q.sendBatch(chunk.map((eventId) => ({ body: { kind: "event", source, eventId } })))));
    await db
      .update(outboxEvents)
      .set({ relayedAt: now.toISOString() })
      .where(and(inArray(outboxEvents.id, chunk), isNull(outboxEvents.relayedAt)));
  }
  return ids.length;
}

/** Event envelopes by id, in the seed's shape, sorted by id (internal; not org-scoped). Unknown ids are absent. */
export async function readOutboxEvents(db: DrizzleD1Database, ids: string[]): Promise<EventEnvelope[]> {
  if (ids.length === 0) return [];
  const out: EventEnvelope[] = [];
  // Chunked to keep each statement under D1's 100 bound parameters.
  for (let i = 0; i < ids.length; i += RELAY_BATCH) {
    const rows = await db.select().from(outboxEvents).where(inArray(outboxEvents.id, ids.slice(i, i + RELAY_BATCH))).all();
    for (const row of rows) out.push({ id: row.id, type: row.type, orgId: row.orgId, timestamp: row.createdAt, data: row.data });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}
