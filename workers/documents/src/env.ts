import type { WebhookQueueMessage } from "#shared/events";

/** Bindings of the documents worker (workers/documents/wrangler.toml). */
export interface DocumentsEnv {
  /** Thin event messages for the webhook delivery worker (the outbox relay is the only producer here). */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** One row per document: metadata, SHA-256, links to the policy / submission / claim / invoice. */
  DOCUMENTS_DB: D1Database;
  /** The bytes, under `orgs/{orgId}/documents/{docId}`; this worker alone reads and writes it. */
  DOCUMENTS: R2Bucket;
  ENVIRONMENT: string;
}
