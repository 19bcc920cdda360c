/**
 * The billing consumer of the domain events, on its own queue (`openinsure-billing-events`, which
 * every underwriting outbox relay also sends to; a Cloudflare queue has one consumer worker, and the
 * webhooks worker already consumes the shared one). Each message is acked or retried on its own.
 *
 * A policy event (`policy.bound`, `.renewed`, `.endorsed`, `.cancelled`, `.reinstated`) is a nudge,
 * not the data: billing asks underwriting for the policy's money (`billingFacts`) and invoices every
 * transaction of its timeline it has not invoiced yet, in sequence, in one batch guarded by the
 * policy's version, together with the event's `processed_events` row. So:
 * - a redelivered event finds its row (or nothing left to invoice) and writes nothing;
 * - a consumer that dies anywhere before its batch commits has written nothing, and the redelivery
 *   (or the policy's next event) invoices it whole; after the commit, the redelivery is a no-op;
 * - events arriving out of order, or one lost, still leave the policy billed in timeline order.
 * `openinsure-billing-dlq` puts a dead-lettered event back on the queue an hour later: dropping it
 * could leave a policy without its invoices.
 */
import { eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { realClock } from "#shared/clock";
import type { Statement } from "#shared/db";
import type { EventEnvelope } from "#shared/events";
import { errorRetryDelay, eventSourceOf, MAX_ERROR_RETRY_SECONDS, parseEventMessage, type EventMessage } from "#shared/event-consumer";
import { database } from "./database.ts";
import type { BillingEnv } from "./env.ts";
import { applyTransactions } from "./ledger.ts";
import { withLedger } from "./ledger.repo.ts";
import { processedEvents } from "./schema.ts";

export const EVENTS_QUEUE = "openinsure-billing-events";
export const DEAD_LETTER_QUEUE = "openinsure-billing-dlq";

/** The events that move a policy's money. */
export const POLICY_EVENTS: ReadonlySet<string> = new Set(["policy.bound", "policy.renewed", "policy.endorsed", "policy.cancelled", "policy.reinstated"]);

/** Attempts to find an event at its source before giving up on it (read-after-write lag). */
const MISSING_EVENT_ATTEMPTS = 3;

/**
 * Seams for the tests that kill the consumer part-way: `statements` sees (and may change) the batch
 * about to be written, `afterCommit` runs between the commit and the ack.
 */
export interface ConsumerHooks {
  statements?: (statements: Statement[]) => Statement[];
  afterCommit?: (eventId: string) => void;
}

export async function handleQueue(batch: MessageBatch<unknown>, env: BillingEnv, hooks: ConsumerHooks = {}): Promise<void> {
  const db = database(env);
  if (batch.queue === DEAD_LETTER_QUEUE || batch.queue.endsWith("-dlq")) {
    await Promise.all(batch.messages.map((msg) => requeue(env, msg)));
    return;
  }
  const bySource = new Map<string, { msg: Message<unknown>; body: EventMessage }[]>();
  for (const msg of batch.messages) {
    const body = parseEventMessage(msg.body);
    if (!body) {
      // Delivery messages and anything else on this queue are not billing's.
      msg.ack();
      continue;
    }
    bySource.set(body.source, [...(bySource.get(body.source) ?? []), { msg, body }]);
  }
  await Promise.all(
    [...bySource].map(async ([source, group]) => {
      const rpc = eventSourceOf(env, source);
      if (!rpc) {
        // Not a source billing subscribes to: none of its events moves a policy's money.
        for (const { msg } of group) msg.ack();
        return;
      }
      let envelopes: EventEnvelope[];
      try {
        envelopes = await rpc.readEvents([...new Set(group.map((m) => m.body.eventId))]);
      } catch (err) {
        console.error(`billing: reading ${group.length} events from ${source} failed; retrying them`, err);
        for (const { msg } of group) msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
        return;
      }
      const byId = new Map((Array.isArray(envelopes) ? envelopes : []).map((e) => [e.id, e]));
      // One policy's events one after another (they would only race each other's guard); policies in parallel.
      const byPolicy = new Map<string, { msg: Message<unknown>; body: EventMessage; envelope: EventEnvelope | undefined }[]>();
      for (const m of group) {
        const envelope = byId.get(m.body.eventId);
        const key = typeof envelope?.data.policyId === "string" ? envelope.data.policyId : m.body.eventId;
        byPolicy.set(key, [...(byPolicy.get(key) ?? []), { ...m, envelope }]);
      }
      await Promise.all(
        [...byPolicy.values()].map(async (items) => {
          for (const item of items) await handleOne(db, env, item.msg, item.body, item.envelope, hooks);
        }),
      );
    }),
  );
}

async function handleOne(db: DrizzleD1Database, env: BillingEnv, msg: Message<unknown>, body: EventMessage, envelope: EventEnvelope | undefined, hooks: ConsumerHooks): Promise<void> {
  if (envelope === undefined) {
    if (msg.attempts < MISSING_EVENT_ATTEMPTS) msg.retry({ delaySeconds: 5 * msg.attempts });
    else {
      console.error(`billing: event ${body.eventId} not found at ${body.source} after ${msg.attempts} attempts; acked`);
      msg.ack();
    }
    return;
  }
  if (!POLICY_EVENTS.has(envelope.type) || typeof envelope.data.policyId !== "string") {
    msg.ack();
    return;
  }
  try {
    await invoiceFromEvent(db, env, envelope, hooks);
    hooks.afterCommit?.(envelope.id);
    msg.ack();
  } catch (err) {
    console.error(`billing: invoicing event ${envelope.id} failed; retrying the message`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}

/**
 * Invoice what `envelope`'s policy has not been invoiced for yet, once: the event is recorded in
 * `processed_events` in the same batch as the invoices. Throws on an outage (the message is retried).
 */
export async function invoiceFromEvent(db: DrizzleD1Database, env: BillingEnv, envelope: EventEnvelope, hooks: ConsumerHooks = {}): Promise<void> {
  const seen = await db.select({ id: processedEvents.eventId }).from(processedEvents).where(eq(processedEvents.eventId, envelope.id)).get();
  if (seen) return;
  const policyId = envelope.data.policyId as string;
  const facts = await env.UNDERWRITING.billingFacts(envelope.orgId, policyId);
  if (!facts.ok) {
    if (facts.error.code === "not_found") {
      console.error(`billing: event ${envelope.id} names policy ${policyId}, which underwriting does not know in ${envelope.orgId}; skipped`);
      return;
    }
    throw new Error(`billingFacts failed: ${facts.error.code} ${facts.error.message}`);
  }
  const record = sql`INSERT INTO processed_events (event_id, org_id, type, policy_id, processed_at)
    VALUES (${envelope.id}, ${envelope.orgId}, ${envelope.type}, ${policyId}, ${realClock.now().toISOString()}) ON CONFLICT (event_id) DO NOTHING`;
  const written = await withLedger(
    db,
    { orgId: envelope.orgId, policyId, policyNumber: facts.value.policyNumber },
    () => envelope.timestamp,
    ({ policy, ledger, ctx }) => {
      const before = policy?.appliedSeq ?? 0;
      const applied = applyTransactions(ledger, ctx, facts.value, before);
      if (policy && applied === before) return { ok: true, value: { write: false, value: false } };
      return { ok: true, value: { write: true, value: true, appliedSeq: applied, alongside: [record] } };
    },
    hooks.statements,
  );
  if (!written.ok) throw new Error(`billing: ${written.error.code}: ${written.error.message}`);
  if (!written.value) await db.run(record);
}

/** A dead-lettered event goes back on the events queue an hour later (invoicing it is idempotent). */
async function requeue(env: BillingEnv, msg: Message<unknown>): Promise<void> {
  const body = parseEventMessage(msg.body);
  if (!body) {
    msg.ack();
    return;
  }
  const requeues = (body.requeues ?? 0) + 1;
  console.error(`billing: event ${body.eventId} from ${body.source} was dead-lettered before it was invoiced; requeued (round ${requeues})`);
  try {
    await env.BILLING_REQUEUE.send({ ...body, requeues }, { delaySeconds: MAX_ERROR_RETRY_SECONDS });
    msg.ack();
  } catch (err) {
    console.error(`billing: requeueing event ${body.eventId} failed; retrying`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}
