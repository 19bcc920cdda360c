import { SignJWT, jwtVerify } from "jose";
import type { Context } from "hono";
import { hasScope, type Principal } from "#shared/auth";
import { ERROR_STATUS, type ErrorCode } from "#shared/errors";
import { newId } from "#shared/ids";
import { JWT_ISSUER } from "#shared/jwt";
import type { GatewayContext } from "./env.ts";
import { errorResponse } from "./http/errors.ts";

/** A deal-room join token is good for one minute (DECISIONS.md, "Deal rooms"). */
export const ROOM_TOKEN_TTL_SECONDS = 60;
const ROOM_AUDIENCE = "openinsure-deal-room";

interface RoomClaims {
  roomId: string;
  orgId: string;
  kind: Principal["kind"];
  /** Whether the socket may post: the principal held `deal-rooms:write` when the token was issued. */
  write: boolean;
  name?: string;
  /**
   * The credential the token was issued to, which the socket outlives: its kind, id (the API key's
   * id, or the JWT's subject) and expiry (unix seconds, null for never). The room closes the socket
   * when it expires or, for an API key, is revoked.
   */
  cred: { kind: "api_key" | "jwt" | "secret"; id: string; exp: number | null };
}

/** What the room must re-check about the principal's credential while its socket is open. */
function credentialOf(principal: Principal): RoomClaims["cred"] {
  const exp = principal.expiresAt === null ? null : Math.floor(Date.parse(principal.expiresAt) / 1000);
  if (principal.kind === "api_key") return { kind: "api_key", id: principal.credentialId, exp };
  if (principal.kind === "system") return { kind: "secret", id: "system", exp };
  return { kind: "jwt", id: principal.actorId, exp };
}

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * `{wsUrl, expiresAt}`: the room's socket URL carrying a short-lived token bound to this room, org
 * and caller. Each token has its own id (`jti`), and the room admits each id once.
 */
export async function issueRoomSocketUrl(c: Context<GatewayContext>, principal: Principal, roomId: string) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ROOM_TOKEN_TTL_SECONDS;
  const claims: RoomClaims = { roomId, orgId: principal.orgId, kind: principal.kind, write: hasScope(principal.scopes, "deal-rooms:write"), cred: credentialOf(principal) };
  if (principal.displayName) claims.name = principal.displayName;
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(principal.actorId)
    .setIssuer(JWT_ISSUER)
    .setAudience(ROOM_AUDIENCE)
    .setJti(newId("rtk"))
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key(c.env.JWT_SECRET));
  const url = new URL(c.req.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = `?token=${encodeURIComponent(token)}`;
  return { wsUrl: url.toString(), expiresAt: new Date(exp * 1000).toISOString() };
}

type VerifiedRoomToken = RoomClaims & { sub: string; jti: string; exp: number };

async function verifyRoomToken(token: string, secret: string, roomId: string): Promise<VerifiedRoomToken | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: JWT_ISSUER,
      audience: ROOM_AUDIENCE,
      requiredClaims: ["exp", "sub", "jti"],
    });
    const { roomId: tokenRoom, orgId, kind, sub, jti, exp, name, write, cred } = payload as Record<string, unknown>;
    if (tokenRoom !== roomId || typeof orgId !== "string" || typeof sub !== "string" || typeof kind !== "string") return null;
    if (typeof jti !== "string" || typeof exp !== "number" || typeof write !== "boolean") return null;
    const credential = cred as Partial<RoomClaims["cred"]> | null | undefined;
    if (typeof credential !== "object" || credential === null || typeof credential.id !== "string") return null;
    if (credential.kind !== "api_key" && credential.kind !== "jwt" && credential.kind !== "secret") return null;
    if (credential.exp !== null && typeof credential.exp !== "number") return null;
    const verified: VerifiedRoomToken = {
      roomId,
      orgId,
      kind: kind as Principal["kind"],
      sub,
      jti,
      exp,
      write,
      cred: { kind: credential.kind, id: credential.id, exp: credential.exp ?? null },
    };
    if (typeof name === "string" && name) verified.name = name;
    return verified;
  } catch {
    return null;
  }
}

/**
 * The WebSocket upgrade of `GET /v1/deal-rooms/:id/ws?token=…`. The token is checked here, before
 * the room is touched: a forged, expired, other-room or other-org token never reaches it. The
 * upgrade then goes to the deal-rooms worker with the caller's identity and the token's id in
 * trusted headers (only the gateway can reach that worker, and any such headers from the client
 * are replaced). The room refuses a token id it has admitted before. Its refusals come back in the
 * platform's error envelope.
 */
export async function upgradeToRoom(c: Context<GatewayContext>, roomId: string): Promise<Response> {
  const token = new URL(c.req.url).searchParams.get("token");
  const claims = token ? await verifyRoomToken(token, c.env.JWT_SECRET, roomId) : null;
  if (!claims) return errorResponse(c, "unauthorized", "Missing or invalid room token; ask GET /v1/deal-rooms/{id}/ws for a fresh wsUrl");
  const headers = new Headers(c.req.raw.headers);
  for (const name of [...headers.keys()]) if (name.startsWith("x-room-") || name.startsWith("x-org-") || name.startsWith("x-actor-")) headers.delete(name);
  headers.set("x-room-id", roomId);
  headers.set("x-org-id", claims.orgId);
  headers.set("x-actor-id", claims.sub);
  headers.set("x-actor-kind", claims.kind === "api_key" ? "api_key" : "user");
  headers.set("x-actor-can-write", String(claims.write));
  if (claims.name) headers.set("x-actor-name", encodeURIComponent(claims.name));
  headers.set("x-room-token-id", claims.jti);
  headers.set("x-room-token-expires", String(claims.exp));
  headers.set("x-actor-credential-kind", claims.cred.kind);
  headers.set("x-actor-credential-id", claims.cred.id);
  headers.set("x-actor-credential-expires", claims.cred.exp === null ? "" : String(Math.max(0, claims.cred.exp)));
  const res = await c.env.DEAL_ROOMS.fetch(new Request(c.req.raw, { headers }));
  if (res.status === 101) return res;
  const refusal = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
  const code = refusal?.error && Object.hasOwn(ERROR_STATUS, refusal.error) ? (refusal.error as ErrorCode) : "internal_error";
  return errorResponse(c, code, code === "internal_error" ? "The deal room could not be joined" : (refusal?.message ?? "The deal room refused the upgrade"));
}
