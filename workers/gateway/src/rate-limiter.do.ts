import { DurableObject } from "cloudflare:workers";

/** Requests per minute by tier (DECISIONS.md, "Rate limits and idempotency"). */
export const TIER_LIMITS = { sandbox: 100, standard: 1_000, enterprise: 10_000 } as const;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  reset: number;
  /** Seconds until a retry can succeed; 0 when allowed. */
  retryAfter: number;
}

interface WindowState {
  windowStart: number;
  count: number;
}

/**
 * One object per credential (or per IP / org for the special limits) counting requests in
 * fixed windows. A Durable Object runs one call at a time and the SQLite-backed KV reads and
 * writes below are synchronous, so each `hit` is atomic: 130 concurrent requests on a
 * 100/min budget let exactly 100 through. Counts are persisted, so eviction does not reset them.
 */
export class RateLimiter extends DurableObject {
  hit(bucket: string, limit: number, windowSeconds: number): RateLimitDecision {
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const key = `window:${bucket}`;
    const stored = this.ctx.storage.kv.get<WindowState>(key);
    const state = stored && stored.windowStart === windowStart ? stored : { windowStart, count: 0 };
    const reset = Math.ceil((windowStart + windowMs) / 1000);
    if (state.count >= limit) {
      return { allowed: false, limit, remaining: 0, reset, retryAfter: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)) };
    }
    state.count += 1;
    this.ctx.storage.kv.put(key, state);
    return { allowed: true, limit, remaining: limit - state.count, reset, retryAfter: 0 };
  }
}
