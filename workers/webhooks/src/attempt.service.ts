/**
 * One attempt of one delivery: vet the URL again, sign the stored body, POST it, and record the
 * attempt, the delivery's next state and the endpoint's health in one D1 batch.
 *
 * Every attempt is its own queue message naming its attempt number (see queue.consumer.ts): after a
 * failed attempt the consumer acks the message and sends a new one for the next attempt with the
 * schedule's delay, so the queue's `max_retries` only ever counts transient consumer errors of one
 * attempt. Duplicated messages are harmless: a terminal delivery is skipped; a message for an attempt
 * already recorded sends nothing (a redelivered copy of the last recorded attempt re-sends only the
 * next attempt's message, in case the crash came between recording and sending it); one published
 * before a manual retry is superseded; one that arrives early is put back for the time left; and two
 * racing attempts cannot both record attempt n (primary key), so the loser stops.
 *
 * Before sending, the ordering gate (ordering.ts) may hold the attempt behind an earlier event of the
 * same subject (`waiting`: nothing sent, nothing recorded); a test send is never held.
 */
import { atomically, isUniqueViolation, type Statement } from "#shared/db";
import {
  abandonDelivery,
  findDeliveryForAttempt,
  insertAttempt,
  recordDeliveryAttempt,
} from "./deliveries.repo.ts";
import type { WebhooksDeps } from "./deps.ts";
import { disableEndpoint, findEndpointById, recordEndpointFailure, recordEndpointSuccess } from "./endpoints.repo.ts";
import { attemptTimeoutMs, retrySchedule } from "./env.ts";
import { announceEndpointDisabled } from "./events.service.ts";
import { findEventById } from "./events.repo.ts";
import { orderGate, type Kick } from "./ordering.ts";
import type { DeliveryStatus, EndpointRow } from "./schema.ts";
import { openSecret } from "./secret-box.ts";
import { deliveryHeaders } from "./signing.ts";
import { checkEndpointUrl } from "./url-policy.ts";

/** What the queue consumer does with the message after an attempt. */
export type AttemptOutcome =
  | { kind: "skipped"; reason: string }
  | { kind: "abandoned"; reason: string }
  /** `next`: the next delivery of the subject, now free to go (ordering.ts). */
  | { kind: "succeeded"; attempt: number; next: Kick | null }
  | { kind: "gone"; attempt: number }
  | { kind: "retry"; attempt: number; delaySeconds: number }
  | { kind: "failed"; attempt: number; next: Kick | null }
  /** Nothing was sent now; the message for attempt `attempt` must be (re)sent after `delaySeconds`. */
  | { kind: "reschedule"; attempt: number; delaySeconds: number }
  /**
   * Held by an earlier event of the same subject (`blockedBy`): nothing was sent; the message for
   * attempt `attempt` must be sent again after `delaySeconds`, and `kick` (the stalled head) too.
   */
  | { kind: "waiting"; attempt: number; delaySeconds: number; blockedBy: string; kick: Kick | null };

export interface AttemptOptions {
  /** When the queue message was first published (a manual retry supersedes older messages). */
  messageSentAt?: Date;
  /** The attempt number the message is for; absent on messages from before attempts had their own. */
  attempt?: number;
  /** The queue delivered this message before (`msg.attempts > 1`): its first run may have crashed. */
  redelivered?: boolean;
  /**
   * A test send (`sendTest`): one attempt, no retry, and no effect on the endpoint's counters,
   * health or enabled state; allowed while the endpoint is disabled.
   */
  test?: boolean;
}

/** An endpoint failing without a single success for this long is disabled. */
export const FAILING_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
/** Queues delay a message by at most 12 hours. */
const MAX_DELAY_SECONDS = 43_200;
/** A message this much earlier than the scheduled attempt is not the schedule's own. */
const EARLY_TOLERANCE_MS = 1_000;
const EXCERPT_CHARS = 512;
const EXCERPT_READ_BYTES = 4_096;

