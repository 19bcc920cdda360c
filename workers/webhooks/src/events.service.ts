/**
 * The org's event log and fan-out. An event is stored once with the exact body every delivery sends,
 * then gets one delivery per matching endpoint, stamped with the event's subject and time (the order
 * ordering.ts keeps); each delivery is attempted from its own queue message.
 */
import type { Principal } from "#shared/auth";
import { atomically, type Statement } from "#shared/db";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { EVENT_TYPES, type EventEnvelope, type WebhookQueueMessage } from "#shared/events";
import { newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import { insertDeliveryIfAbsent, unattemptedDeliveryIds } from "./deliveries.repo.ts";
import type { WebhooksDeps } from "./deps.ts";
import { listReceivingEndpoints } from "./endpoints.repo.ts";
import { findOrgEvent, insertEventIfAbsent, listEventRows } from "./events.repo.ts";
import type { EndpointRow, EventRow } from "./schema.ts";
import { subjectOf } from "./subject.ts";
import { matchesSubscription } from "./subscriptions.ts";
import type { ListEventsQuery } from "./types.ts";

/** Where an event came from: a domain worker's outbox, or this worker itself (`webhook.*`). */
export type IngestSource = string;

/** The envelope as bytes on the wire: fixed key order, serialized once and stored. */
export function serializeEnvelope(e: EventEnvelope): string {
  return JSON.stringify({ id: e.id, type: e.type, orgId: e.orgId, timestamp: e.timestamp, data: e.data });
}

/** The envelope a stored event row delivers (its body is the serialized envelope). */
export const envelopeOf = (row: EventRow): EventEnvelope => JSON.parse(row.body) as EventEnvelope;

/** True when `value` is a well-formed envelope (a source worker's answer is checked, not trusted). */
export function isEnvelope(value: unknown): value is EventEnvelope {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === "string" && e.id.startsWith("evt_") &&
    typeof e.type === "string" && e.type !== "" &&
    typeof e.orgId === "string" && e.orgId !== "" &&
    typeof e.timestamp === "string" && !Number.isNaN(Date.parse(e.timestamp)) &&
    typeof e.data === "object" && e.data !== null && !Array.isArray(e.data)
  );
}

export function eventRow(envelope: EventEnvelope, source: IngestSource, receivedAt: string): EventRow {
  return {
    id: envelope.id,
    orgId: envelope.orgId,
    type: envelope.type,
    source,
    body: serializeEnvelope(envelope),
    createdAt: new Date(envelope.timestamp).toISOString(),
    receivedAt,
  };
}

