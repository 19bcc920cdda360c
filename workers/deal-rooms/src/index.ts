/**
 * The deal-rooms worker: rooms where underwriters, producers and the platform talk about a deal in
 * real time. The gateway reaches {@link DealRoomsService} over a service binding, having authenticated
 * the caller and checked scopes; every method confines itself to `principal.orgId`, and another org's
 * room answers `not_found`. The default `fetch` takes only the WebSocket upgrades the gateway forwards
 * (see ./upgrade.ts for the trusted headers).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page } from "#shared/pagination";
import type { DealRoomsInternalRpc, DealRoomsRpc } from "#shared/rpc";
import type { DealRoomsEnv } from "./env.ts";
import { findOrgRoom } from "./rooms.repo.ts";
import * as rooms from "./rooms.service.ts";
import type { CreateRoomInput, ListMessagesQuery, ListRoomsQuery, Message, PostMessageInput, Room } from "./types.ts";
import { errorResponse, isUpgrade, readForwardedUpgrade } from "./upgrade.ts";
import { dealRoomsPurge } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export { DealRoom } from "./deal-room.do.ts";
export type * from "./types.ts";
export type { DealRoomsEnv } from "./env.ts";
export { TRUSTED_HEADERS } from "./upgrade.ts";

/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

function database(env: DealRoomsEnv): DrizzleD1Database {
  let db = handles.get(env.DEAL_ROOMS_DB);
  if (!db) handles.set(env.DEAL_ROOMS_DB, (db = drizzle(env.DEAL_ROOMS_DB)));
  return db;
}

const depsOf = (env: DealRoomsEnv): rooms.DealRoomsDeps => ({ db: database(env), env });

/** The public entrypoint: the only one the gateway is bound to (RPC, and the upgrades it forwards). */
export class DealRoomsService extends WorkerEntrypoint<DealRoomsEnv> implements DealRoomsRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.DEAL_ROOMS_DB, dealRoomsPurge(this.env));
  }

  private get deps(): rooms.DealRoomsDeps {
    return depsOf(this.env);
  }

  /** The creator becomes a participant. Nobody is online in a new room. */
  createRoom(principal: Principal, input: CreateRoomInput): Promise<Result<Room>> {
    return rooms.createRoom(this.deps, principal, input);
  }

  /** Newest first unless `sort: "createdAt"`; filter by `submissionId`. Each room's `online` is live. */
  listRooms(principal: Principal, query?: ListRoomsQuery): Promise<Result<Page<Room>>> {
    return rooms.listRooms(this.deps, principal, query);
  }

  /** The room with `online`: who holds a socket open now. */
  getRoom(principal: Principal, id: string): Promise<Result<Room>> {
    return rooms.getRoom(this.deps, principal, id);
  }

  /** The room's history, newest first, cursor-paginated. */
  listMessages(principal: Principal, id: string, query?: ListMessagesQuery): Promise<Result<Page<Message>>> {
    return rooms.listMessages(this.deps, principal, id, query);
  }

  /** Persists a message and broadcasts it to every live socket, as if sent over a socket. */
  postMessage(principal: Principal, id: string, input: PostMessageInput): Promise<Result<Message>> {
    return rooms.postMessage(this.deps, principal, id, input);
  }

  /** The same forwarded-upgrade handler as the default export, so one (RPC) service binding serves both. */
  override fetch(request: Request): Promise<Response> {
    return forwardUpgrade(request, this.env);
  }
}

/**
 * The internal entrypoint, bound only to the workers the registry names (underwriting, for its
 * referral notices). Posting as the platform is not something a client may do, so the gateway is
 * never bound here.
 */
export class DealRoomsInternal extends WorkerEntrypoint<DealRoomsEnv> implements DealRoomsInternalRpc {
  /** The room, if it is the principal's org's (a referral's `dealRoomId` is checked with it). */
  getRoom(principal: Principal, id: string): Promise<Result<Room>> {
    return rooms.getRoom(depsOf(this.env), principal, id);
  }

  /** A `system` message in `orgId`'s room; another org's room is `not_found`. */
  postSystemMessage(orgId: string, roomId: string, body: string): Promise<Result<Message>> {
    return rooms.postSystemMessage(depsOf(this.env), orgId, roomId, body);
  }
}

/**
 * Only WebSocket upgrades the gateway forwarded: the room must be in the forwarded org's directory,
 * then the room's object takes the socket. A non-upgrade is 426; anything else 404.
 */
async function forwardUpgrade(request: Request, env: DealRoomsEnv): Promise<Response> {
  if (!isUpgrade(request)) return errorResponse(426, "upgrade_required", "Expected a WebSocket upgrade", { Upgrade: "websocket" });
  const forwarded = readForwardedUpgrade(request.headers);
  if (!forwarded) return errorResponse(404, "route_not_found", "This worker is reached through the gateway");
  const row = await findOrgRoom(database(env), forwarded.orgId, forwarded.roomId);
  if (!row) return errorResponse(404, "not_found", "Deal room not found");
  return env.DEAL_ROOM.getByName(row.id).fetch(request);
}

export default {
  fetch: (request, env) => forwardUpgrade(request, env),
} satisfies ExportedHandler<DealRoomsEnv>;
