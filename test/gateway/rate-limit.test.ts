import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { realNow } from "../support/clock.ts";

describe("rate limits", () => {
  it("a sandbox key sending 130 concurrent requests gets exactly 100 through", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token, { tier: "sandbox" });
    const responses = await Promise.all(Array.from({ length: 130 }, () => call("GET", "/v1/submissions", { apiKey: k.key })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    for (const res of responses) {
      expect(res.headers.get("x-ratelimit-limit")).toBe("100");
      expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeGreaterThanOrEqual(0);
      expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThan(realNow() / 1000);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
        expect(((await res.json()) as { error: string }).error).toBe("rate_limit_exceeded");
      }
    }
    // Remaining counts down one per admitted request: 99 … 0, each exactly once.
    const remaining = responses.filter((r) => r.status === 200).map((r) => Number(r.headers.get("x-ratelimit-remaining")));
    expect(new Set(remaining).size).toBe(100);
    expect(Math.min(...remaining)).toBe(0);
  });

  it("limits are per credential: another key of the same org has its own budget", async () => {
    const t = await createTenant();
    const a = await createApiKey(t.token, { tier: "sandbox" });
    const b = await createApiKey(t.token, { tier: "sandbox" });
    await Promise.all(Array.from({ length: 100 }, () => call("GET", "/v1/submissions", { apiKey: a.key })));
    expect((await call("GET", "/v1/submissions", { apiKey: a.key })).status).toBe(429);
    const other = await call("GET", "/v1/submissions", { apiKey: b.key });
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ratelimit-remaining")).toBe("99");
  });

  it("a window opens at its first request and the budget returns when it closes", async () => {
    const limiter = env.RATE_LIMITER.getByName(`test:${crypto.randomUUID()}`);
    const first = await limiter.hit("b", 3, 1);
    expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
    await limiter.hit("b", 3, 1);
    await limiter.hit("b", 3, 1);
    const denied = await limiter.hit("b", 3, 1);
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied.retryAfter).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.hit("b", 3, 1)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("counts survive the object's eviction", async () => {
    const limiter = env.RATE_LIMITER.getByName(`test:${crypto.randomUUID()}`);
    for (let i = 0; i < 3; i++) await limiter.hit("b", 5, 60);
    await new Promise((r) => setTimeout(r, 400)); // past the coalescing delay
    await evictDurableObject(limiter);
    expect(await limiter.hit("b", 5, 60)).toMatchObject({ allowed: true, remaining: 1 });
    // An exhausted window is written at once, so even an immediate eviction keeps it shut.
    await limiter.hit("b", 5, 60);
    await evictDurableObject(limiter);
    expect(await limiter.hit("b", 5, 60)).toMatchObject({ allowed: false });
  });

  it("tiers set at key creation decide the limit", async () => {
    const t = await createTenant();
    for (const [tier, limit] of [["standard", "1000"], ["enterprise", "10000"]] as const) {
      const k = await createApiKey(t.token, { tier });
      expect((await call("GET", "/v1/submissions", { apiKey: k.key })).headers.get("x-ratelimit-limit")).toBe(limit);
    }
  });

  it("signup is limited to 5 per hour per IP", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call("POST", "/auth/signup", {
        body: { email: `rl-${crypto.randomUUID()}@example.com`, password: "correct horse battery", name: "Rate Limit" },
        headers: { "cf-connecting-ip": ip },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses[5]).toBe(429);
  });

  it("a code resent too soon is a 429 with Retry-After, like every other 429", async () => {
    const email = `resend-${crypto.randomUUID()}@example.com`;
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const signup = await call("POST", "/auth/signup", { body: { email, password: "correct horse battery", name: "Resend" }, headers: { "cf-connecting-ip": ip } });
    expect(signup.status).toBe(201);
    const resent = await call("POST", "/auth/resend-code", { body: { email } });
    expect(resent.status).toBe(429);
    const body = await json(resent);
    expect(body).toMatchObject({ error: "rate_limit_exceeded", details: { retryAfter: expect.any(Number) } });
    expect(resent.headers.get("retry-after")).toBe(String(body.details.retryAfter));
  });

  it("a lease takes up to what is asked and never more than the window has left; a spent window grants nothing", async () => {
    const limiter = env.RATE_LIMITER.getByName(`ip:lease-${crypto.randomUUID()}`);
    const first = await limiter.take("leased", 7, 60, 5);
    expect(first).toMatchObject({ allowed: true, granted: 5, remaining: 2 });
    expect(first.windowEnd).toBeGreaterThan(realNow());
    expect(await limiter.take("leased", 7, 60, 5)).toMatchObject({ allowed: true, granted: 2, remaining: 0 });
    const spent = await limiter.take("leased", 7, 60, 5);
    expect(spent).toMatchObject({ allowed: false, granted: 0, remaining: 0 });
    expect(spent.retryAfter).toBeGreaterThan(0);
    // A lease counts like the requests it stands for: a plain hit on the same window is refused too.
    expect(await limiter.hit("leased", 7, 60)).toMatchObject({ allowed: false });
  });
});
