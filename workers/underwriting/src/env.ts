import type { WebhookQueueMessage } from "#shared/events";
import type { DealRoomsInternalRpc, DocumentsInternalRpc, IdentityInternalRpc, MarketInternalRpc, ProducersInternalRpc, WorkspaceInternalRpc } from "#shared/rpc";
import type { DaLedger } from "./da-ledger.do.ts";

export interface UnderwritingEnv {
  UNDERWRITING_DB: D1Database;
  /** One object per delegated-authority agreement: the aggregate written premium against its cap. */
  DA_LEDGER: DurableObjectNamespace<DaLedger>;
  /** Thin event messages for the webhook delivery worker (the outbox relay is the only producer here). */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** Deal rooms, to post a system message when a referral linked to a room is created or decided. */
  DEAL_ROOMS: Service<DealRoomsInternalRpc>;
  /** The documents worker: renders and stores the declarations page and MCS-90 of each bind and endorsement. */
  DOCUMENTS: Service<DocumentsInternalRpc>;
  /** Identity: the org's name, printed as the producer on policy paper. */
  IDENTITY: Service<IdentityInternalRpc>;
  ENVIRONMENT: string;
  /** Producers: a submission's producer's distribution authority at quote and bind (`authorityFor`). */
  PRODUCERS: Service<ProducersInternalRpc>;
  /** Market: the org's underwriting rules (the rule studio) judge every quote (`decideRules`); unreachable, quoting fails closed. */
  MARKET: Service<MarketInternalRpc>;
  /** Workspace: each bind counts `policies_bound` against the org's plan (reserve, then commit or release). */
  WORKSPACE: Service<WorkspaceInternalRpc>;
}
