import type { PurgePlan } from "#shared/purge";
import type { DealRoomsEnv } from "./env.ts";

/** Deal rooms' share of a workspace purge: each room's {@link DealRoom} (messages, sockets, alarm) emptied before its directory row goes. */
export function dealRoomsPurge(env: Pick<DealRoomsEnv, "DEAL_ROOM">): PurgePlan {
  return {
    objects: [
      {
        table: "rooms",
        column: "id",
        purge: async (ids) => void (await Promise.all(ids.map((id) => env.DEAL_ROOM.getByName(id).purge()))),
      },
    ],
  };
}
