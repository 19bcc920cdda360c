import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      IDENTITY_DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
      API_SECRET: string;
      JWT_SECRET: string;
      ENVIRONMENT: string;
    }
  }
}
