/**
 * The queue consumer, for both queues. Every message is acked or retried on its own; one bad message
 * never retries the batch, and a message that cannot be understood is logged and acked.
 *
 * `openinsure-webhook-events`:
 * - `{kind: "event", source, eventId}`: the bodies of the batch's events are read from their source in
 *   one call, stored in the event log and fanned out; once the whole batch is stored, each new
 *   delivery gets its own message.
 * - `{kind: "delivery", deliveryId, attempt}`: attempt number `attempt`. A retryable failure is
 *   recorded, then a NEW message for the next attempt is sent with the schedule's delay and this one
 *   is acked, so each attempt is its own message: the schedule (7 retries in production) and the
 *   queue's `max_retries` (transient errors of one attempt: D1 or the source unavailable) never
 *   share a budget. An exhausted schedule marks the delivery failed, sends it to the DLQ and acks.
 *   A delivery held by an earlier event of its subject (ordering.ts) is sent again with a short delay;
 *   one that finishes sends the next of its subject at once.
 * A message whose handling throws is retried after 30 s, doubling to an hour ({@link errorRetryDelay}).
 * `openinsure-webhook-dlq`: records `dead_lettered_at` on the delivery (also for messages the queue
 * itself dead-letters after `max_retries`) and acks. An event message that reaches it is put back on
 * the events queue an hour later: its outbox row is already relayed, so dropping it would lose it.
 */
import { atomically, type Statement } from "#shared/db";
import type { EventEnvelope, WebhookQueueMessage } from "#shared/events";
import { errorRetryDelay, eventSourceOf, MAX_ERROR_RETRY_SECONDS, parseEventMessage, type EventMessage } from "#shared/event-consumer";
import { attemptDelivery } from "./attempt.service.ts";
import { recordDeadLetter } from "./deliveries.service.ts";
import { createDeps, type WebhooksDeps } from "./deps.ts";
import type { WebhooksEnv } from "./env.ts";
import { listReceivingEndpoints } from "./endpoints.repo.ts";
import { enqueueEvent, eventStatements, isEnvelope, storeEvent } from "./events.service.ts";
import type { Kick } from "./ordering.ts";
import type { EndpointRow } from "./schema.ts";

export const EVENTS_QUEUE = "openinsure-webhook-events";
export const DEAD_LETTER_QUEUE = "openinsure-webhook-dlq";

/** Attempts to find an event at its source before giving up on it (read-after-write lag). */
const MISSING_EVENT_ATTEMPTS = 3;

/** The message body, or null when it is not one of ours. */
export function parseMessage(body: unknown): WebhookQueueMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.kind === "event") return parseEventMessage(body);
  if (m.kind === "delivery" && typeof m.deliveryId === "string" && m.deliveryId.startsWith("whd_")) {
    if (m.attempt === undefined) return { kind: "delivery", deliveryId: m.deliveryId };
    if (typeof m.attempt !== "number" || !Number.isSafeInteger(m.attempt) || m.attempt < 1) return null;
    return { kind: "delivery", deliveryId: m.deliveryId, attempt: m.attempt };
  }
  return null;
}

const preview = (msg: Message<unknown>) => {
  try {
    return JSON.stringify(msg.body).slice(0, 200);
  } catch {
    return String(msg.body);
  }
};

export async function handleQueue(batch: MessageBatch<unknown>, env: WebhooksEnv): Promise<void> {
  const deps = createDeps(env);
  if (batch.queue === DEAD_LETTER_QUEUE || batch.queue.endsWith("-dlq")) {
    await Promise.all(batch.messages.map((msg) => handleDeadLetter(deps, msg)));
    return;
  }
  const events: { msg: Message<unknown>; body: EventMessage }[] = [];
  // Copies of one attempt's message in one batch (the chain's message and a poll, say) run once.
  const attempts = new Map<string, { msgs: Message<unknown>[]; deliveryId: string; attempt: number | undefined }>();
  for (const msg of batch.messages) {
    const body = parseMessage(msg.body);
    if (!body) {
      console.error(`webhooks: unrecognised message ${msg.id} acked: ${preview(msg)}`);
      msg.ack();
    } else if (body.kind === "event") {
      events.push({ msg, body });
    } else {
      const key = `${body.deliveryId}#${body.attempt ?? ""}`;
      const same = attempts.get(key);
      if (same) same.msgs.push(msg);
      else attempts.set(key, { msgs: [msg], deliveryId: body.deliveryId, attempt: body.attempt });
    }
  }
  const work: Promise<void>[] = [...attempts.values()].map(({ msgs, deliveryId, attempt }) => handleDelivery(deps, msgs, deliveryId, attempt));
  work.push(handleEvents(deps, events));
  await Promise.all(work);
}

