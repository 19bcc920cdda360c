declare global {
  namespace Cloudflare {
    interface Env {
      DOCUMENTS_DB: D1Database;
      ENVIRONMENT: string;
      // The worker's R2 bucket is also named DOCUMENTS, which the gateway project's Env types as the
      // documents service binding; the store tests read it through `bucket` (store.test.ts) instead.
    }
  }
}

export {};
