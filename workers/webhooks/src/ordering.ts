/**
 * Ordered delivery per subject. A delivery of an event with a subject (subject.ts) is attempted
 * only when no EARLIER event of the same subject (by occurrence: the envelope's timestamp, then the
 * event id, a ULID) still has an unfinished delivery (`pending` or `retrying`) to the same endpoint.
 * Otherwise it waits: its message is put back with a short delay, and the gate is asked again.
 *
 * Why the waiting message polls rather than relying on a chain alone: every waiting delivery keeps
 * its own message, so no lost or failed send can strand it. The chain is the fast path on top: when
 * a delivery finishes (succeeded, or failed for good), the consumer sends a message for the next
 * unfinished delivery of its subject at once, so it rarely waits for its poll. The poll that then
 * arrives finds the attempt recorded and sends nothing; copies in one batch run once (the consumer);
 * only a poll arriving in another batch while the chain's attempt is in flight sends the event a
 * second time (same `webhook-id`: at least once, as always).
 *
 * Head-of-line blocking is bounded: a delivery that failed for good (schedule spent, dead-lettered)
 * or was abandoned (endpoint deleted or disabled) is `failed` and holds nothing; the head of a
 * subject is never held (nothing earlier is unfinished), so it runs its schedule and ends. A head
 * whose own message seems lost (due more than {@link STALL_SECONDS} ago) is sent a new one by the
 * delivery waiting on it.
 *
 * What the gate reads comes with the attempt's own read of the delivery (`findDeliveryForAttempt`,
 * one statement, a correlated seek into a partial index): the first unfinished delivery of the
 * subject other than this one. If it is earlier, it holds this one; if not, nothing earlier is
 * unfinished and it is the successor the chain kicks once this one finishes. The gate itself is pure.
 */
import type { SubjectDelivery } from "./deliveries.repo.ts";
import type { DeliveryRow } from "./schema.ts";

/**
 * The poll of a waiting delivery whose head is due now (or being attempted), and the margin after a
 * head scheduled later: its finish normally sends the waiting one on at once (the chain), so the
 * poll is the fallback for a lost send, long enough not to coincide with that send as a rule.
 */
export const WAIT_SECONDS = 30;
/** The longest poll: a head retrying 10 hours out is looked at again every 15 minutes. */
export const MAX_WAIT_SECONDS = 900;
/** A head due this long ago without an attempt recorded has probably lost its message. */
export const STALL_SECONDS = 3600;

/** A message for attempt `attempt` of delivery `deliveryId`. */
export interface Kick {
  deliveryId: string;
  attempt: number;
}

export type Gate =
  /** Attempt it; once it finishes, kick `successor` (the next unfinished of its subject), if any. */
  | { kind: "go"; successor: Kick | null }
  /** Held by `blockedBy`; ask again after `delaySeconds`, and send `kick` (the stalled head) if set. */
  | { kind: "wait"; blockedBy: string; delaySeconds: number; kick: Kick | null };

type Ordered = Pick<DeliveryRow, "eventId" | "occurredAt" | "subject">;

/** True when `a` occurred before `b`: by timestamp, then by event id (ULIDs sort by time). */
export function occurredBefore(a: Pick<DeliveryRow, "occurredAt" | "eventId">, b: Pick<DeliveryRow, "occurredAt" | "eventId">): boolean {
  const at = a.occurredAt ?? "";
  const bt = b.occurredAt ?? "";
  return at < bt || (at === bt && a.eventId < b.eventId);
}

/** The gate for `delivery`, given `first`: the first unfinished other delivery of its subject to its endpoint. */
export function orderGate(delivery: Ordered, first: SubjectDelivery | null, now: number): Gate {
  if (delivery.subject === null || delivery.occurredAt === null || !first) return { kind: "go", successor: null };
  if (!occurredBefore(first, delivery)) return { kind: "go", successor: dueKick(first, now) };
  const due = first.nextAttemptAt === null ? now : Date.parse(first.nextAttemptAt);
  const delaySeconds =
    due > now ? Math.min(Math.ceil((due - now) / 1000) + WAIT_SECONDS, MAX_WAIT_SECONDS) : WAIT_SECONDS;
  const stalled = now - due > STALL_SECONDS * 1000;
  return { kind: "wait", blockedBy: first.id, delaySeconds, kick: stalled ? { deliveryId: first.id, attempt: first.attemptCount + 1 } : null };
}

/**
 * The message that lets `next` go now, or null when it is scheduled later (its own message comes
 * then; an early one would only be put back).
 */
function dueKick(next: SubjectDelivery, now: number): Kick | null {
  if (next.nextAttemptAt !== null && Date.parse(next.nextAttemptAt) > now + 1000) return null;
  return { deliveryId: next.id, attempt: next.attemptCount + 1 };
}