export async function attemptDelivery(deps: WebhooksDeps, deliveryId: string, options: AttemptOptions = {}): Promise<AttemptOutcome> {
  const { db, env } = deps;
  const found = await findDeliveryForAttempt(db, deliveryId);
  if (!found) return { kind: "skipped", reason: "delivery not found" };
  const delivery = found.row;
  if (delivery.status === "succeeded" || delivery.status === "failed") return { kind: "skipped", reason: `delivery already ${delivery.status}` };
  const started = Date.now();
  const nowIso = new Date(started).toISOString();
  if (!options.test) {
    if (delivery.requeuedAt && options.messageSentAt && options.messageSentAt.getTime() < Date.parse(delivery.requeuedAt) - EARLY_TOLERANCE_MS) {
      return { kind: "skipped", reason: "superseded by a manual retry" };
    }
    const wanted = options.attempt;
    if (wanted !== undefined && wanted <= delivery.attemptCount) {
      // Recorded already: never sent twice. A redelivered copy of the last recorded attempt may
      // be all that is left of the schedule (the first run crashed before sending the next
      // message), so it sends the next attempt's message for the time that attempt is due.
      if (options.redelivered && wanted === delivery.attemptCount && delivery.status === "retrying" && delivery.nextAttemptAt) {
        return { kind: "reschedule", attempt: wanted + 1, delaySeconds: secondsUntil(delivery.nextAttemptAt, started) };
      }
      return { kind: "skipped", reason: `attempt ${wanted} is already recorded` };
    }
    if (wanted !== undefined && wanted > delivery.attemptCount + 1) return { kind: "skipped", reason: `attempt ${wanted} is not the next one` };
    if (delivery.nextAttemptAt && Date.parse(delivery.nextAttemptAt) - started > EARLY_TOLERANCE_MS) {
      if (wanted === undefined) return { kind: "skipped", reason: "superseded: the next attempt is scheduled later" };
      // The schedule's own message, early: put it back for the time left rather than lose it.
      return { kind: "reschedule", attempt: wanted, delaySeconds: secondsUntil(delivery.nextAttemptAt, started) };
    }
  }

  const endpoint = await findEndpointById(db, delivery.endpointId);
  if (!endpoint || endpoint.deletedAt || (!endpoint.enabled && !options.test)) {
    await abandonDelivery(db, delivery.id, nowIso);
    return { kind: "abandoned", reason: !endpoint || endpoint.deletedAt ? "endpoint deleted" : "endpoint disabled" };
  }
  // A test send is never held (it has no subject either); any other waits its subject's turn.
  const gate = options.test ? { kind: "go" as const, successor: null } : orderGate(delivery, found.firstOfSubject, started);
  if (gate.kind === "wait") {
    return { kind: "waiting", attempt: delivery.attemptCount + 1, delaySeconds: gate.delaySeconds, blockedBy: gate.blockedBy, kick: gate.kick };
  }
  const event = await findEventById(db, delivery.eventId);
  if (!event) throw new Error(`event ${delivery.eventId} of delivery ${delivery.id} is missing`);

  const attempt = delivery.attemptCount + 1;
  const result = await send(deps, endpoint, event.id, event.type, event.body);
  const finishedIso = new Date().toISOString();
  const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const gone = result.statusCode === 410;

  // An endpoint failing for 5 days is disabled by this failure; its delivery ends rather than retrying.
  const failingCutoff = new Date(Date.parse(finishedIso) - FAILING_DISABLE_AFTER_MS).toISOString();
  const failingTooLong = !succeeded && !gone && endpoint.failingSince !== null && endpoint.failingSince <= failingCutoff;
  // Position in the current schedule: retries restart after a manual retry.
  const schedule = retrySchedule(env);
  const retryIndex = attempt - delivery.scheduleStart - 1;
  const retryable = !succeeded && !gone && !failingTooLong && !options.test && retryIndex < schedule.length;
  const retryDelay = retryable ? jitteredDelay(schedule[retryIndex]!) : null;
  const nextAttemptAt = retryDelay === null ? null : new Date(Date.parse(finishedIso) + retryDelay * 1000).toISOString();
  const status: DeliveryStatus = succeeded ? "succeeded" : retryDelay !== null ? "retrying" : "failed";

  const statements: Statement[] = [
    insertAttempt(db, {
      deliveryId: delivery.id,
      attempt,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      responseExcerpt: result.responseExcerpt,
      error: result.error,
      attemptedAt: nowIso,
      nextAttemptAt,
    }),
    recordDeliveryAttempt(db, delivery.id, attempt, { status, nextAttemptAt, at: finishedIso }),
  ];
  if (!options.test) {
    statements.push(succeeded ? recordEndpointSuccess(db, endpoint.id, finishedIso) : recordEndpointFailure(db, endpoint.id, finishedIso, status === "failed"));
    if (gone) statements.push(disableEndpoint(db, endpoint.id, "gone", finishedIso));
    else if (!succeeded) statements.push(disableEndpoint(db, endpoint.id, "failing", finishedIso, failingCutoff));
  }

  let results: D1Result[];
  try {
    results = await atomically(db, statements);
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: "skipped", reason: `attempt ${attempt} was recorded by a concurrent message` };
    throw err;
  }

  const disabledNow = !options.test && !succeeded && (results[3]?.meta.changes ?? 0) === 1;
  if (disabledNow) {
    // The endpoint is disabled either way; losing the announcement must not replay the attempt.
    const failingSince = endpoint.failingSince ?? finishedIso;
    await announceEndpointDisabled(deps, { ...endpoint, failingSince }, gone ? "gone" : "failing", finishedIso).catch((err: unknown) =>
      console.error(`webhooks: announcing that endpoint ${endpoint.id} was disabled failed`, err),
    );
  }
  if (succeeded) return { kind: "succeeded", attempt, next: gate.successor };
  if (gone) return { kind: "gone", attempt };
  if (retryDelay !== null) return { kind: "retry", attempt, delaySeconds: retryDelay };
  if (failingTooLong && !options.test) return { kind: "abandoned", reason: "endpoint disabled after 5 days of failures" };
  return { kind: "failed", attempt, next: gate.successor };
}

