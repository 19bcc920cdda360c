import { inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { realClock } from "#shared/clock";
import type { EventEnvelope, WebhookQueueMessage } from "#shared/events";
import { events } from "./schema.ts";

/** Events per relay pass: one queue `sendBatch` (≤ 100 messages) and one claim statement. */
export const RELAY_BATCH = 50;
/** A claim not confirmed within this long is presumed lost (the relay died before sending). */
export const CLAIM_TIMEOUT_MS = 60_000;

/**
 * Move committed outbox rows onto the webhook queue. Rows are claimed in one statement (so two
 * relays running at once do not both take a row), sent as thin `{kind: "event"}` messages, then
 * marked relayed. A crash between claim and send leaves the claim to expire, and the next pass
 * (prompt, after a write, or the periodic sweep) sends it again: delivery is at least once.
 * Returns how many events were relayed. Claims are leases on real time, never an org's sandbox clock.
 */
export async function relayOutbox(db: DrizzleD1Database, queue: Queue<WebhookQueueMessage>, now = realClock.now()): Promise<number> {
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
    await queue.sendBatch(ids.map((eventId) => ({ body: { kind: "event", source: "underwriting", eventId } })));
    await db.update(events).set({ relayedAt: at }).where(inArray(events.id, ids));
    total += ids.length;
    if (claimed.length < RELAY_BATCH) return total;
  }
}

/** Event envelopes by id, in the seed's shape, for the webhook worker (internal; not org-scoped). */
export async function readEvents(db: DrizzleD1Database, ids: string[]): Promise<EventEnvelope[]> {
  if (ids.length === 0) return [];
  const out: EventEnvelope[] = [];
  for (let i = 0; i < ids.length; i += RELAY_BATCH) {
    const rows = await db.select().from(events).where(inArray(events.id, ids.slice(i, i + RELAY_BATCH))).all();
    for (const row of rows) out.push({ id: row.id, type: row.type, orgId: row.orgId, timestamp: row.createdAt, data: row.data });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}
