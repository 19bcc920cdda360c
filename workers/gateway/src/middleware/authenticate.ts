import type { Context } from "hono";
import { API_KEY_PATTERN, type Principal } from "#shared/auth";
import { realClock, sandboxClockEnabled } from "#shared/clock";
import { sha256Hex, timingSafeEqual } from "#shared/crypto";
import { verifyJwt, type VerifiedJwt } from "#shared/jwt";
import type { AppError, Result } from "#shared/errors";
import type { GatewayContext } from "../env.ts";
import { AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_SECONDS, type RateLimitDecision } from "../rate-limiter.do.ts";
import { clientIp } from "./rate-limit.ts";
import { orgIsActive, userIsActive } from "./workspace-status.ts";

const API_KEY_PREFIX = /^oik_(live|test)_/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export type Credential =
  | { kind: "api_key"; key: string }
  | { kind: "bearer"; token: string }
  | { kind: "none" };

/** The credential a request presents: `X-API-Key`, or `Authorization: Bearer …`. */
export function readCredential(c: Context<GatewayContext>): Credential {
  const apiKey = c.req.header("x-api-key");
  if (apiKey) return { kind: "api_key", key: apiKey.trim() };
  const authorization = c.req.header("authorization");
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  if (match?.[1]) {
    const token = match[1].trim();
    return API_KEY_PREFIX.test(token)
      ? { kind: "api_key", key: token }
      : { kind: "bearer", token };
  }
  return { kind: "none" };
}

const unauthorized: { ok: false; error: AppError } = {
  ok: false,
  error: { code: "unauthorized", message: "Missing or invalid credentials" },
};

/** An authenticated caller; API keys arrive already counted against their tier. */
export interface Authenticated {
  principal: Principal;
  tierDecision?: RateLimitDecision;
}

/** The object that admits and rate-limits one API key, named by the key's hash (never the key). */
export async function apiKeyObjectName(rawKey: string): Promise<string> {
  return `key:${await sha256Hex(rawKey)}`;
}

/** How long the gateway reuses an org's clock offset before asking identity again. */
export const SANDBOX_CLOCK_TTL_MS = 5_000;

/**
 * Org id → its clock offset and until when it may be reused. Sandbox clocks exist only in
 * development, where one gateway isolate serves every request, so the gateway's own clock routes
 * ({@link forgetSandboxClock}) keep this exact; the TTL bounds what anything else could leave stale.
 */
const clockOffsets = new Map<string, { offsetMs: number; until: number }>();
const MAX_CACHED_CLOCKS = 1_000;

/** Drop an org's cached offset: called by the clock routes once identity has changed it. */
export function forgetSandboxClock(orgId: string): void {
  clockOffsets.delete(orgId);
}

/**
 * The principal stamped with its org's sandbox clock, in development only (elsewhere nothing is
 * read and every date rule runs on real time). Called once a request has passed its checks, just
 * before its handler, so a refused request costs no lookup. The offset is kept for a few seconds
 * rather than cached with an API key's record, so that a change made through the clock routes
 * applies on the very next request, and JWTs and the API secret see it too.
 */
export async function withSandboxClock(c: Context<GatewayContext>, principal: Principal): Promise<Principal> {
  if (!sandboxClockEnabled(c.env.ENVIRONMENT) || !principal.orgId) return principal;
  const now = realClock.now().getTime();
  let cached = clockOffsets.get(principal.orgId);
  if (!cached || cached.until <= now) {
    if (clockOffsets.size >= MAX_CACHED_CLOCKS) clockOffsets.clear();
    cached = { offsetMs: await c.env.IDENTITY.clockOffsetOf(principal.orgId), until: now + SANDBOX_CLOCK_TTL_MS };
    clockOffsets.set(principal.orgId, cached);
  }
  return cached.offsetMs === 0 ? principal : { ...principal, clockOffsetMs: cached.offsetMs };
}

/**
 * The org the API secret acts in: `X-Org-Id`, or the seed's `?orgId=` when the header is absent
 * (empty when neither is given; the route then asks for one).
 */
function systemOrgId(c: Context<GatewayContext>): string {
  const header = c.req.header("x-org-id")?.trim();
  if (header) return header;
  return c.req.query("orgId")?.trim() ?? "";
}

/**
 * Client IPs that spent their failed-authentication budget, and until when (ms), in this isolate.
 * The count itself is exact in the IP's `RateLimiter` object; this only spares a blocked client's
 * requests any credential lookup once this isolate has seen the block.
 */