/**
 * One attempt's message, or several copies of it from one batch: the newest copy runs (a manual retry
 * supersedes only older messages), redelivered if any copy was, and the other copies are acked.
 */
async function handleDelivery(deps: WebhooksDeps, copies: Message<unknown>[], deliveryId: string, attempt: number | undefined): Promise<void> {
  const [msg, ...others] = [...copies].sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime()) as [Message<unknown>, ...Message<unknown>[]];
  for (const other of others) other.ack();
  try {
    const outcome = await attemptDelivery(deps, deliveryId, {
      messageSentAt: msg.timestamp,
      ...(attempt === undefined ? {} : { attempt }),
      redelivered: copies.some((m) => m.attempts > 1),
    });
    switch (outcome.kind) {
      case "retry":
        // The attempt is recorded; the next one is its own message. Send before acking: a crash
        // between the two redelivers this message, which then only re-sends the next one.
        await deps.env.WEBHOOK_EVENTS.send({ kind: "delivery", deliveryId, attempt: outcome.attempt + 1 }, { delaySeconds: outcome.delaySeconds });
        msg.ack();
        return;
      case "reschedule":
        await deps.env.WEBHOOK_EVENTS.send({ kind: "delivery", deliveryId, attempt: outcome.attempt }, { delaySeconds: outcome.delaySeconds });
        msg.ack();
        return;
      case "waiting": {
        // Held by an earlier event of its subject: ask again later (and nudge a stalled head).
        // Sent before acking, so a crash leaves this message to be redelivered, never none.
        const messages: MessageSendRequest<WebhookQueueMessage>[] = [
          { body: { kind: "delivery", deliveryId, attempt: outcome.attempt }, delaySeconds: outcome.delaySeconds },
        ];
        if (outcome.kick) messages.push({ body: { kind: "delivery", ...outcome.kick } });
        await deps.env.WEBHOOK_EVENTS.sendBatch(messages);
        msg.ack();
        return;
      }
      case "succeeded":
        await kickNext(deps, deliveryId, outcome.next);
        msg.ack();
        return;
      case "failed":
        await deadLetter(deps, deliveryId);
        await kickNext(deps, deliveryId, outcome.next);
        msg.ack();
        return;
      case "skipped":
      case "abandoned":
        console.log(`webhooks: delivery ${deliveryId} ${outcome.kind}: ${outcome.reason}`);
        msg.ack();
        return;
      default:
        msg.ack();
    }
  } catch (err) {
    console.error(`webhooks: delivery ${deliveryId} attempt threw; retrying the message`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}

/**
 * The next delivery of the finished one's subject may go now: its message, sent at once rather than
 * left to its poll. Losing it only costs that delivery its poll's delay (ordering.ts), so a failure
 * is logged and the finished attempt's message is acked all the same.
 */
async function kickNext(deps: WebhooksDeps, deliveryId: string, next: Kick | null): Promise<void> {
  if (!next) return;
  try {
    await deps.env.WEBHOOK_EVENTS.send({ kind: "delivery", ...next });
  } catch (err) {
    console.error(`webhooks: could not send the next delivery ${next.deliveryId} after ${deliveryId}; its poll will`, err);
  }
}

/** The delivery is already `failed`; the DLQ copy is for operators, so losing it must not undo that. */
async function deadLetter(deps: WebhooksDeps, deliveryId: string): Promise<void> {
  try {
    await deps.env.WEBHOOK_DLQ.send({ kind: "delivery", deliveryId });
  } catch (err) {
    console.error(`webhooks: could not dead-letter delivery ${deliveryId}`, err);
  }
}

async function handleEvents(deps: WebhooksDeps, messages: { msg: Message<unknown>; body: EventMessage }[]): Promise<void> {
  const bySource = new Map<string, { msg: Message<unknown>; body: EventMessage }[]>();
  for (const m of messages) bySource.set(m.body.source, [...(bySource.get(m.body.source) ?? []), m]);
  const receiving = endpointsPerOrg(deps);

  const stored = await Promise.all(
    [...bySource].map(async ([source, group]): Promise<{ msg: Message<unknown>; envelope: EventEnvelope; matched: number }[]> => {
      const rpc = eventSourceOf(deps.env, source);
      if (!rpc) {
        for (const { msg } of group) {
          console.error(`webhooks: event from unknown source acked: ${preview(msg)}`);
          msg.ack();
        }
        return [];
      }
      let envelopes: unknown[];
      try {
        // One call for the whole batch.
        envelopes = await rpc.readEvents([...new Set(group.map((m) => m.body.eventId))]);
      } catch (err) {
        console.error(`webhooks: reading ${group.length} events from ${source} failed; retrying them`, err);
        for (const { msg } of group) msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
        return [];
      }
      const byId = new Map<string, unknown>();
      for (const e of Array.isArray(envelopes) ? envelopes : []) {
        if (typeof e === "object" && e !== null && typeof (e as { id?: unknown }).id === "string") byId.set((e as { id: string }).id, e);
      }
      const usable = group.flatMap(({ msg, body }) => {
        const envelope = usableEnvelope(msg, body, byId.get(body.eventId));
        return envelope ? [{ msg, body, envelope }] : [];
      });
      const together = await storeTogether(deps, usable, receiving);
      if (together) return together;
      const results = await Promise.all(usable.map(({ msg, body, envelope }) => storeOne(deps, msg, body, envelope, receiving)));
      return results.flatMap((stored, i) => (stored ? [{ msg: usable[i]!.msg, ...stored }] : []));
    }),
  );
  // Every event of the batch is in the log (with its deliveries) before any delivery message goes
  // out: the relay sends an outbox's events in order, so a later event of a subject usually shares
  // its earlier one's batch, and the earlier one's delivery then exists to hold the later's.
  await Promise.all(stored.flat().map(({ msg, envelope, matched }) => enqueueOne(deps, msg, envelope, matched)));
}

/**
 * An org's receiving endpoints, listed once per queue batch however many of its events the batch
 * holds (an endpoint created meanwhile receives from the next batch on, as it would have had it
 * been created a moment later). A failed listing is not kept: each event then lists for itself.
 */
function endpointsPerOrg(deps: WebhooksDeps): (orgId: string) => Promise<EndpointRow[] | undefined> {
  const listed = new Map<string, Promise<EndpointRow[] | undefined>>();
  return (orgId) => {
    let endpoints = listed.get(orgId);
    if (!endpoints) listed.set(orgId, (endpoints = listReceivingEndpoints(deps.db, orgId).catch(() => undefined)));
    return endpoints;
  };
}

/** The message's event as its source answered it, or null once the message is acked (malformed, long missing) or retried (missing). */
function usableEnvelope(msg: Message<unknown>, body: EventMessage, envelope: unknown): EventEnvelope | null {
  if (envelope === undefined) {
    if (msg.attempts < MISSING_EVENT_ATTEMPTS) {
      msg.retry({ delaySeconds: 5 * msg.attempts });
    } else {
      console.error(`webhooks: event ${body.eventId} not found at ${body.source} after ${msg.attempts} attempts; acked`);
      msg.ack();
    }
    return null;
  }
  if (!isEnvelope(envelope)) {
    console.error(`webhooks: event ${body.eventId} from ${body.source} is malformed; acked`);
    msg.ack();
    return null;
  }
  return envelope;
}

type Usable = { msg: Message<unknown>; body: EventMessage; envelope: EventEnvelope };

/**
 * A source's events of the batch stored in one D1 batch, each with how many endpoints it matched;
 * null when there is one event only, an org's endpoints could not be listed, or the batch failed,
 * and then each event is stored on its own, so that one bad event holds no other back.
 */
async function storeTogether(deps: WebhooksDeps, usable: Usable[], receiving: (orgId: string) => Promise<EndpointRow[] | undefined>): Promise<(Usable & { matched: number })[] | null> {
  if (usable.length < 2) return null;
  const parts: (Usable & { matched: number; statements: Statement[] })[] = [];
  for (const u of usable) {
    const endpoints = await receiving(u.envelope.orgId);
    if (!endpoints) return null;
    parts.push({ ...u, ...eventStatements(deps, u.envelope, u.body.source, endpoints) });
  }
  try {
    await atomically(deps.db, parts.flatMap((p) => p.statements));
  } catch (err) {
    console.error(`webhooks: storing ${parts.length} events in one batch failed; storing each on its own`, err);
    return null;
  }
  return parts.map(({ statements: _, ...stored }) => stored);
}

/** Store one event of the batch with how many endpoints it matched; null when its message was retried. */
async function storeOne(
  deps: WebhooksDeps,
  msg: Message<unknown>,
  body: EventMessage,
  envelope: EventEnvelope,
  receiving: (orgId: string) => Promise<EndpointRow[] | undefined>,
): Promise<{ envelope: EventEnvelope; matched: number } | null> {
  try {
    const matched = await storeEvent(deps, envelope, body.source, await receiving(envelope.orgId));
    return { envelope, matched };
  } catch (err) {
    console.error(`webhooks: ingesting event ${body.eventId} failed; retrying the message`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
    return null;
  }
}

/**
 * The event's unattempted deliveries enqueued, then its message acked. A first delivery of a message
 * whose event matched no endpoint has none to look for: deliveries an earlier copy of the message
 * created and could not enqueue are enqueued when that copy is redelivered.
 */
async function enqueueOne(deps: WebhooksDeps, msg: Message<unknown>, envelope: EventEnvelope, matched: number): Promise<void> {
  if (matched === 0 && msg.attempts <= 1) {
    msg.ack();
    return;
  }
  try {
    await enqueueEvent(deps, envelope.id);
    msg.ack();
  } catch (err) {
    // Stored already: the redelivered message stores nothing new and enqueues what is unattempted.
    console.error(`webhooks: enqueueing the deliveries of event ${envelope.id} failed; retrying the message`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}

async function handleDeadLetter(deps: WebhooksDeps, msg: Message<unknown>): Promise<void> {
  const body = parseMessage(msg.body);
  if (!body) {
    console.error(`webhooks: unrecognised dead letter ${msg.id} acked: ${preview(msg)}`);
    msg.ack();
    return;
  }
  if (body.kind === "event") {
    // The event never reached the log: its source (or our D1) kept failing for hours. Its outbox row
    // is already marked relayed, so nothing else would send it again: put it back on the events
    // queue after an hour rather than lose it (ingestion is idempotent, so a late copy is harmless),
    // counting the rounds so the log says how long it has been stuck.
    const requeues = (body.requeues ?? 0) + 1;
    console.error(`webhooks: event ${body.eventId} from ${body.source} was dead-lettered without being ingested; requeued (round ${requeues})`);
    try {
      await deps.env.WEBHOOK_EVENTS.send({ ...body, requeues }, { delaySeconds: MAX_ERROR_RETRY_SECONDS });
      msg.ack();
    } catch (err) {
      console.error(`webhooks: requeueing event ${body.eventId} failed; retrying`, err);
      msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
    }
    return;
  }
  try {
    const found = await recordDeadLetter(deps, body.deliveryId);
    if (!found) console.error(`webhooks: dead-lettered delivery ${body.deliveryId} does not exist`);
    msg.ack();
  } catch (err) {
    console.error(`webhooks: recording dead letter ${body.deliveryId} failed; retrying`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}
