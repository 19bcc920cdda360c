import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/crypto";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { realNow } from "../support/clock.ts";

/** A well-formed API key that was never issued (32 random bytes, as a real one). */
function unknownKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `oik_test_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

const fromIp = (ip: string) => ({ "cf-connecting-ip": ip });
const randomIp = () => `203.0.113.${Math.floor(Math.random() * 254) + 1}`;

describe("failed authentications per client IP", () => {
  it("answers 429 rate_limit_exceeded with Retry-After once an IP has failed 60 times in a minute; other IPs are unaffected", async () => {
    const t = await createTenant();
    const ip = `198.51.100.${Math.floor(Math.random() * 254) + 1}`;
    const failures = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call("GET", "/v1/submissions", i % 2 ? { apiKey: unknownKey(), headers: fromIp(ip) } : { token: "not.a.jwt", headers: fromIp(ip) }),
      ),
    );
    expect(failures.map((r) => r.status)).toEqual(Array(60).fill(401));

    const blocked = await call("GET", "/v1/submissions", { apiKey: unknownKey(), headers: fromIp(ip) });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await json(blocked)).toMatchObject({ error: "rate_limit_exceeded", details: { limit: 60, retryAfter }, requestId: expect.stringMatching(/^req_/) });
    // The blocked address is refused before its credential is looked at, a valid one included.
    expect((await call("GET", "/v1/submissions", { apiKey: t.apiKey, headers: fromIp(ip) })).status).toBe(429);

    // Another address: still a plain 401 for a bad key, and a good key works.
    const other = randomIp();
    expect((await call("GET", "/v1/submissions", { apiKey: unknownKey(), headers: fromIp(other) })).status).toBe(401);
    expect((await call("GET", "/v1/submissions", { apiKey: t.apiKey, headers: fromIp(other) })).status).toBe(200);
  });

  it("does not count successful requests or requests without any credential", async () => {
    const t = await createTenant();
    const ip = randomIp();
    await Promise.all(Array.from({ length: 70 }, () => call("GET", "/v1/submissions", { apiKey: t.apiKey, headers: fromIp(ip) })));
    await Promise.all(Array.from({ length: 70 }, () => call("GET", "/v1/submissions", { headers: fromIp(ip) })));
    expect((await call("GET", "/v1/submissions", { apiKey: unknownKey(), headers: fromIp(ip) })).status).toBe(401);
  });
});

describe("the negative cache of unknown key hashes", () => {
  /** Counts the Identity lookups the key's admitting object makes from now on. */
  async function countLookups(rawKey: string) {
    const stub = env.RATE_LIMITER.getByName(`key:${await sha256Hex(rawKey)}`);
    const lookups: string[] = [];
    await runInDurableObject(stub, (instance) => {
      const target = instance as unknown as { env: Record<string, unknown> };
      const identity = target.env.IDENTITY as { authenticateApiKey(key: string): Promise<unknown> };
      target.env = {
        ...target.env,
        IDENTITY: {
          authenticateApiKey: (key: string) => {
            lookups.push(key);
            return identity.authenticateApiKey(key);
          },
        },
      };
    });
    return { stub, lookups };
  }

  it("looks an unknown hash up once a minute, not on every request, keeping the refusal in storage", async () => {
    const key = unknownKey();
    const { stub, lookups } = await countLookups(key);
    for (let i = 0; i < 5; i++) expect((await call("GET", "/v1/submissions", { apiKey: key, headers: fromIp(randomIp()) })).status).toBe(401);
    expect(lookups).toEqual([key]);
    const refusedUntil = await runInDurableObject(stub, (_instance, state) => state.storage.kv.get<number>("refused_until"));
    expect(refusedUntil).toBeGreaterThan(realNow() + 55_000);
    expect(refusedUntil).toBeLessThanOrEqual(realNow() + 60_000);

    // A minute later it is asked again (once).
    await runInDurableObject(stub, (_instance, state) => state.storage.kv.put("refused_until", realNow() - 1));
    for (let i = 0; i < 3; i++) expect((await call("GET", "/v1/submissions", { apiKey: key, headers: fromIp(randomIp()) })).status).toBe(401);
    expect(lookups).toEqual([key, key]);
  });

  it("keeps the positive cache and revoke-on-next-request: a revoked key is refused at once, then from the negative cache", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200);
    const { lookups } = await countLookups(k.key);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200);
    expect(lookups).toEqual([]); // the positive cache answers

    expect((await call("DELETE", `/v1/api-keys/${k.id}`, { token: t.token })).status).toBe(204);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(401);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(401);
    expect(lookups).toEqual([k.key]); // asked once after the revocation, then refused from the cache
  });
});
