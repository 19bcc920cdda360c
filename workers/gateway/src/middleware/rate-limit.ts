import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import type { GatewayContext } from "../env.ts";
import { errorResponse } from "../http/errors.ts";
import { TIER_LIMITS, type RateLimitDecision } from "../rate-limiter.do.ts";

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
    decisions.push(await hit(c, `${extra.per}:${subject}`, extra.name, extra.limit, extra.windowSeconds));
  }
  const denied = decisions.find((d) => !d.allowed);
  const shown = denied ?? decisions.reduce<RateLimitDecision | undefined>((a, d) => (!a || d.remaining < a.remaining ? d : a), undefined);
  if (shown) setHeaders(c, shown);
  return denied ? tooMany(c, denied) : null;
}
