/**
 * Per-test harness for the webhooks worker. Each test builds its own env: the real local D1, recording
 * stand-ins for the two queues (so a test sees exactly what was enqueued and feeds it back through the
 * consumer itself), and an in-memory event source standing in for `UNDERWRITING.readEvents`. The
 * consumer and the service run in this isolate, so a `fetch` spy is the receiving endpoint.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { Principal } from "#shared/auth";
import type { EventEnvelope, WebhookQueueMessage } from "#shared/events";
import { newId } from "#shared/ids";
import worker, { WebhooksService } from "../../workers/webhooks/src/index.ts";
import type { WebhooksEnv } from "../../workers/webhooks/src/env.ts";
import { DEAD_LETTER_QUEUE, EVENTS_QUEUE } from "../../workers/webhooks/src/queue.consumer.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { realNow } from "../support/clock.ts";

/** Result helpers shared by every project (test/support/results.ts). */
export { errorOf, unwrap };
export { newPrincipal } from "../support/principals.ts";

export { DEAD_LETTER_QUEUE, EVENTS_QUEUE };




/** A `Queue` that records what was sent instead of sending it. */
export class RecordingQueue implements Queue<WebhookQueueMessage> {
  readonly sent: { body: WebhookQueueMessage; delaySeconds?: number }[] = [];

  metrics(): Promise<QueueMetrics> {
    return Promise.resolve({ backlogCount: this.sent.length, backlogBytes: 0 });
  }

  send(body: WebhookQueueMessage, options?: QueueSendOptions): Promise<QueueSendResponse> {
    this.sent.push({ body, ...(options?.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }) });
    return Promise.resolve({ metadata: { metrics: { backlogCount: this.sent.length, backlogBytes: 0 } } });
  }

  async sendBatch(messages: Iterable<MessageSendRequest<WebhookQueueMessage>>): Promise<QueueSendBatchResponse> {
    for (const m of messages) await this.send(m.body, m.delaySeconds === undefined ? undefined : { delaySeconds: m.delaySeconds });
    return { metadata: { metrics: { backlogCount: this.sent.length, backlogBytes: 0 } } };
  }

  /** Ids of the `{kind: "delivery"}` messages sent, in order; clears the record. */
  takeDeliveryIds(): string[] {
    const ids = this.sent.flatMap((m) => (m.body.kind === "delivery" ? [m.body.deliveryId] : []));
    this.sent.length = 0;
    return ids;
  }
}

export interface Harness {
  env: WebhooksEnv;
  service: WebhooksService;
  events: RecordingQueue;
  dlq: RecordingQueue;
  /** What `UNDERWRITING.readEvents` answers from; every call's ids are recorded in `reads`. */
  source: Map<string, EventEnvelope>;
  reads: string[][];
}

/** A fresh env over the real D1 with recording queues and an in-memory event source. */
export function harness(overrides: Partial<WebhooksEnv> = {}): Harness {
  const events = new RecordingQueue();
  const dlq = new RecordingQueue();
  const source = new Map<string, EventEnvelope>();
  const reads: string[][] = [];
  const testEnv: WebhooksEnv = {
    WEBHOOKS_DB: env.WEBHOOKS_DB,
    WEBHOOK_EVENTS: events,
    WEBHOOK_DLQ: dlq,
    UNDERWRITING: {
      readEvents: async (ids: string[]) => {
        reads.push(ids);
        return ids.flatMap((id) => (source.has(id) ? [source.get(id)!] : []));
      },
    },
    ENVIRONMENT: "development",
    WEBHOOK_RETRY_SCHEDULE: "1,2,4",
    WEBHOOK_ALLOW_LOOPBACK: "false",
    WEBHOOK_TIMEOUT_MS: "15000",
    WEBHOOK_ENCRYPTION_KEY: env.WEBHOOK_ENCRYPTION_KEY,
    // The workspace stand-in (vitest.config.ts): admits every endpoint unless a test set its org a limit.
    WORKSPACE: env.WORKSPACE,
    ...overrides,
  };
  return { env: testEnv, service: new WebhooksService(createExecutionContext(), testEnv), events, dlq, source, reads };
}

