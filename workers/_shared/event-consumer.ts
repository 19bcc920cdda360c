/**
 * What every consumer of the domain events shares (the webhooks worker on the shared queue, billing
 * on its own): reading an `{kind: "event"}` message, finding the internal entrypoint that serves the
 * event's body by the message's `source`, and the wait before retrying a message whose handling
 * errored.
 */
import type { WebhookQueueMessage } from "./events.ts";
import { eventSourceBinding, SOURCE_NAME } from "./outbox.ts";
import type { EventSourceRpc } from "./rpc.ts";

export type EventMessage = Extract<WebhookQueueMessage, { kind: "event" }>;

/** Delay before retrying a message whose processing threw (a bug or an outage, not a receiver). */
const ERROR_RETRY_SECONDS = 30;
/** The longest wait between retries of a message that errored, and before a dead-lettered event is put back on its queue. */
export const MAX_ERROR_RETRY_SECONDS = 3600;

/**
 * The wait before retrying a message whose handling errored (its source or D1 unavailable): 30 s,
 * doubling per attempt up to an hour, so a queue's 10 retries outlast an outage of about four hours
 * before the message is dead-lettered.
 */
export function errorRetryDelay(attempts: number): number {
  return Math.min(ERROR_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1), MAX_ERROR_RETRY_SECONDS);
}

/** The message as an event message, or null when it is not one. */
export function parseEventMessage(body: unknown): EventMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.kind !== "event" || typeof m.source !== "string" || typeof m.eventId !== "string" || !m.eventId.startsWith("evt_")) return null;
  const requeues = typeof m.requeues === "number" && Number.isSafeInteger(m.requeues) && m.requeues > 0 ? m.requeues : undefined;
  return { kind: "event", source: m.source as EventMessage["source"], eventId: m.eventId, ...(requeues ? { requeues } : {}) };
}

/**
 * The internal entrypoint that reads the bodies of `source`'s events: the binding the registry
 * generated for that worker (`eventSourceBinding`), or null when the consumer holds none by that
 * name. Only event sources are bound under those names, so any binding with `readEvents` is one.
 */
export function eventSourceOf(env: object, source: string): EventSourceRpc | null {
  if (!SOURCE_NAME.test(source)) return null;
  const binding = (env as Record<string, unknown>)[eventSourceBinding(source)] as Partial<EventSourceRpc> | undefined;
  return binding && typeof binding === "object" && typeof binding.readEvents === "function" ? (binding as EventSourceRpc) : null;
}
