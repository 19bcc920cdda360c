import { ok } from "#shared/errors";
import { issueRoomSocketUrl } from "../deal-room-sockets.ts";
import { route } from "../http/route.ts";

/** Deal rooms: the deal-rooms worker behind `DEAL_ROOMS` (the socket upgrade itself is in deal-room-sockets.ts). */
export const dealRoomRoutes = [
  route("listDealRooms", ({ env, principal, input }) => env.DEAL_ROOMS.listRooms(principal, input.query)),
  route("createDealRoom", ({ env, principal, input }) => env.DEAL_ROOMS.createRoom(principal, input.body)),
  route("getDealRoom", ({ env, principal, input }) => env.DEAL_ROOMS.getRoom(principal, input.path.id)),
  route("listDealRoomMessages", ({ env, principal, input }) => env.DEAL_ROOMS.listMessages(principal, input.path.id, input.query)),
  route("postDealRoomMessage", ({ env, principal, input }) => env.DEAL_ROOMS.postMessage(principal, input.path.id, input.body)),
  route("getDealRoomSocket", async ({ env, principal, input, c }) => {
    // Only a room of the caller's own org gets a URL: another org's room is 404 like everywhere else.
    const room = await env.DEAL_ROOMS.getRoom(principal, input.path.id);
    if (!room.ok) return room;
    return ok(await issueRoomSocketUrl(c, principal, input.path.id));
  }),
];