const blockedIps = new Map<string, number>();
const MAX_BLOCKED_IPS = 10_000;

function tooManyFailures(retryAfter: number): { ok: false; error: AppError } {
  return {
    ok: false,
    error: {
      code: "rate_limit_exceeded",
      message: `Too many failed authentications from this address; retry after ${retryAfter} s`,
      details: { limit: AUTH_FAILURE_LIMIT, retryAfter },
    },
  };
}

/**
 * Runs `attempt` (a check of a presented credential) under the client IP's failure budget
 * (`CF-Connecting-IP`): every failed attempt is counted in the IP's `RateLimiter` object, and past
 * {@link AUTH_FAILURE_LIMIT} a minute the answer is 429 `rate_limit_exceeded` with `Retry-After`
 * instead of the failure. Once an isolate has seen an IP blocked it refuses that IP's attempts before
 * running them until the window ends, so a guessing client cannot keep Identity busy. Successful
 * attempts cost nothing extra. API keys, JWTs, the API secret and download tokens share one budget:
 * each is a credential someone could guess.
 */
export async function limitFailedAttempts<T>(c: Context<GatewayContext>, attempt: () => Promise<Result<T>>): Promise<Result<T>> {
  const ip = clientIp(c);
  const now = realClock.now().getTime();
  const blockedUntil = blockedIps.get(ip);
  if (blockedUntil !== undefined) {
    if (blockedUntil > now) return tooManyFailures(Math.max(1, Math.ceil((blockedUntil - now) / 1000)));
    blockedIps.delete(ip);
  }
  const result = await attempt();
  if (result.ok) return result;
  const decision = await c.env.RATE_LIMITER.getByName(`ip:${ip}`).hit("auth_failures", AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_SECONDS);
  if (decision.allowed) return result;
  if (blockedIps.size >= MAX_BLOCKED_IPS) blockedIps.clear();
  blockedIps.set(ip, now + decision.retryAfter * 1000);
  return tooManyFailures(decision.retryAfter);
}

/**
 * {@link resolveCredential} under the client IP's failure budget ({@link limitFailedAttempts}).
 * A request with no credential at all is a plain 401 and not counted: it is not a guess.
 */
export async function authenticate(c: Context<GatewayContext>, acceptPartner = false): Promise<Result<Authenticated>> {
  if (readCredential(c).kind === "none") return unauthorized;
  return limitFailedAttempts(c, async () => activeOrgOnly(c, await resolveCredential(c, acceptPartner)));
}

/** What a partner JWT may do: read its own partner, codes and commissions (the only operations that take one). */
export const PARTNER_SCOPES = ["partners:read", "commissions:read"];

/**
 * The principal of a partner JWT (`typ: partner`), on an operation whose contract takes one
 * (`partnerToken`). The partner's login must still exist and the partner must not be revoked: asked
 * of the partners worker on every request, so a revoked partner's token stops at the next one. The
 * partners worker confines it to `partnerId` (another partner's id is 404).
 */
async function partnerPrincipal(c: Context<GatewayContext>, claims: VerifiedJwt): Promise<Result<Authenticated>> {
  const partnerId = claims.partnerId;
  if (!partnerId || !partnerId.startsWith("prt_") || claims.sub !== partnerId) return unauthorized;
  if (!(await c.env.PARTNERS.partnerLoginActive(claims.orgId, partnerId))) return unauthorized;
  return {
    ok: true,
    value: {
      principal: {
        kind: "partner",
        orgId: claims.orgId,
        credentialId: `partner:${partnerId}`,
        actorId: partnerId,
        principalId: partnerId,
        role: null,
        scopes: PARTNER_SCOPES,
        rateLimitTier: "standard",
        expiresAt: claims.expiresAt,
        partnerId,
        ...(claims.name ? { displayName: claims.name } : {}),
      },
    },
  };
}

/** A credential of a deleted workspace is refused like any other bad one (one 401 for all). */
async function activeOrgOnly(c: Context<GatewayContext>, result: Result<Authenticated>): Promise<Result<Authenticated>> {
  if (!result.ok) return result;
  const { principal } = result.value;
  if (!(await orgIsActive(c, principal.orgId))) return unauthorized;
  // A removed member's JWT is refused like a revoked key (their sessions and keys are gone already).
  if (principal.kind === "user" && !(await userIsActive(c, principal.orgId, principal.actorId))) return unauthorized;
  return result;
}

