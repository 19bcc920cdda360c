import type { FlagStore } from "./flag-store.do.ts";
import type { WebhookQueueMessage } from "#shared/events";
import type { IdentityInternalRpc } from "#shared/rpc";

/** Bindings of the producers worker (workers/producers/wrangler.toml, generated from the registry). */
export interface ProducersEnv {
  /** Producers (their licenses and commission rates) and their appointments. */
  PRODUCERS_DB: D1Database;
  /** Thin event messages of the outbox relay (`producer.license_expiring`). */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** Identity, internal: a linked user's role (`member`) and an org's sandbox clock (`clockOffsetOf`). */
  IDENTITY: Service<IdentityInternalRpc>;
  ENVIRONMENT: string;
  /** One object per org: its flag overrides, cached in front of `flag_overrides` (flag-store.do.ts). */
  FLAG_STORE: DurableObjectNamespace<FlagStore>;
}
