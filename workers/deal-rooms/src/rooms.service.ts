/**
 * Deal-room use cases: the directory in D1 decides which org a room belongs to; the room's Durable
 * Object holds its messages and live sockets. Every call checks the directory first, so another
 * org's room is `not_found` before its object is ever touched.
 */
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { parsePageQuery } from "#shared/db";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import type { DealRoomsEnv } from "./env.ts";
import { findOrgRoom, insertRoom, listRoomRows } from "./rooms.repo.ts";
import type { RoomRow } from "./schema.ts";
import type { Author, CreateRoomInput, ListMessagesQuery, ListRoomsQuery, Message, Participant, PostMessageInput, Room } from "./types.ts";
import { LIMITS } from "./types.ts";
import { parseBody, parseCreateRoom } from "./validation.ts";

export interface DealRoomsDeps {
  db: DrizzleD1Database;
  env: DealRoomsEnv;
}

/** The author of system messages (referral notices and the like). */
export const SYSTEM_AUTHOR: Author = { id: "system", kind: "system", name: "OpenInsure" };

const room = (deps: DealRoomsDeps, id: string) => deps.env.DEAL_ROOM.getByName(id);

function toRoom(row: RoomRow, online: Participant[]): Room {
  return {
    id: row.id,
    name: row.name,
    submissionId: row.submissionId,
    participants: row.participants,
    online,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** The author a principal writes as, named by its display name when it has one (cut to the room's limit). */
export function authorOf(principal: Principal): Author {
  const kind = principal.kind === "api_key" || principal.kind === "system" ? principal.kind : "user";
  const name = principal.displayName?.trim().slice(0, LIMITS.actorNameLength);
  return name ? { id: principal.actorId, kind, name } : { id: principal.actorId, kind };
}

function findRoom(deps: DealRoomsDeps, orgId: string, id: unknown): Promise<RoomRow | undefined> {
  return typeof id === "string" && id.length > 0 ? findOrgRoom(deps.db, orgId, id) : Promise.resolve(undefined);
}

/**
 * The object is bound to its room before the directory row exists: a room is never listed whose
 * object cannot serve it, and an object left unlisted by a failed insert is unreachable.
 */
export async function createRoom(deps: DealRoomsDeps, principal: Principal, input: CreateRoomInput): Promise<Result<Room>> {
  const parsed = parseCreateRoom(input, principal.actorId);
  if (!parsed.ok) return parsed;
  const row: RoomRow = {
    id: newId("room"),
    orgId: principal.orgId,
    name: parsed.value.name,
    submissionId: parsed.value.submissionId,
    participants: parsed.value.participants,
    createdBy: principal.actorId,
    createdAt: new Date().toISOString(),
  };
  const bound = await room(deps, row.id).init({ roomId: row.id, orgId: row.orgId, name: row.name });
  if (!bound.ok) return bound;
  await insertRoom(deps.db, row);
  return ok(toRoom(row, []));
}

/** Lists the org's rooms; each carries who is online now (one RPC per room on the page, in parallel). */
export async function listRooms(deps: DealRoomsDeps, principal: Principal, query: ListRoomsQuery | undefined): Promise<Result<Page<Room>>> {
  const q = query ?? {};
  if (q.submissionId !== undefined && typeof q.submissionId !== "string") return invalid("submissionId", "string", "submissionId must be a string");
  const listed = await listRoomRows(deps.db, principal.orgId, q);
  if (!listed.ok) return listed;
  const { rows, pageSize } = listed.value;
  const online = new Map(await Promise.all(rows.slice(0, pageSize).map(async (row) => [row.id, await room(deps, row.id).online()] as const)));
  return ok(toPage(rows, pageSize, (row) => toRoom(row, online.get(row.id) ?? [])));
}

export async function getRoom(deps: DealRoomsDeps, principal: Principal, id: string): Promise<Result<Room>> {
  const row = await findRoom(deps, principal.orgId, id);
  if (!row) return notFound("Deal room");
  return ok(toRoom(row, await room(deps, row.id).online()));
}

/** Newest first; `limit` 1..100 (default 25), opaque `cursor`. */
export async function listMessages(deps: DealRoomsDeps, principal: Principal, id: string, query: ListMessagesQuery | undefined): Promise<Result<Page<Message>>> {
  const row = await findRoom(deps, principal.orgId, id);
  if (!row) return notFound("Deal room");
  const page = parsePageQuery({ limit: query?.limit, cursor: query?.cursor });
  if (!page.ok) return page;
  return room(deps, row.id).history({ limit: page.value.limit, cursor: page.value.cursor });
}

/** Persisted in the room and broadcast to its live sockets, exactly as a socket message. */
export async function postMessage(deps: DealRoomsDeps, principal: Principal, id: string, input: PostMessageInput): Promise<Result<Message>> {
  const row = await findRoom(deps, principal.orgId, id);
  if (!row) return notFound("Deal room");
  const body = parseBody(typeof input === "object" && input !== null ? input.body : undefined);
  if (!body.ok) return body;
  return room(deps, row.id).post(authorOf(principal), body.value);
}

/** A platform notice (e.g. a referral linked to the room was created or decided), for `orgId`'s room only. */
export async function postSystemMessage(deps: DealRoomsDeps, orgId: string, roomId: string, body: string): Promise<Result<Message>> {
  const row = typeof orgId === "string" ? await findRoom(deps, orgId, roomId) : undefined;
  if (!row) return notFound("Deal room");
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  return room(deps, row.id).post(SYSTEM_AUTHOR, parsed.value);
}
