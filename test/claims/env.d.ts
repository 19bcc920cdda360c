declare global {
  namespace Cloudflare {
    interface Env {
      CLAIMS_DB: D1Database;
      // UNDERWRITING and IDENTITY are the stand-ins of vitest.config.ts; test/claims/harness.ts types
      // their test methods itself (other projects declare the same binding names with other types).
    }
  }
}

export {};
