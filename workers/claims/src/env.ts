import type { WebhookQueueMessage } from "#shared/events";
import type { IdentityInternalRpc, UnderwritingInternalRpc } from "#shared/rpc";

/** Bindings of the claims worker (workers/claims/wrangler.toml, generated from the registry). */
export interface ClaimsEnv {
  /** Claims, their history (activity, reserve transactions, payments, settlements, attachments) and the outbox. */
  CLAIMS_DB: D1Database;
  /** Thin event messages for the webhook delivery worker (the outbox relay is the only producer here). */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** Underwriting, internal: the policy a loss is judged against (`policyForClaim`). */
  UNDERWRITING: Service<UnderwritingInternalRpc>;
  /** Identity, internal: an assigned adjuster's role (`member`). */
  IDENTITY: Service<IdentityInternalRpc>;
  ENVIRONMENT: string;
}
