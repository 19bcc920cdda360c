import type { DealRoom } from "../../workers/deal-rooms/src/deal-room.do.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      DEAL_ROOMS_DB: D1Database;
      DEAL_ROOM: DurableObjectNamespace<DealRoom>;
      /** The identity stand-in (vitest.config.ts): `apiKeyStatus` as identity answers it, and a test-only revoke. */
      IDENTITY: Fetcher & {
        apiKeyStatus(orgId: string, keyId: string): Promise<{ active: boolean; expiresAt: string | null }>;
        revokeForTest(keyId: string): Promise<boolean>;
      };
      ENVIRONMENT: string;
    }
  }
}
