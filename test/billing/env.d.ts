declare global {
  namespace Cloudflare {
    interface Env {
      BILLING_DB: D1Database;
      ENVIRONMENT: string;
    }
  }
}

export {};
