/** Bindings of the documents worker (workers/documents/wrangler.toml). */
export interface DocumentsEnv {
  /** One row per document: metadata, SHA-256, links to the policy / submission / claim / invoice. */
  DOCUMENTS_DB: D1Database;
  /** The bytes, under `orgs/{orgId}/documents/{docId}`; this worker alone reads and writes it. */
  DOCUMENTS: R2Bucket;
  ENVIRONMENT: string;
}
