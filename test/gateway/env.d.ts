import type { D1Migration } from "cloudflare:test";
import type { GatewayEnv } from "../../workers/gateway/src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {
      IDENTITY_DB: D1Database;
      UNDERWRITING_DB: D1Database;
      IDENTITY_MIGRATIONS: D1Migration[];
      UNDERWRITING_MIGRATIONS: D1Migration[];
      WEBHOOKS_DB: D1Database;
      WEBHOOKS_MIGRATIONS: D1Migration[];
      DEAL_ROOMS_DB: D1Database;
      DEAL_ROOMS_MIGRATIONS: D1Migration[];
    }
  }
}