/** An event as a domain outbox would record it, registered with the harness's event source. */
export function publish(h: Harness, orgId: string, type: string, data: Record<string, unknown> = {}): EventEnvelope {
  const envelope: EventEnvelope = { id: newId("evt"), type, orgId, timestamp: new Date(realNow()).toISOString(), data };
  h.source.set(envelope.id, envelope);
  return envelope;
}

export interface QueuedMessage {
  body: unknown;
  attempts?: number;
  timestamp?: Date;
}

let messageSeq = 0;

/**
 * Run one batch through the worker's `queue` handler; answers the per-message ack/retry state.
 * `createMessageBatch` records that a message was retried but not the delay it asked for, so each
 * message's `retry` is spied on and the delay is put back into `retryMessages`.
 */
export async function runBatch(h: Harness, queue: string, messages: QueuedMessage[]): Promise<QueueResult & { ids: string[] }> {
  const ids = messages.map(() => `msg-${++messageSeq}`);
  const batch = createMessageBatch(
    queue,
    messages.map((m, i) => ({ id: ids[i]!, timestamp: m.timestamp ?? new Date(realNow()), attempts: m.attempts ?? 1, body: m.body })),
  );
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((options?: QueueRetryOptions) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, h.env);
  const result = await getQueueResult(batch, ctx);
  const retryMessages = result.retryMessages.map((m) => {
    const delaySeconds = delays.get(m.msgId);
    return delaySeconds === undefined ? m : { ...m, delaySeconds };
  });
  return { ...result, retryMessages, ids };
}

/** Fan out `envelopes` as `{kind: "event"}` messages; answers the delivery ids the consumer enqueued. */
export async function fanOut(h: Harness, envelopes: EventEnvelope[]): Promise<string[]> {
  const result = await runBatch(h, EVENTS_QUEUE, envelopes.map((e) => ({ body: { kind: "event", source: "underwriting", eventId: e.id } })));
  expect(result.explicitAcks).toHaveLength(envelopes.length);
  return h.events.takeDeliveryIds();
}

/**
 * Attempt one delivery through the consumer, as its queue message: `attempt` is the attempt number
 * the message is for (1 unless given), `attempts` how many times the queue has delivered it.
 */
export function deliver(h: Harness, deliveryId: string, options: { attempt?: number; attempts?: number; timestamp?: Date } = {}) {
  const { attempt = 1, ...queued } = options;
  return runBatch(h, EVENTS_QUEUE, [{ body: { kind: "delivery", deliveryId, attempt }, ...queued }]);
}

export interface ReceivedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  redirect: RequestInit["redirect"];
}

/**
 * Replace outbound `fetch` with a receiver: `respond` gets each request (and its 1-based number) and
 * answers it. Restored by `vi.restoreAllMocks()`.
 */
export function receiver(respond: (request: ReceivedRequest, n: number) => Response | Promise<Response> = () => new Response("ok")) {
  const requests: ReceivedRequest[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const received: ReceivedRequest = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: await request.text(),
      redirect: init?.redirect,
    };
    requests.push(received);
    return respond(received, requests.length);
  });
  return { requests, spy };
}

/** Direct reads of the webhooks database (assertions only). */
export const db = () => env.WEBHOOKS_DB;

export async function attemptRows(deliveryId: string) {
  const { results } = await db()
    .prepare("SELECT attempt, status_code, next_attempt_at, error FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt")
    .bind(deliveryId)
    .all<{ attempt: number; status_code: number | null; next_attempt_at: string | null; error: string | null }>();
  return results;
}

export async function deliveryRow(deliveryId: string) {
  return db().prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(deliveryId).first<Record<string, unknown>>();
}

/** Move the clock (for this isolate: the worker under test sees it too). */
export function travelTo(at: Date | number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
}

/** Hex HMAC-SHA256 with WebCrypto: the seed's `createHmac('sha256', secret).update(rawBody).digest('hex')`. */
export async function seedHmacHex(secret: string, rawBody: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(rawBody)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The seed's `verifyWebhook(rawBody, signature, secret)`, with WebCrypto in place of node:crypto. */
export async function seedVerifyWebhook(rawBody: string, signature: string | null, secret: string): Promise<boolean> {
  const expected = `sha256=${await seedHmacHex(secret, rawBody)}`;
  const a = new TextEncoder().encode(signature ?? "");
  const b = new TextEncoder().encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

export function headersObject(headers: Headers): Record<string, string> {
  return Object.fromEntries(headers.entries());
}
