import type { WebhookQueueMessage } from "#shared/events";
import type { ProducersInternalRpc, WorkspaceInternalRpc } from "#shared/rpc";

/** Bindings of the documents worker (workers/documents/wrangler.toml). */
export interface DocumentsEnv {
  /** Thin event messages for the webhook delivery worker (the outbox relay is the only producer here). */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** One row per document: metadata, SHA-256, links to the policy / submission / claim / invoice. */
  DOCUMENTS_DB: D1Database;
  /** The bytes, under `orgs/{orgId}/documents/{docId}`; this worker alone reads and writes it. */
  DOCUMENTS: R2Bucket;
  ENVIRONMENT: string;
  /**
   * Workers AI, for ingest's classification behind the flag `documents.ai_classification`.
   * Bound only when deployed (the registry's `deployOnly`: `npm run deploy` appends it to the config it
   * deploys), never in the committed wrangler.toml: it has no local simulator, and the multi-config
   * `wrangler dev` of `npm run dev` cannot start offline with it (ARCHITECTURE.md, "Documents and
   * downloads"). Without it the committed local model classifies every file; tests pass a fake.
   */
  AI?: Ai;
  /** The producers worker's internal entrypoint: the org's feature flags (`flags`, read in flags.ts). */
  PRODUCERS: Service<ProducersInternalRpc>;
  /**
   * The workspace worker's internal entrypoint: every stored byte counts `document_storage_bytes` against
   * the org's plan, and ingest's classification runs on the org's own LLM key (`completeWithOrgLlm`).
   */
  WORKSPACE: Service<WorkspaceInternalRpc>;
}
