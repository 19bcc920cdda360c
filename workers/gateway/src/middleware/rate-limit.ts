import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import type { GatewayContext } from "../env.ts";
import { errorResponse } from "../http/errors.ts";
import { TIER_LIMITS, type RateLimitDecision, type RateLimiter } from "../rate-limiter.do.ts";

/** A limit beyond the credential's tier: per IP, per org or per credential on one route. */
export interface ExtraLimit {
  /** Who is counted: the client IP (public routes), the org, or the credential. */
  per: "ip" | "org" | "credential";
  /** Names the counter, e.g. "signup". */
  name: string;
  limit: number;
  windowSeconds: number;
}

/** The client's IP: Cloudflare's `CF-Connecting-IP` (the proxy's forwarded address, or "local", elsewhere). */
export const clientIp = (c: Context<GatewayContext>) => c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim() ?? "local";

async function hit(c: Context<GatewayContext>, objectName: string, bucket: string, limit: number, windowSeconds: number): Promise<RateLimitDecision> {
  const stub = c.env.RATE_LIMITER.getByName(objectName);
  return stub.hit(bucket, limit, windowSeconds);
}

/**
 * Extra limits counted in leases: the isolate takes this many requests' worth of the IP's window
 * from its object at once and spends them locally, so most requests of a returning client make no
 * Durable Object call. The referral link router (`GET /r/{code}`) is the platform's hot public path.
 * The limit still holds exactly from above: a lease is counted in the object when taken, so leased
 * and counted requests together never pass it. What a lease costs is the other way: requests an
 * isolate leased and did not spend are refused to that IP's other isolates until the window ends
 * (at most `lease - 1` per isolate). While a lease is being taken, concurrent requests of the same
 * key ask for one each, so a burst strands nothing.
 */
const LEASED_LIMITS: Readonly<Record<string, number>> = { referral_click: 5 };

interface Lease {
  tokens: number;
  windowEnd: number;
  decision: RateLimitDecision;
}

const leases = new Map<string, Lease>();
const leasing = new Map<string, number>();
const MAX_LEASES = 10_000;

function spend(key: string, now: number): RateLimitDecision | null {
  const lease = leases.get(key);
  if (!lease || lease.tokens <= 0 || now >= lease.windowEnd) return null;
  lease.tokens -= 1;
  return { ...lease.decision, allowed: true, retryAfter: 0 };
}

async function hitLeased(c: Context<GatewayContext>, objectName: string, bucket: string, limit: number, windowSeconds: number, size: number): Promise<RateLimitDecision> {
  const key = `${objectName}|${bucket}`;
  const local = spend(key, Date.now());
  if (local) return local;
  const inFlight = leasing.get(key) ?? 0;
  leasing.set(key, inFlight + 1);
  let taken: Awaited<ReturnType<RateLimiter["take"]>>;
  try {
    taken = await c.env.RATE_LIMITER.getByName(objectName).take(bucket, limit, windowSeconds, inFlight > 0 ? 1 : size);
  } finally {
    const left = (leasing.get(key) ?? 1) - 1;
    if (left > 0) leasing.set(key, left);
    else leasing.delete(key);
  }
  const { granted, windowEnd, ...decision } = taken;
  if (granted > 1) {
    if (leases.size >= MAX_LEASES) leases.clear();
    const held = leases.get(key);
    const tokens = (held && Date.now() < held.windowEnd ? held.tokens : 0) + granted - 1;
    leases.set(key, { tokens, windowEnd, decision });
  }
  if (granted > 0) return decision;
  // Refused by the object: a lease another request of this key took meanwhile may still hold some.
  return spend(key, Date.now()) ?? decision;
}

function setHeaders(c: Context<GatewayContext>, d: RateLimitDecision) {
  c.header("X-RateLimit-Limit", String(d.limit));
  c.header("X-RateLimit-Remaining", String(d.remaining));
  c.header("X-RateLimit-Reset", String(d.reset));
}

const tooMany = (c: Context<GatewayContext>, d: RateLimitDecision) =>
  errorResponse(c, "rate_limit_exceeded", `Rate limit of ${d.limit} requests exceeded; retry after ${d.retryAfter} s`, { limit: d.limit, retryAfter: d.retryAfter }, { "Retry-After": String(d.retryAfter) });

/**
 * Count the request against its credential's tier (one Durable Object per credential) and any
 * extra limit of the route. Sets `X-RateLimit-*` from the tightest counter; answers 429 with
 * `Retry-After` when any is exhausted. Returns null when the request may proceed.
 */
export async function enforceRateLimits(
  c: Context<GatewayContext>,
  principal: Principal | null,
  extra?: ExtraLimit,
  /** The tier count already taken while admitting an API key. */
  tierDecision?: RateLimitDecision,
): Promise<Response | null> {
  const decisions: RateLimitDecision[] = [];
  if (tierDecision) decisions.push(tierDecision);
  else if (principal) decisions.push(await hit(c, `cred:${principal.credentialId}`, "tier", TIER_LIMITS[principal.rateLimitTier], 60));
  if (extra) {
    const subject = extra.per === "ip" ? clientIp(c) : extra.per === "org" ? principal?.orgId ?? "none" : principal?.credentialId ?? "none";
    const lease = LEASED_LIMITS[extra.name];
    decisions.push(await (lease ? hitLeased(c, `${extra.per}:${subject}`, extra.name, extra.limit, extra.windowSeconds, lease) : hit(c, `${extra.per}:${subject}`, extra.name, extra.limit, extra.windowSeconds)));
  }
  const denied = decisions.find((d) => !d.allowed);
  const shown = denied ?? decisions.reduce<RateLimitDecision | undefined>((a, d) => (!a || d.remaining < a.remaining ? d : a), undefined);
  if (shown) setHeaders(c, shown);
  return denied ? tooMany(c, denied) : null;
}
