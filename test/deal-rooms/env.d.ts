import type { DealRoom } from "../../workers/deal-rooms/src/deal-room.do.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      DEAL_ROOMS_DB: D1Database;
      DEAL_ROOM: DurableObjectNamespace<DealRoom>;
      ENVIRONMENT: string;
    }
  }
}
