import type { IdentityService } from "../../identity/src/index.ts";
import type { UnderwritingService } from "../../underwriting/src/index.ts";
import type { WebhooksService } from "../../webhooks/src/index.ts";
import type { DealRoomsService } from "../../deal-rooms/src/index.ts";
import type { IdempotencyStore } from "./idempotency.do.ts";
import type { RateLimiter } from "./rate-limiter.do.ts";

/**
 * Bindings of the gateway (root wrangler.toml). The domain workers are typed by their
 * entrypoint classes: a type-only import of each worker's public RPC surface.
 */
export interface GatewayEnv {
  IDENTITY: Service<IdentityService>;
  UNDERWRITING: Service<UnderwritingService>;
  WEBHOOKS: Service<WebhooksService>;
  /** Deal rooms over RPC; its `fetch` takes the WebSocket upgrades the gateway has authorised. */
  DEAL_ROOMS: Service<DealRoomsService>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  IDEMPOTENCY: DurableObjectNamespace<IdempotencyStore>;
  API_SECRET: string;
  JWT_SECRET: string;
  ENVIRONMENT: string;
}

/** Per-request values set by the middleware chain. */
export interface GatewayVariables {
  requestId: string;
}

export type GatewayContext = { Bindings: GatewayEnv; Variables: GatewayVariables };
