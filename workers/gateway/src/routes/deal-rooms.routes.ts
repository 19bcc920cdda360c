import {
  zCreateDealRoomBody,
  zGetDealRoomPath,
  zGetDealRoomSocketPath,
  zListDealRoomMessagesPath,
  zListDealRoomMessagesQuery,
  zListDealRoomsQuery,
  zPostDealRoomMessageBody,
  zPostDealRoomMessagePath,
} from "#contract/zod.gen";
import { ok } from "#shared/errors";
import { issueRoomSocketUrl } from "../deal-room-sockets.ts";
import { route } from "../http/route.ts";

/** Deal rooms: the deal-rooms worker behind `DEAL_ROOMS` (the socket upgrade itself is in deal-room-sockets.ts). */
export const dealRoomRoutes = [
  route({
    method: "get",
    path: "/v1/deal-rooms",
    operationId: "listDealRooms",
    auth: "credential",
    scope: "deal-rooms:read",
    schemas: { query: zListDealRoomsQuery },
    handler: ({ env, principal, input }) => env.DEAL_ROOMS.listRooms(principal, input.query),
  }),
  route({
    method: "post",
    path: "/v1/deal-rooms",
    operationId: "createDealRoom",
    auth: "credential",
    scope: "deal-rooms:write",
    schemas: { body: zCreateDealRoomBody },
    status: 201,
    handler: ({ env, principal, input }) => env.DEAL_ROOMS.createRoom(principal, input.body),
  }),
  route({
    method: "get",
    path: "/v1/deal-rooms/:id",
    operationId: "getDealRoom",
    auth: "credential",
    scope: "deal-rooms:read",
    schemas: { path: zGetDealRoomPath },
    handler: ({ env, principal, input }) => env.DEAL_ROOMS.getRoom(principal, input.path.id),
  }),
  route({
    method: "get",
    path: "/v1/deal-rooms/:id/messages",
    operationId: "listDealRoomMessages",
    auth: "credential",
    scope: "deal-rooms:read",
    schemas: { path: zListDealRoomMessagesPath, query: zListDealRoomMessagesQuery },
    handler: ({ env, principal, input }) => env.DEAL_ROOMS.listMessages(principal, input.path.id, input.query),
  }),
  route({
    method: "post",
    path: "/v1/deal-rooms/:id/messages",
    operationId: "postDealRoomMessage",
    auth: "credential",
    scope: "deal-rooms:write",
    schemas: { path: zPostDealRoomMessagePath, body: zPostDealRoomMessageBody },
    status: 201,
    handler: ({ env, principal, input }) => env.DEAL_ROOMS.postMessage(principal, input.path.id, input.body),
  }),
  route({
    method: "get",
    path: "/v1/deal-rooms/:id/ws",
    operationId: "getDealRoomSocket",
    auth: "credential",
    scope: "deal-rooms:read",
    schemas: { path: zGetDealRoomSocketPath },
    handler: async ({ env, principal, input, c }) => {
      // Only a room of the caller's own org gets a URL: another org's room is 404 like everywhere else.
      const room = await env.DEAL_ROOMS.getRoom(principal, input.path.id);
      if (!room.ok) return room;
      return ok(await issueRoomSocketUrl(c, principal, input.path.id));
    },
  }),
];
