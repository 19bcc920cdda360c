/**
 * One deal room: its live sockets (hibernatable) and its messages (in the room's own SQLite).
 *
 * Nothing lives in memory that a wake-up cannot rebuild: who is online comes from
 * `ctx.getWebSockets()` and each socket's small attachment; the room's identity from the `meta` table.
 * Pings are answered by the runtime ("ping" → "pong") without waking the object.
 *
 * A socket outlives the join token that opened it, so its attachment also keeps the credential
 * behind it (kind, id, expiry) and the times of its last frames. The socket is closed with 1008
 * when that credential has expired or (an API key) been revoked, checked on every frame it sends
 * and by an alarm at least once a minute while any socket is open; and when it sends more than
 * {@link LIMITS.burstFrames} frames within {@link LIMITS.burstWindowMs}.
 */
import { DurableObject } from "cloudflare:workers";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { encodeCursor, MAX_PAGE_SIZE, type Cursor, type Page } from "#shared/pagination";
import type { DealRoomsEnv } from "./env.ts";
import { LIMITS, type Author, type Message, type Participant, type ServerFrame } from "./types.ts";
import { errorResponse, isUpgrade, readForwardedUpgrade, type SocketCredential } from "./upgrade.ts";
import { parseBody } from "./validation.ts";

/** Who the room belongs to; written once by `init`. */
export interface RoomIdentity {
  roomId: string;
  orgId: string;
  name: string;
}

/**
 * What each socket carries across hibernation: the participant it speaks for, plus `left` once the
 * room has announced its departure (so a server-initiated close is not announced twice), the
 * credential it was opened with, and the arrival times (ms) of its most recent frames, at most
 * {@link LIMITS.burstFrames} of them, for the burst limit.
 */
type Attachment = Participant & { left?: true; canWrite?: boolean; credential?: SocketCredential; recent?: number[] };

/** Why a socket's credential no longer admits it; null while it does. */
type CredentialVerdict = "credential expired" | "credential revoked" | "rejoin with a fresh wsUrl" | null;

type MessageRow = {
  id: string;
  author_id: string;
  author_kind: Author["kind"];
  author_name: string | null;
  body: string;
  created_at: string;
};

const encoder = new TextEncoder();

