/**
 * Per-test helpers for the deal-rooms worker: fresh tenants, the service over loopback RPC (exactly as
 * the gateway calls it), and sockets opened through the worker's `fetch` with the trusted headers the
 * gateway forwards, each collecting the frames it receives.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { DealRoomsInternal, DealRoomsService } from "../../workers/deal-rooms/src/index.ts";
import type { Author, Room, ServerFrame } from "../../workers/deal-rooms/src/types.ts";
import { newPrincipal as basePrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { realNow } from "../support/clock.ts";

/** Result helpers shared by every project (test/support/results.ts). */
export { errorOf, unwrap };



/** `ctx.exports.DealRoomsService`: the entrypoint over loopback RPC. */
export const rpc = (exports as unknown as { DealRoomsService: Service<DealRoomsService> }).DealRoomsService;

/** `ctx.exports.DealRoomsInternal`: the internal entrypoint (system messages), as underwriting calls it. */
export const internal = (exports as unknown as { DealRoomsInternal: Service<DealRoomsInternal> }).DealRoomsInternal;

/** The worker's default export, as the gateway's service binding reaches it. */
export const worker = (exports as unknown as { default: Fetcher }).default;

/** A user of a fresh org (every test gets its own tenant). */
export function newPrincipal(orgId: string = newId("org"), overrides: Partial<Principal> = {}): Principal {
  const actorId = newId("usr");
  return basePrincipal(orgId, { kind: "user", credentialId: actorId, actorId, role: "underwriter", scopes: ["deal-rooms:read", "deal-rooms:write"], ...overrides });
}

export async function newRoom(principal: Principal, input: { name?: string; submissionId?: string; participants?: string[] } = {}): Promise<Room> {
  return unwrap(await rpc.createRoom(principal, { name: "Acme GL renewal", ...input }));
}

/**
 * The headers the gateway sets on a forwarded upgrade: for a fresh join token unless `tokenId` is
 * given, and a credential that may post unless `canWrite` is false.
 */
export function upgradeHeaders(
  roomId: string,
  orgId: string,
  actor: Author,
  tokenId: string = newId("rtk"),
  canWrite = true,
  credential: { kind: "api_key" | "jwt" | "secret"; id: string; expires: number | null } = {
    kind: actor.kind === "api_key" ? "api_key" : "jwt",
    id: actor.id,
    expires: Math.floor(realNow() / 1000) + 3600,
  },
): Record<string, string> {
  return {
    "x-actor-credential-kind": credential.kind,
    "x-actor-credential-id": credential.id,
    "x-actor-credential-expires": credential.expires === null ? "" : String(credential.expires),
    Upgrade: "websocket",
    "x-room-id": roomId,
    "x-org-id": orgId,
    "x-actor-id": actor.id,
    "x-actor-kind": actor.kind,
    "x-actor-can-write": String(canWrite),
    "x-room-token-id": tokenId,
    "x-room-token-expires": String(Math.floor(realNow() / 1000) + 60),
    ...(actor.name === undefined ? {} : { "x-actor-name": encodeURIComponent(actor.name) }),
  };
}

const FRAME_TIMEOUT_MS = 2_000;

/** The client end of a room socket: every frame it receives, in order, and how it closed. */
export class RoomSocket {
  readonly frames: (ServerFrame | string)[] = [];
  private taken = 0;
  private closeEvent: { code: number; reason: string } | null = null;
  private wake: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const data = event.data as string;
      let frame: ServerFrame | string = data;
      try {
        frame = JSON.parse(data) as ServerFrame;
      } catch {
        // a non-JSON text frame ("pong"): kept as the string it was
      }
      this.frames.push(frame);
      this.notify();
    });
    ws.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.notify();
    });
  }

  private notify(): void {
    for (const wake of this.wake.splice(0)) wake();
  }

  private changed(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.wake.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet taken; fails after a timeout. */
  async next<F extends ServerFrame | string = ServerFrame>(): Promise<F> {
    const deadline = realNow() + FRAME_TIMEOUT_MS;
    while (this.taken >= this.frames.length) {
      if (!(await this.changed(Math.max(deadline - realNow(), 1)))) expect.fail(`no frame within ${FRAME_TIMEOUT_MS} ms; got ${JSON.stringify(this.frames)}`);
    }
    return this.frames[this.taken++] as F;
  }

  /** Takes frames until one of `type` (skipping others); fails after a timeout. */
  async nextOf<T extends ServerFrame["type"]>(type: T): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      const frame = await this.next<ServerFrame | string>();
      if (typeof frame !== "string" && frame.type === type) return frame as Extract<ServerFrame, { type: T }>;
    }
  }

  /** Asserts nothing more arrives for a while (after earlier frames were taken). */
  async expectQuiet(ms = 150): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    expect(this.frames.slice(this.taken)).toEqual([]);
  }

  async closed(): Promise<{ code: number; reason: string }> {
    const deadline = realNow() + FRAME_TIMEOUT_MS;
    while (!this.closeEvent) {
      if (!(await this.changed(Math.max(deadline - realNow(), 1)))) expect.fail("the socket did not close");
    }
    return this.closeEvent;
  }

  get isClosed(): boolean {
    return this.closeEvent !== null;
  }

  close(): void {
    this.ws.close(1000, "bye");
  }
}

/**
 * Opens a socket through the worker's `fetch`, as the gateway forwards an upgrade (for a credential
 * holding `deal-rooms:write` unless `canWrite` is false). Answers the welcome-ready socket.
 */
export async function connect(
  room: { id: string },
  orgId: string,
  actor: Author,
  options: { canWrite?: boolean; credential?: Parameters<typeof upgradeHeaders>[5] } = {},
): Promise<RoomSocket> {
  const headers = upgradeHeaders(room.id, orgId, actor, newId("rtk"), options.canWrite ?? true, options.credential);
  const res = await worker.fetch("http://deal-rooms/v1/deal-rooms/ws", { headers });
  expect(res.status).toBe(101);
  if (!res.webSocket) expect.fail("no webSocket on the 101 response");
  return new RoomSocket(res.webSocket);
}

/** The author a principal appears as on a socket (with an optional display name). */
export const actorOf = (p: Principal, name?: string): Author => ({ id: p.actorId, kind: p.kind === "api_key" ? "api_key" : "user", ...(name ? { name } : {}) });
