import type { PublicBindings, ReferralClickRecord } from "#shared/rpc";
import type { IdempotencyStore } from "./idempotency.do.ts";
import type { RateLimiter } from "./rate-limiter.do.ts";

/**
 * Bindings of the gateway (root wrangler.toml, its bindings generated from workers/registry.ts). Each
 * domain worker is bound at its public entrypoint only (`IDENTITY`, `UNDERWRITING`, `WEBHOOKS`,
 * `DEAL_ROOMS`), typed by that entrypoint's interface in the platform's one RPC module
 * (`PublicBindings`, workers/_shared/rpc.ts), never by importing the worker's code.
 */
export interface GatewayEnv extends PublicBindings {
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  IDEMPOTENCY: DurableObjectNamespace<IdempotencyStore>;
  /** The partners worker's click queue: an admitted referral click goes straight on it (partners consumes it). */
  PARTNER_CLICKS: Queue<ReferralClickRecord>;
  API_SECRET: string;
  JWT_SECRET: string;
  ENVIRONMENT: string;
  /** `api_calls` batching (middleware/api-calls.ts): calls an isolate tallies per org before flushing them to the org's meter. */
  API_CALLS_BATCH?: string;
  /** The longest a tallied call waits for its flush, ms. */
  API_CALLS_FLUSH_MS?: string;
  /** Development and tests only: a full batch is flushed before its request answers (`"true"`). */
  API_CALLS_FLUSH_INLINE?: string;
}

/** Per-request values set by the middleware chain. */
export interface GatewayVariables {
  requestId: string;
  /** Sends a request through this gateway's own app (MCP tool calls run the operation's pipeline). */
  dispatch?: (request: Request) => Promise<Response>;
}

export type GatewayContext = { Bindings: GatewayEnv; Variables: GatewayVariables };