/**
 * Resolve the caller to a {@link Principal}: an API key (admitted by its own Durable Object,
 * which asks Identity for the hashed key), the API secret (the system principal, acting in the
 * org named by `X-Org-Id` or `?orgId=`), or a user JWT. Every failure is the same 401.
 */
async function resolveCredential(
  c: Context<GatewayContext>,
  acceptPartner = false,
): Promise<Result<Authenticated>> {
  const credential = readCredential(c);
  const env = c.env;
  switch (credential.kind) {
    case "none":
      return unauthorized;
    case "api_key": {
      if (!API_KEY_PATTERN.test(credential.key)) return unauthorized;
      const admission = await env.RATE_LIMITER.getByName(
        await apiKeyObjectName(credential.key),
      ).admitApiKey(credential.key);
      if (!admission.ok) return unauthorized;
      const { key, decision } = admission;
      return {
        ok: true,
        value: {
          tierDecision: decision,
          principal: {
            kind: "api_key",
            orgId: key.orgId,
            credentialId: key.keyId,
            actorId: key.keyId,
            // A key and its rotations are one principal (the cached record carries the lineage too).
            principalId: key.lineageId,
            role: null,
            scopes: key.scopes,
            rateLimitTier: key.rateLimitTier,
            expiresAt: key.expiresAt,
            displayName: key.name,
          },
        },
      };
    }
    case "bearer": {
      if (timingSafeEqual(credential.token, env.API_SECRET)) {
        return {
          ok: true,
          value: {
            principal: systemPrincipal(systemOrgId(c)),
          },
        };
      }
      if (!JWT_SHAPE.test(credential.token)) return unauthorized;
      const claims = await verifyJwt(credential.token, env.JWT_SECRET);
      // Partner tokens (typ "partner") only where the contract takes one; elsewhere the same 401.
      if (claims?.typ === "partner") return acceptPartner ? partnerPrincipal(c, claims) : unauthorized;
      // Policyholder tokens (typ "insured") are accepted only by /v1/portal/*.
      if (!claims || claims.typ !== "user") return unauthorized;
      return {
        ok: true,
        value: {
          principal: {
            kind: "user",
            orgId: claims.orgId,
            credentialId: `jwt:${claims.sub}`,
            actorId: claims.sub,
            principalId: claims.sub,
            role: claims.role,
            scopes: claims.scopes,
            rateLimitTier: "standard",
            expiresAt: claims.expiresAt,
            ...(claims.name ? { displayName: claims.name } : {}),
          },
        },
      };
    }
  }
}

/**
 * The caller of a portal operation: a policyholder JWT (`typ: insured`) and nothing else. API keys,
 * the API secret and user JWTs are the same 401 as a bad token, counted against the client IP's
 * failure budget like any presented credential that fails. The insured principal is confined to
 * its org and to itself (`actorId` is its `ins_` id); it holds no scope, so no other route's scope
 * check could pass even if it reached one.
 */
export async function authenticateInsured(c: Context<GatewayContext>): Promise<Result<Authenticated>> {
  const credential = readCredential(c);
  if (credential.kind === "none") return unauthorized;
  return limitFailedAttempts(c, async () => {
    if (credential.kind !== "bearer" || !JWT_SHAPE.test(credential.token)) return unauthorized;
    const claims = await verifyJwt(credential.token, c.env.JWT_SECRET);
    if (!claims || claims.typ !== "insured" || !claims.sub.startsWith("ins_")) return unauthorized;
    if (!(await orgIsActive(c, claims.orgId))) return unauthorized;
    return {
      ok: true,
      value: {
        principal: {
          kind: "insured",
          orgId: claims.orgId,
          credentialId: `insured:${claims.sub}`,
          actorId: claims.sub,
          principalId: claims.sub,
          role: null,
          scopes: [],
          rateLimitTier: "standard",
          expiresAt: claims.expiresAt,
          ...(claims.name ? { displayName: claims.name } : {}),
        },
      },
    };
  });
}

/** The system principal: all scopes, in the org the caller names (empty when none is named). */
export function systemPrincipal(orgId: string): Principal {
  return {
    kind: "system",
    orgId,
    credentialId: "system",
    actorId: "system",
    principalId: "system",
    role: "org_admin",
    scopes: ["*"],
    rateLimitTier: "enterprise",
    expiresAt: null,
  };
}
