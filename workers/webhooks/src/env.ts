import { isProduction } from "#shared/environment";
import type { WebhookQueueMessage } from "#shared/events";
import type { WorkspaceInternalRpc } from "#shared/rpc";

export type { EventSourceRpc } from "#shared/rpc";

/**
 * One service binding per worker that records events, to its internal entrypoint (`EventSourceRpc`),
 * generated into wrangler.toml from workers/registry.ts and named by `eventSourceBinding(source)`
 * (`UNDERWRITING`). The consumer looks a message's `source` up by that name, so a new emitting
 * worker is bound here by its registry entry alone.
 */
export interface EventSourceBindings {
  readonly [binding: string]: unknown;
}

/** Bindings of the webhooks worker (workers/webhooks/wrangler.toml plus the `WEBHOOK_ENCRYPTION_KEY` secret). */
export interface WebhooksEnv extends EventSourceBindings {
  WEBHOOKS_DB: D1Database;
  /** Producer for the queue this worker also consumes: fan-out enqueues `{kind: "delivery"}` here. */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** Deliveries that exhausted their retry schedule; consumed by this worker to record them. */
  WEBHOOK_DLQ: Queue<WebhookQueueMessage>;
  ENVIRONMENT: string;
  /** Comma-separated seconds before each retry; see {@link retrySchedule}. */
  WEBHOOK_RETRY_SCHEDULE?: string;
  /** "true" allows loopback endpoint URLs (local development; ignored in production). */
  WEBHOOK_ALLOW_LOOPBACK?: string;
  /** Per-attempt timeout in milliseconds (default 15000). */
  WEBHOOK_TIMEOUT_MS?: string;
  /** Base64 of 32 bytes: the AES-256-GCM key that encrypts endpoint signing secrets at rest. */
  WEBHOOK_ENCRYPTION_KEY: string;
  /** The workspace worker's internal entrypoint: each live endpoint counts `webhook_endpoints` against the org's plan. */
  WORKSPACE: Service<WorkspaceInternalRpc>;
}

export { isProduction } from "#shared/environment";

/** DECISIONS.md: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/**
 * Seconds to wait before retry 1, 2, …; a delivery gets `length + 1` attempts. An unset or
 * malformed value falls back to the production schedule rather than to "never retry".
 */
export function retrySchedule(env: Pick<WebhooksEnv, "WEBHOOK_RETRY_SCHEDULE">): readonly number[] {
  const raw = env.WEBHOOK_RETRY_SCHEDULE?.trim();
  if (!raw) return DEFAULT_RETRY_SCHEDULE;
  const parsed = raw.split(",").map((s) => Number(s.trim()));
  return parsed.every((n) => Number.isFinite(n) && n >= 0) ? parsed : DEFAULT_RETRY_SCHEDULE;
}

export function attemptTimeoutMs(env: Pick<WebhooksEnv, "WEBHOOK_TIMEOUT_MS">): number {
  const n = Number(env.WEBHOOK_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : 15_000;
}

/** Loopback URLs are a local-development convenience; production never honours the flag. */
export const allowLoopback = (env: Pick<WebhooksEnv, "ENVIRONMENT" | "WEBHOOK_ALLOW_LOOPBACK">): boolean =>
  env.WEBHOOK_ALLOW_LOOPBACK === "true" && !isProduction(env);
