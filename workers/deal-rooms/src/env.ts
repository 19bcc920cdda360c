import type { IdentityInternalRpc } from "#shared/rpc";
import type { DealRoom } from "./deal-room.do.ts";

/** Bindings of the deal-rooms worker (workers/deal-rooms/wrangler.toml). */
export interface DealRoomsEnv {
  /** The directory of rooms per org: listing, filtering and the tenancy check before any room is touched. */
  DEAL_ROOMS_DB: D1Database;
  /** One object per room, addressed by its `room_…` id: live sockets and the room's messages. */
  DEAL_ROOM: DurableObjectNamespace<DealRoom>;
  /** Identity's internal entrypoint: whether the API key behind an open socket still works. */
  IDENTITY: Service<IdentityInternalRpc>;
  ENVIRONMENT: string;
}