export class DealRoom extends DurableObject<DealRoomsEnv> {
  /**
   * Frames are handled one after another: a frame waits for the credential check of the one before,
   * so a socket's messages keep their order. Only ordering lives here; nothing a wake-up needs.
   */
  private inbox: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: DealRoomsEnv) {
    super(ctx, env);
    // Synchronous and idempotent: the schema is ensured before any event is delivered.
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS messages (
         id TEXT PRIMARY KEY,
         author_id TEXT NOT NULL,
         author_kind TEXT NOT NULL,
         author_name TEXT,
         body TEXT NOT NULL,
         created_at TEXT NOT NULL
       )`,
    );
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at, id)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // Join-token ids already admitted, kept until the token would have expired anyway.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS admitted_tokens (id TEXT PRIMARY KEY, expires INTEGER NOT NULL)");
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // RPC (from DealRoomsService, after it checked the room belongs to the caller's org)

  /** Binds this object to its room. Idempotent; refuses to rebind to another room or org. */
  init(identity: RoomIdentity): Result<RoomIdentity> {
    const existing = this.identity();
    if (existing) {
      if (existing.roomId !== identity.roomId || existing.orgId !== identity.orgId) return fail("conflict", "This room is already bound");
      return ok(existing);
    }
    for (const [key, value] of Object.entries(identity)) {
      this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?)", key, value);
    }
    return ok(identity);
  }

  /** Persists a message and broadcasts it to every live socket, exactly as a socket message is. */
  post(author: Author, body: string): Result<Message> {
    const room = this.identity();
    if (!room) return notFound("Deal room");
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed;
    return ok(this.append(room, author, parsed.value));
  }

  /** Newest first, keyset-paginated on (createdAt, id). `limit` is clamped to 1..100. */
  history(query: { limit: number; cursor: Cursor | null }): Result<Page<Message>> {
    const room = this.identity();
    if (!room) return notFound("Deal room");
    const limit = Math.min(Math.max(Math.trunc(query.limit) || 1, 1), MAX_PAGE_SIZE);
    const c = query.cursor;
    const rows = (
      c
        ? this.ctx.storage.sql.exec<MessageRow>(
            `SELECT * FROM messages WHERE created_at < ? OR (created_at = ? AND id < ?)
             ORDER BY created_at DESC, id DESC LIMIT ?`,
            c.createdAt,
            c.createdAt,
            c.id,
            limit + 1,
          )
        : this.ctx.storage.sql.exec<MessageRow>("SELECT * FROM messages ORDER BY created_at DESC, id DESC LIMIT ?", limit + 1)
    ).toArray();
    const page = rows.slice(0, limit).map((row) => toMessage(room.roomId, row));
    const last = page[page.length - 1];
    return ok({ data: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null });
  }

  /** Who is connected now, one entry per actor. */
  online(): Participant[] {
    return this.participants();
  }

  // WebSockets

  /** Accepts an upgrade the worker has checked against the directory; re-checks it against this room. */
  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) return errorResponse(426, "upgrade_required", "Expected a WebSocket upgrade", { Upgrade: "websocket" });
    const forwarded = readForwardedUpgrade(request.headers);
    if (!forwarded) return errorResponse(404, "route_not_found", "Not a forwarded room upgrade");
    const room = this.identity();
    if (!room || room.roomId !== forwarded.roomId || room.orgId !== forwarded.orgId) return errorResponse(404, "not_found", "Deal room not found");
    if (!this.admitToken(forwarded.token)) {
      // The same words as every other refused room token: a 401 is no oracle.
      return errorResponse(401, "unauthorized", "Missing or invalid room token; ask GET /v1/deal-rooms/{id}/ws for a fresh wsUrl");
    }

    if (expired(forwarded.credential, Date.now())) {
      return errorResponse(401, "unauthorized", "Missing or invalid room token; ask GET /v1/deal-rooms/{id}/ws for a fresh wsUrl");
    }

    const before = this.participants();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const joined: Attachment = { ...forwarded.actor, joinedAt: new Date().toISOString(), canWrite: forwarded.canWrite, credential: forwarded.credential, recent: [] };
    server.serializeAttachment(joined);
    // The credential check runs while sockets are open; one alarm serves them all.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + LIMITS.credentialCheckMs);

    const online = this.participants();
    const you = online.find((p) => sameActor(p, joined)) ?? joined;
    send(server, { type: "welcome", roomId: room.roomId, participant: you, online });
    // Presence is per actor: a second tab of someone already here is not a new arrival.
    if (!before.some((p) => sameActor(p, joined))) this.broadcast({ type: "presence", event: "join", participant: you, online });
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * A join token works once: a wsUrl that leaks (a log line, a shared screen) cannot open a second
   * socket. An id is kept only until its token expires (the gateway refuses the token after that),
   * so the table holds at most a minute of joins.
   */
  private admitToken(token: { id: string; expires: number }): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM admitted_tokens WHERE expires < ?", Math.floor(Date.now() / 1000));
    return sql.exec("INSERT INTO admitted_tokens (id, expires) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", token.id, token.expires).rowsWritten > 0;
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const handled = this.inbox.then(() => this.handleFrame(ws, data));
    this.inbox = handled.catch(() => {});
    return handled;
  }

  /**
   * Re-check every open socket's credential, at least once a minute while any is open: expiry from
   * the attachment, revocation of API keys from identity (one question per key). Closes what fails.
   */
  /**
   * The org's data purged (retention over): open sockets close, the messages, meta, admitted tokens
   * and the alarm go. Idempotent; the room's directory row is deleted after this answers.
   */
  async purge(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(1008, "room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const live = this.live();
    if (live.length === 0) return;
    const room = this.identity();
    const now = Date.now();
    const keyIds = [...new Set(live.flatMap(({ who }) => (who.credential?.kind === "api_key" ? [who.credential.id] : [])))];
    const statuses = new Map(await Promise.all(keyIds.map(async (id) => [id, room ? await this.keyStatus(room.orgId, id) : null] as const)));
    for (const { ws, who } of live) {
      const verdict = verdictOf(who, now, who.credential?.kind === "api_key" ? statuses.get(who.credential.id) ?? null : null);
      if (verdict) this.expel(ws, verdict);
    }
    if (this.live().length > 0) await this.ctx.storage.setAlarm(Date.now() + LIMITS.credentialCheckMs);
  }

  private async handleFrame(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const sender = attachmentOf(ws);
    if (!sender || sender.left || ws.readyState !== WebSocket.OPEN) return;
    // The burst limit counts every frame, valid or not, before any work is done for it.
    const now = Date.now();
    const recent = (sender.recent ?? []).filter((t) => t > now - LIMITS.burstWindowMs);
    if (recent.length >= LIMITS.burstFrames) return this.expel(ws, "too many messages");
    recent.push(now);
    const counted: Attachment = { ...sender, recent };
    ws.serializeAttachment(counted);
    // And the credential, on every frame: an expired or revoked one closes the socket now.
    const status = counted.credential?.kind === "api_key" ? await this.keyStatus(this.identity()?.orgId ?? "", counted.credential.id) : null;
    const verdict = verdictOf(counted, Date.now(), status);
    if (verdict) return this.expel(ws, verdict);
    if (ws.readyState !== WebSocket.OPEN) return;

    if (typeof data !== "string") return send(ws, invalidFrame("Binary frames are not supported; send JSON text"));
    if (encoder.encode(data).byteLength > LIMITS.frameBytes) {
      ws.close(1009, "message too big");
      this.leave(ws);
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return send(ws, invalidFrame("Frames must be JSON"));
    }
    if (typeof frame !== "object" || frame === null || (frame as { type?: unknown }).type !== "message") {
      return send(ws, invalidFrame('Expected {"type": "message", "body": "…"}'));
    }
    const body = parseBody((frame as { body?: unknown }).body);
    if (!body.ok) return send(ws, invalidFrame(body.error.message));
    const room = this.identity();
    const author = attachmentOf(ws);
    if (!room || !author) return ws.close(1011, "room unavailable");
    if (author.canWrite === undefined) {
      // Opened before sockets carried their write permission: make it rejoin with a fresh wsUrl.
      ws.close(1008, "rejoin with a fresh wsUrl");
      return this.leave(ws);
    }
    if (!author.canWrite) {
      return send(ws, { type: "error", code: "insufficient_scope", message: "This socket was opened without deal-rooms:write: it can follow the room but not post" });
    }
    this.append(room, { id: author.id, kind: author.kind, ...(author.name ? { name: author.name } : {}) }, body.value);
  }

  override webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): void {
    // Complete the closing handshake (a no-op when the runtime already replied).
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
    this.leave(ws);
  }

  override webSocketError(ws: WebSocket, _error: unknown): void {
    this.leave(ws);
  }

  // Internals

  /**
   * Identity's answer for an API key, or null when identity could not be asked: a hiccup there
   * must not drop every socket, and the next frame or alarm asks again.
   */
  private async keyStatus(orgId: string, keyId: string): Promise<{ active: boolean; expiresAt: string | null } | null> {
    try {
      return await this.env.IDENTITY.apiKeyStatus(orgId, keyId);
    } catch (err) {
      console.error(`deal-room: could not check API key ${keyId}`, err);
      return null;
    }
  }

  /** Closes a socket for a policy reason (1008) and announces the departure. */
  private expel(ws: WebSocket, reason: string): void {
    try {
      ws.close(1008, reason);
    } catch {
      // already closed
    }
    this.leave(ws);
  }

  private identity(): RoomIdentity | null {
    const values = new Map<string, string>();
    for (const row of this.ctx.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) values.set(row.key, row.value);
    const roomId = values.get("roomId");
    const orgId = values.get("orgId");
    return roomId && orgId ? { roomId, orgId, name: values.get("name") ?? "" } : null;
  }

  private append(room: RoomIdentity, author: Author, body: string): Message {
    const message: Message = { id: newId("msg"), roomId: room.roomId, author, body, createdAt: new Date().toISOString() };
    this.ctx.storage.sql.exec(
      "INSERT INTO messages (id, author_id, author_kind, author_name, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      message.id,
      author.id,
      author.kind,
      author.name ?? null,
      body,
      message.createdAt,
    );
    // Output gates hold these sends until the insert is durable.
    this.broadcast({ type: "message", message });
    return message;
  }

  /** Live sockets and their attachments, skipping `except` and any socket already leaving. */
  private live(except?: WebSocket): { ws: WebSocket; who: Attachment }[] {
    const live: { ws: WebSocket; who: Attachment }[] = [];
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === except || ws.readyState !== WebSocket.OPEN) continue;
      const who = attachmentOf(ws);
      if (who && !who.left) live.push({ ws, who });
    }
    return live;
  }

  /** One entry per actor (earliest connection's joinedAt), in order of arrival. */
  private participants(except?: WebSocket): Participant[] {
    const byActor = new Map<string, Participant>();
    for (const { who } of this.live(except)) {
      const key = `${who.kind}:${who.id}`;
      const seen = byActor.get(key);
      if (!seen || who.joinedAt < seen.joinedAt) byActor.set(key, toParticipant(who));
    }
    return [...byActor.values()].sort((a, b) => (a.joinedAt < b.joinedAt ? -1 : a.joinedAt > b.joinedAt ? 1 : 0));
  }

  private broadcast(frame: ServerFrame, except?: WebSocket): void {
    const text = JSON.stringify(frame);
    for (const { ws } of this.live(except)) send(ws, text);
  }

  /** Announces a socket's departure once; the actor leaves only when their last socket does. */
  private leave(ws: WebSocket): void {
    const who = attachmentOf(ws);
    if (!who || who.left) return;
    try {
      ws.serializeAttachment({ ...who, left: true } satisfies Attachment);
    } catch {
      // a socket already gone cannot take an attachment; its close event will not come again
    }
    const online = this.participants(ws);
    if (online.some((p) => sameActor(p, who))) return;
    this.broadcast({ type: "presence", event: "leave", participant: toParticipant(who), online }, ws);
  }
}

/** Whether a credential's expiry has passed at `now` (ms). */
function expired(credential: SocketCredential, now: number): boolean {
  return credential.expires !== null && credential.expires * 1000 <= now;
}

/**
 * Why the socket must close now, or null: its credential expired (by its own expiry, or one identity
 * reports, e.g. a rotation's grace), an API key identity says is no longer active, or a socket opened
 * before sockets carried their credential.
 */
function verdictOf(who: Attachment, now: number, status: { active: boolean; expiresAt: string | null } | null): CredentialVerdict {
  if (!who.credential) return "rejoin with a fresh wsUrl";
  if (expired(who.credential, now)) return "credential expired";
  if (status && !status.active) return "credential revoked";
  if (status?.expiresAt && Date.parse(status.expiresAt) <= now) return "credential expired";
  return null;
}

function attachmentOf(ws: WebSocket): Attachment | null {
  return (ws.deserializeAttachment() as Attachment | null) ?? null;
}

function toParticipant(a: Attachment): Participant {
  return { id: a.id, kind: a.kind, ...(a.name ? { name: a.name } : {}), joinedAt: a.joinedAt };
}

const sameActor = (a: Author, b: Author): boolean => a.id === b.id && a.kind === b.kind;

const invalidFrame = (message: string): ServerFrame => ({ type: "error", code: "invalid_frame", message });

/** Sends a frame; a socket that went away meanwhile is skipped (its close event will tidy up). */
function send(ws: WebSocket, frame: ServerFrame | string): void {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // closing or closed
  }
}

function toMessage(roomId: string, row: MessageRow): Message {
  const author: Author = { id: row.author_id, kind: row.author_kind };
  if (row.author_name) author.name = row.author_name;
  return { id: row.id, roomId, author, body: row.body, createdAt: row.created_at };
}
