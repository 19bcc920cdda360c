import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import type { Role } from "./auth.ts";

export const JWT_ISSUER = "openinsure";
export const JWT_AUDIENCE = "openinsure-api";
/** DECISIONS.md: `exp` at most one hour after issue. */
export const JWT_MAX_TTL_SECONDS = 3600;
/** Longest display name a token carries (longer ones are cut). */
const MAX_NAME_LENGTH = 200;

export interface JwtClaims {
  sub: string;
  orgId: string;
  role: Role | null;
  scopes: string[];
  typ: "user" | "insured" | "partner";
  /** The user's display name, when the issuer knows it. */
  name?: string;
  /** A partner JWT's partner (`prt_…`); required when `typ` is `partner`, absent otherwise. */
  partnerId?: string;
}

/** Verified claims, with the expiry the token carried. */
export interface VerifiedJwt extends JwtClaims {
  expiresAt: string;
}

const keyCache = new Map<string, Uint8Array>();
function keyFor(secret: string): Uint8Array {
  let key = keyCache.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keyCache.set(secret, key);
  }
  return key;
}

/** Sign an HS256 JWT; ttl is clamped to one hour. */
export async function signJwt(claims: JwtClaims, secret: string, ttlSeconds = JWT_MAX_TTL_SECONDS): Promise<{ token: string; expiresAt: string }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.min(ttlSeconds, JWT_MAX_TTL_SECONDS);
  const token = await new SignJWT({
    orgId: claims.orgId,
    role: claims.role,
    scopes: claims.scopes,
    typ: claims.typ,
    ...(claims.name ? { name: claims.name } : {}),
    ...(claims.partnerId ? { partnerId: claims.partnerId } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(keyFor(secret));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * Verify an HS256 JWT with explicit algorithms, issuer and audience. Returns null for every
 * failure (alg none, tampered, expired, wrong audience, malformed claims): callers answer one 401.
 */
export async function verifyJwt(token: string, secret: string): Promise<VerifiedJwt | null> {
  try {
    const { payload } = await jwtVerify(token, keyFor(secret), {
      algorithms: ["HS256"],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ["exp", "iat", "sub"],
    });
    const { sub, orgId, role, scopes, typ, exp, iat, name, partnerId } = payload as Record<string, unknown>;
    if (typeof exp !== "number" || typeof iat !== "number" || exp - iat > JWT_MAX_TTL_SECONDS) return null;
    if (typeof sub !== "string" || typeof orgId !== "string") return null;
    if (typ !== "user" && typ !== "insured" && typ !== "partner") return null;
    if (typ === "partner" && typeof partnerId !== "string") return null;
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string")) return null;
    const verified: VerifiedJwt = { sub, orgId, role: (role ?? null) as Role | null, scopes, typ, expiresAt: new Date(exp * 1000).toISOString() };
    if (typ === "partner") verified.partnerId = partnerId as string;
    if (typeof name === "string" && name.trim()) verified.name = name.trim().slice(0, MAX_NAME_LENGTH);
    return verified;
  } catch (e) {
    if (e instanceof joseErrors.JOSEError) return null;
    throw e;
  }
}