/** A new delivery of `event` to `endpoint`; `subject` (subject.ts) and the event's time order it. */
export function deliveryRow(endpoint: Pick<EndpointRow, "id" | "orgId">, event: Pick<EventRow, "id" | "type" | "createdAt">, at: string, subject: string | null) {
  return {
    id: newId("whd"),
    orgId: endpoint.orgId,
    endpointId: endpoint.id,
    eventId: event.id,
    eventType: event.type,
    subject,
    occurredAt: event.createdAt,
    status: "pending" as const,
    attemptCount: 0,
    scheduleStart: 0,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Store `envelope` in the event log and create one delivery per matching endpoint, then enqueue a
 * delivery message for every delivery of the event not yet attempted. Idempotent: a redelivered event
 * message creates nothing new. Deliveries that a crashed first run created but never enqueued are
 * enqueued by the rerun; a duplicate message that this may cause is absorbed by the attempt path.
 * Returns the ids enqueued.
 */
export async function ingestEvent(deps: WebhooksDeps, envelope: EventEnvelope, source: IngestSource): Promise<string[]> {
  await storeEvent(deps, envelope, source);
  return enqueueEvent(deps, envelope.id);
}

/**
 * The first half of {@link ingestEvent}: the event and its deliveries, in one batch. `receiving` is
 * the org's receiving endpoints when the caller already listed them (the consumer lists them once
 * per org and queue batch). Answers how many endpoints the event matched.
 */
export async function storeEvent(deps: WebhooksDeps, envelope: EventEnvelope, source: IngestSource, receiving?: readonly EndpointRow[]): Promise<number> {
  const { statements, matched } = eventStatements(deps, envelope, source, receiving ?? (await listReceivingEndpoints(deps.db, envelope.orgId)));
  await atomically(deps.db, statements);
  return matched;
}

/**
 * What {@link storeEvent} writes, for a caller that commits several events in one batch (the queue
 * consumer): the event's row and a delivery per endpoint of `receiving` it matches, all inserted
 * only if absent, so a batch that repeats an event writes it once.
 */
export function eventStatements(deps: WebhooksDeps, envelope: EventEnvelope, source: IngestSource, receiving: readonly EndpointRow[]): { statements: Statement[]; matched: number } {
  const at = new Date().toISOString();
  const event = eventRow(envelope, source, at);
  const subject = subjectOf(envelope.type, envelope.data);
  const endpoints = receiving.filter((e) => matchesSubscription(e.events, envelope.type));
  return { statements: [insertEventIfAbsent(deps.db, event), ...endpoints.map((e) => insertDeliveryIfAbsent(deps.db, deliveryRow(e, event, at, subject)))], matched: endpoints.length };
}

/**
 * The second half of {@link ingestEvent}: a message for every delivery of the event not yet
 * attempted. The consumer stores a whole batch of events before enqueueing any, so a delivery of a
 * later event in the batch never runs before an earlier one of its subject exists to hold it.
 */
export async function enqueueEvent(deps: WebhooksDeps, eventId: string): Promise<string[]> {
  const ids = (await unattemptedDeliveryIds(deps.db, eventId)).map((r) => r.id);
  await enqueueDeliveries(deps, ids.map((deliveryId) => ({ deliveryId, attempt: 1 })));
  return ids;
}

const SEND_BATCH_MAX = 100;

/** One `{kind: "delivery"}` message per delivery, each naming the attempt it is for. */
export async function enqueueDeliveries(deps: WebhooksDeps, attempts: { deliveryId: string; attempt: number }[]): Promise<void> {
  for (let i = 0; i < attempts.length; i += SEND_BATCH_MAX) {
    const messages = attempts.slice(i, i + SEND_BATCH_MAX).map(({ deliveryId, attempt }) => ({ body: { kind: "delivery", deliveryId, attempt } satisfies WebhookQueueMessage }));
    await deps.env.WEBHOOK_EVENTS.sendBatch(messages);
  }
}

/**
 * Announce that an endpoint was disabled automatically: `webhook.disabled` goes into the org's event
 * log and to the org's other enabled endpoints subscribed to it (the disabled one no longer receives).
 */
export async function announceEndpointDisabled(
  deps: WebhooksDeps,
  endpoint: Pick<EndpointRow, "id" | "orgId" | "url" | "failingSince">,
  reason: "gone" | "failing",
  at: string,
): Promise<EventEnvelope> {
  const envelope: EventEnvelope = {
    id: newId("evt"),
    type: "webhook.disabled",
    orgId: endpoint.orgId,
    timestamp: at,
    data: { endpointId: endpoint.id, url: endpoint.url, reason, disabledAt: at, failingSince: endpoint.failingSince },
  };
  await ingestEvent(deps, envelope, "webhooks");
  return envelope;
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

export async function listEvents(deps: WebhooksDeps, principal: Principal, query: ListEventsQuery | undefined): Promise<Result<Page<EventEnvelope>>> {
  const type = query?.type;
  if (type !== undefined && (typeof type !== "string" || !KNOWN_TYPES.has(type))) {
    return invalid("type", "enum", "type must be one of the event types");
  }
  const listed = await listEventRows(deps.db, principal.orgId, query, type);
  if (!listed.ok) return listed;
  return ok(toPage(listed.value.rows, listed.value.pageSize, envelopeOf));
}

export async function getEvent(deps: WebhooksDeps, principal: Principal, id: string): Promise<Result<EventEnvelope>> {
  const row = typeof id === "string" ? await findOrgEvent(deps.db, principal.orgId, id) : undefined;
  return row ? ok(envelopeOf(row)) : notFound("Event");
}
