/**
 * Domain events as integrators receive them (the seed's envelope) and the thin messages that carry
 * them from a domain worker's outbox to the webhook delivery worker.
 */

/** The seed's envelope: `{id, type, orgId, timestamp, data}`. */
export interface EventEnvelope {
  id: string;
  type: string;
  orgId: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/**
 * Where an event's body lives: the registry name of the worker whose outbox recorded it
 * (`underwriting`). The webhooks worker finds the binding to read it from by this name.
 */
export type EventSource = string;

/**
 * Messages on the `WEBHOOK_EVENTS` queue. Thin: ids, never bodies, so a message is small and the
 * body is always read from the source of truth.
 * - `event`: an outbox row committed; fan it out to the org's matching endpoints.
 * - `delivery`: attempt `attempt` (1-based) of one delivery of one event to one endpoint. Every attempt
 *   is its own message, sent with the retry schedule's delay, so the schedule never spends the
 *   queue's `max_retries` (those are left to transient consumer errors). `attempt` is absent only on
 *   messages published before it existed, which mean "the next attempt".
 */
export type WebhookQueueMessage =
  /** `requeues`: how many times the dead-letter queue has put this event back (absent at first). */
  | { kind: "event"; source: EventSource; eventId: string; requeues?: number }
  | { kind: "delivery"; deliveryId: string; attempt?: number };

/** Every event type the platform records (the seed's twelve plus the platform's own). */
export const EVENT_TYPES = [
  "policy.bound",
  "policy.endorsed",
  "policy.cancelled",
  "policy.renewed",
  "claim.filed",
  "claim.reserved",
  "claim.settled",
  "claim.closed",
  "claim.denied",
  "claim.payment_issued",
  "claim.investigation_started",
  "claim.reopened",
  "payment.received",
  "payment.failed",
  "da.limit_approaching",
  "compliance.deadline_approaching",
  "submission.created",
  "submission.quoted",
  "referral.created",
  "referral.decided",
  "invoice.created",
  "document.generated",
  "webhook.test",
  "webhook.disabled",
  "policy.reinstated",
  "payment.refunded",
  "invoice.voided",
  "invoice.overdue",
  "policy.pending_cancellation",
  "producer.license_expiring",
  "payment.disputed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