interface SendResult {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

async function send(deps: WebhooksDeps, endpoint: EndpointRow, eventId: string, eventType: string, body: string): Promise<SendResult> {
  const verdict = checkEndpointUrl(endpoint.url, deps.urlPolicy);
  if (!verdict.ok) return { statusCode: null, durationMs: 0, responseExcerpt: null, error: `url not allowed: ${verdict.reason}` };
  if (!endpoint.secretCiphertext) throw new Error(`endpoint ${endpoint.id} has no signing secret`);

  const key = deps.env.WEBHOOK_ENCRYPTION_KEY;
  const secret = await openSecret(key, endpoint.id, endpoint.secretCiphertext);
  const graceOpen = endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > Date.now();
  const previousSecret = graceOpen ? await openSecret(key, endpoint.id, endpoint.previousSecretCiphertext!) : undefined;
  const headers = await deliveryHeaders({
    eventId,
    eventType,
    body,
    timestamp: Math.floor(Date.now() / 1000),
    secret,
    ...(previousSecret === undefined ? {} : { previousSecret }),
  });

  const timeoutMs = attemptTimeoutMs(deps.env);
  const started = Date.now();
  try {
    const response = await fetch(verdict.href, {
      method: "POST",
      headers,
      body,
      // A redirect is an answer (3xx fails the attempt), never followed: it could point anywhere.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const responseExcerpt = await readExcerpt(response);
    const redirected = response.status >= 300 && response.status < 400;
    return {
      statusCode: response.status,
      durationMs: Date.now() - started,
      responseExcerpt,
      error: redirected ? "redirects are not followed" : null,
    };
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const error = name === "TimeoutError" || name === "AbortError"
      ? `timed out after ${timeoutMs} ms`
      : `request failed: ${err instanceof Error ? err.message : String(err)}`;
    return { statusCode: null, durationMs: Date.now() - started, responseExcerpt: null, error: error.slice(0, EXCERPT_CHARS) };
  }
}

/** At most 512 characters of the response body, reading no more than a few KiB of it. */
async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_READ_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short (timeout, reset) still leaves what arrived.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const text = new TextDecoder().decode(bytes.subarray(0, EXCERPT_READ_BYTES)).slice(0, EXCERPT_CHARS);
  return text === "" ? null : text;
}

/** Whole seconds from `now` (ms) until `iso`, at least 0 and at most the queue's 12-hour maximum delay. */
function secondsUntil(iso: string, now: number): number {
  return Math.min(Math.max(Math.ceil((Date.parse(iso) - now) / 1000), 0), MAX_DELAY_SECONDS);
}

/** `seconds` ± 20%, whole seconds (queue delays are integers), capped at the queue's 12-hour maximum. */
export function jitteredDelay(seconds: number, random: () => number = Math.random): number {
  if (seconds <= 0) return 0;
  const jittered = Math.round(seconds * (0.8 + 0.4 * random()));
  return Math.min(Math.max(jittered, 1), MAX_DELAY_SECONDS);
}
