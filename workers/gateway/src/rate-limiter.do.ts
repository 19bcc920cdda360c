import { DurableObject } from "cloudflare:workers";
import type { ApiKeyIdentity } from "#shared/rpc";
import type { GatewayEnv } from "./env.ts";

/** Requests per minute by tier (DECISIONS.md, "Rate limits and idempotency"). */
export const TIER_LIMITS = { sandbox: 100, standard: 1_000, enterprise: 10_000 } as const;

/** Longest a counted request waits in memory before its window is written to storage. */
export const PERSIST_DELAY_MS = 250;

/** How long an admitted API key's record is trusted before Identity is asked again. */
export const KEY_RECORD_TTL_MS = 60_000;

/** How long a hash Identity did not know (or refused) is answered "no" without asking again. */
export const UNKNOWN_KEY_TTL_MS = 60_000;

/** Failed authentications a client IP may make per minute before it is answered 429. */
export const AUTH_FAILURE_LIMIT = 60;
export const AUTH_FAILURE_WINDOW_SECONDS = 60;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  reset: number;
  /** Seconds until a retry can succeed; 0 when allowed. */
  retryAfter: number;
}

export type Admission = { ok: true; key: ApiKeyIdentity; decision: RateLimitDecision } | { ok: false };

interface WindowState {
  windowStart: number;
  count: number;
}

/**
 * One object per credential (or per IP / org for the special limits) counting requests in windows
 * of fixed length that open at the first request. A Durable Object runs one call at a time and the SQLite-backed KV reads and writes
 * below are synchronous, so each `hit` is atomic: 130 concurrent requests on a 100/min budget let
 * exactly 100 through. Counts are persisted, so eviction does not reset them.
 *
 * For an API key the object is named by the key's SHA-256 and also admits it: it asks Identity
 * for the key's record once, keeps it for at most {@link KEY_RECORD_TTL_MS}, and checks expiry on
 * every request. Revocation and rotation call {@link forget}, so they take effect on the next
 * request while the hot path costs one Durable Object call instead of an Identity round trip too.
 *
 * A hash Identity refuses (unknown, revoked, expired) is remembered as refused for
 * {@link UNKNOWN_KEY_TTL_MS}, in storage so that eviction does not forget it: a client replaying a
 * bad key gets its 401 from here, and Identity sees each unknown hash at most once a minute. This
 * cannot shadow a key created afterwards: an object is named by the SHA-256 of one exact key, and a
 * new key is 32 random bytes, so its object has never been asked before unless someone guessed the
 * key itself. Creation and rotation also call {@link forget} on the new key's object, which clears
 * the refusal, so even that case lasts no longer than the creating request.
 */
export class RateLimiter extends DurableObject<GatewayEnv> {
  /** In-memory only: a wake-up simply asks Identity again. */
  private keyRecord: { key: ApiKeyIdentity; loadedAt: number } | null = null;
  /** Bumped by {@link forget} so that a lookup already in flight cannot re-cache stale state. */
  private generation = 0;
  /** Counting windows by bucket. Authoritative while the object lives; storage only seeds a cold start. */
  private windows = new Map<string, WindowState>();
  private dirty = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  hit(bucket: string, limit: number, windowSeconds: number): RateLimitDecision {
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const key = `window:${bucket}`;
    const stored = this.windows.get(key) ?? this.ctx.storage.kv.get<WindowState>(key);
    // A window opens with the first request after the previous one closed, so a burst is never
    // split across a wall-clock boundary: N concurrent requests against a fresh budget of L admit
    // exactly min(N, L).
    const state = stored && now < stored.windowStart + windowMs ? stored : { windowStart: now, count: 0 };
    const windowEnd = state.windowStart + windowMs;
    const reset = Math.ceil(windowEnd / 1000);
    if (state.count >= limit) {
      return { allowed: false, limit, remaining: 0, reset, retryAfter: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
    }
    state.count += 1;
    this.windows.set(key, state);
    this.persistSoon(key, state.count >= limit);
    return { allowed: true, limit, remaining: limit - state.count, reset, retryAfter: 0 };
  }

  /**
   * Takes up to `want` requests' worth of the window at once (a lease an isolate spends locally, see
   * middleware/rate-limit.ts): at least one must be left for any to be granted, and never more than
   * are left, so leased and counted together never pass the limit. The decision is the first one's.
   */
  take(bucket: string, limit: number, windowSeconds: number, want: number): RateLimitDecision & { granted: number; windowEnd: number } {
    const first = this.hit(bucket, limit, windowSeconds);
    const state = this.windows.get(`window:${bucket}`);
    const windowEnd = state ? state.windowStart + windowSeconds * 1000 : first.reset * 1000;
    if (!first.allowed || !state) return { ...first, granted: 0, windowEnd };
    const extra = Math.max(0, Math.min(Math.floor(want) - 1, limit - state.count));
    if (extra > 0) {
      state.count += extra;
      this.persistSoon(`window:${bucket}`, state.count >= limit);
    }
    return { ...first, remaining: limit - state.count, granted: 1 + extra, windowEnd };
  }

  /**
   * Persist counts so an evicted object resumes them. Writes are coalesced (at most one per
   * {@link PERSIST_DELAY_MS} per object) and never hold a response: the in-memory count is what
   * keeps admission exact. An exhausted window is written at once, so a restart cannot refill it.
   */
  private persistSoon(key: string, now: boolean): void {
    this.dirty.add(key);
    if (now) return this.flush();
    this.flushTimer ??= setTimeout(() => this.flush(), PERSIST_DELAY_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const key of this.dirty) {
      const state = this.windows.get(key);
      if (state) this.ctx.storage.kv.put(key, state);
    }
    this.dirty.clear();
  }

  /** Authenticate `rawKey` (whose hash names this object) and count the request against its tier. */
  async admitApiKey(rawKey: string): Promise<Admission> {
    const now = Date.now();
    let record = this.keyRecord;
    if (!record || now - record.loadedAt > KEY_RECORD_TTL_MS) {
      const refusedUntil = this.ctx.storage.kv.get<number>("refused_until");
      if (refusedUntil !== undefined && refusedUntil > now) return { ok: false };
      const generation = this.generation;
      const result = await this.env.IDENTITY.authenticateApiKey(rawKey);
      if (!result.ok) {
        // Only if nothing changed meanwhile: a forget() (the key created or rotated) wins.
        if (generation === this.generation) {
          this.keyRecord = null;
          this.ctx.storage.kv.put("refused_until", now + UNKNOWN_KEY_TTL_MS);
        }
        return { ok: false };
      }
      record = { key: result.value, loadedAt: now };
      if (generation === this.generation) this.keyRecord = record;
    }
    const { key } = record;
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) {
      this.keyRecord = null;
      return { ok: false };
    }
    return { ok: true, key, decision: this.hit("tier", TIER_LIMITS[key.rateLimitTier], 60) };
  }

  /**
   * Drop the cached key record and any remembered refusal: the key was revoked or rotated (its
   * record changed), or created (its hash must be asked about afresh).
   */
  forget(): void {
    this.generation += 1;
    this.keyRecord = null;
    this.ctx.storage.kv.delete("refused_until");
  }
}
