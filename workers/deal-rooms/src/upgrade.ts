/**
 * The contract of a WebSocket upgrade the gateway forwards. The gateway has verified the signed,
 * short-lived token; it forwards the original upgrade request with these trusted headers:
 *
 * | header         | value                                                                  |
 * | -------------- | ---------------------------------------------------------------------- |
 * | `Upgrade`      | `websocket` (the original upgrade)                                     |
 * | `x-room-id`    | the `room_…` id the token was issued for                               |
 * | `x-org-id`     | the org of the token's principal                                       |
 * | `x-actor-id`   | the acting user or key id (`principal.actorId`)                        |
 * | `x-actor-kind` | `user` \| `api_key` \| `system`                                        |
 * | `x-actor-name` | optional display name, UTF-8 percent-encoded (`encodeURIComponent`)   |
 * | `x-actor-can-write` | `true` when the token's principal held `deal-rooms:write`, else `false` |
 * | `x-room-token-id` | the id (`jti`) of the token; the room admits each id once           |
 * | `x-room-token-expires` | the token's expiry, unix seconds                               |
 * | `x-actor-credential-kind` | `api_key` \| `jwt` \| `secret`: what authenticated the token's request |
 * | `x-actor-credential-id` | the API key's id (`key_…`), the JWT's subject, or `system`     |
 * | `x-actor-credential-expires` | when that credential stops working, unix seconds; empty for never |
 *
 * The socket outlives its join token, so the room keeps the credential in the socket's attachment
 * and closes the socket when it expires or (an API key) is revoked.
 * These headers are trusted only because nothing but the gateway can reach this worker.
 */
import type { Author, AuthorKind } from "./types.ts";
import { LIMITS } from "./types.ts";

export const TRUSTED_HEADERS = {
  roomId: "x-room-id",
  orgId: "x-org-id",
  actorId: "x-actor-id",
  actorKind: "x-actor-kind",
  actorName: "x-actor-name",
  actorCanWrite: "x-actor-can-write",
  tokenId: "x-room-token-id",
  tokenExpires: "x-room-token-expires",
  credentialKind: "x-actor-credential-kind",
  credentialId: "x-actor-credential-id",
  credentialExpires: "x-actor-credential-expires",
} as const;

/** The credential behind a socket: what the room re-checks while the socket stays open. */
export interface SocketCredential {
  kind: "api_key" | "jwt" | "secret";
  /** The API key's id (asked of identity), the JWT's subject, or `system`. */
  id: string;
  /** Unix seconds at which the credential stops working; null for never. */
  expires: number | null;
}

const CREDENTIAL_KINDS: readonly SocketCredential["kind"][] = ["api_key", "jwt", "secret"];

const AUTHOR_KINDS: readonly AuthorKind[] = ["user", "api_key", "system"];

export interface ForwardedUpgrade {
  roomId: string;
  orgId: string;
  actor: Author;
  /** Whether the socket may post messages (`deal-rooms:write`); a read-only socket only listens. */
  canWrite: boolean;
  /** The join token that admitted it: its id and expiry (unix seconds). */
  token: { id: string; expires: number };
  /** The credential the token was issued to. */
  credential: SocketCredential;
}

export const isUpgrade = (request: Request): boolean => request.headers.get("upgrade")?.toLowerCase() === "websocket";

/** The trusted headers of a forwarded upgrade; null when one is missing or malformed. */
export function readForwardedUpgrade(headers: Headers): ForwardedUpgrade | null {
  const roomId = headers.get(TRUSTED_HEADERS.roomId)?.trim();
  const orgId = headers.get(TRUSTED_HEADERS.orgId)?.trim();
  const actorId = headers.get(TRUSTED_HEADERS.actorId)?.trim();
  const kind = headers.get(TRUSTED_HEADERS.actorKind)?.trim();
  if (!roomId || !orgId || !actorId || actorId.length > LIMITS.participantLength) return null;
  if (!kind || !(AUTHOR_KINDS as readonly string[]).includes(kind)) return null;
  const canWrite = headers.get(TRUSTED_HEADERS.actorCanWrite)?.trim();
  if (canWrite !== "true" && canWrite !== "false") return null;
  const tokenId = headers.get(TRUSTED_HEADERS.tokenId)?.trim();
  const tokenExpires = headers.get(TRUSTED_HEADERS.tokenExpires)?.trim() ?? "";
  if (!tokenId || tokenId.length > 64 || !/^\d{1,12}$/.test(tokenExpires)) return null;
  const credentialKind = headers.get(TRUSTED_HEADERS.credentialKind)?.trim();
  const credentialId = headers.get(TRUSTED_HEADERS.credentialId)?.trim();
  const credentialExpires = headers.get(TRUSTED_HEADERS.credentialExpires)?.trim() ?? "";
  if (!credentialKind || !(CREDENTIAL_KINDS as readonly string[]).includes(credentialKind)) return null;
  if (!credentialId || credentialId.length > LIMITS.participantLength) return null;
  if (credentialExpires !== "" && !/^\d{1,12}$/.test(credentialExpires)) return null;
  const credential: SocketCredential = {
    kind: credentialKind as SocketCredential["kind"],
    id: credentialId,
    expires: credentialExpires === "" ? null : Number(credentialExpires),
  };
  const name = decodeName(headers.get(TRUSTED_HEADERS.actorName));
  const actor: Author = { id: actorId, kind: kind as AuthorKind };
  if (name) actor.name = name;
  return { roomId, orgId, actor, canWrite: canWrite === "true", token: { id: tokenId, expires: Number(tokenExpires) }, credential };
}

function decodeName(raw: string | null): string | undefined {
  if (!raw) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = raw; // not percent-encoded: take it as it came
  }
  name = name.trim().slice(0, LIMITS.actorNameLength);
  return name || undefined;
}

/** A JSON error answer of this worker's fetch (never seen by clients unless the gateway passes it on). */
export const errorResponse = (status: number, error: string, message: string, headers?: HeadersInit): Response =>
  Response.json({ error, message }, { status, headers });
