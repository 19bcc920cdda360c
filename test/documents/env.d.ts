declare global {
  namespace Cloudflare {
    interface Env {
      DOCUMENTS_DB: D1Database;
      DOCUMENTS: R2Bucket;
      ENVIRONMENT: string;
    }
  }
}

export {};
