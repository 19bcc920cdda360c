import type { GatewayEnv } from "../../workers/gateway/src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {
      IDENTITY_DB: D1Database;
      UNDERWRITING_DB: D1Database;
      WEBHOOKS_DB: D1Database;
      DEAL_ROOMS_DB: D1Database;
      DOCUMENTS_DB: D1Database;
      CLAIMS_DB: D1Database;
      BILLING_DB: D1Database;
      PORTAL_DB: D1Database;
      WORKSPACE_DB: D1Database;
      /** The documents worker's bucket, seen by the tests (scripts/lib/vitest-projects.ts). */
      DOCUMENTS_BUCKET: R2Bucket;
    }
  }
}
