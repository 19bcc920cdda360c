import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { operations } from "#contract/operations";
import { ROUTES } from "../../workers/gateway/src/app.ts";
import { rawRoute, route } from "../../workers/gateway/src/http/route.ts";
import { realNow } from "../support/clock.ts";
import { call, createTenant, json } from "./harness.ts";

describe("the contract and the routes agree", () => {
  it("every operation in /openapi.json is served (never route_not_found or 405)", async () => {
    const t = await createTenant();
    const doc = await json(await call("GET", "/openapi.json"));
    let operations = 0;
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) {
        operations++;
        const concrete = path.replace(/\{[^}]+\}/g, "x");
        const res = await call(method.toUpperCase(), concrete, { token: t.token, body: method === "get" || method === "delete" ? undefined : {} });
        const body = res.status === 204 ? {} : await json(res);
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(body.error, `${method} ${path}`).not.toBe("route_not_found");
      }
    }
    expect(operations).toBeGreaterThanOrEqual(25);
  });

  it("has exactly one route per contract operation, with the contract's method, path and auth", () => {
    const ids = ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(Object.keys(operations).sort());
    for (const r of ROUTES) {
      const contract = operations[r.operationId];
      expect({ method: r.method, path: r.path, auth: r.auth, extraLimit: r.extraLimit ?? null }, r.operationId).toEqual({
        method: contract.method,
        path: contract.path,
        auth: contract.auth,
        extraLimit: contract.rateLimit,
      });
    }
  });

  it("refuses, as the module loads, a route the contract does not declare or whose code does not fit it", () => {
    expect(() => route("noSuchOperation" as never, async () => ({ ok: true, value: null }))).toThrow(/no such operation/);
    // bindSubmission answers 200 or 201: the route must say which.
    expect(() => route("bindSubmission", (async () => ({ ok: true, value: null })) as never)).toThrow(/pass status/);
    // createSubmission accepts multipart: the route must answer it.
    expect(() => route("createSubmission", (async () => ({ ok: true, value: null })) as never)).toThrow(/multipart/);
    expect(() => route("getPolicy", { handler: async () => ({ ok: true, value: null }), multipart: async () => ({ ok: true, value: null }) } as never)).toThrow(/multipart/);
    // A raw route (its own code reads the request) skips authentication, so only a public operation may be one.
    expect(() => rawRoute("refundInvoice", async () => new Response(null))).toThrow(/only a public operation/);
    expect(() => rawRoute("noSuchOperation" as never, async () => new Response(null))).toThrow(/no such operation/);
    expect(ROUTES.find((r) => r.operationId === "receiveStripeWebhook")).toMatchObject({ method: "post", path: "/webhooks/stripe", raw: expect.any(Function) });
    // The only raw route (test/contract/input-rules.test.ts exempts exactly these bodies from the validator's rules).
    expect(ROUTES.filter((r) => r.raw).map((r) => r.operationId)).toEqual(["receiveStripeWebhook", "followReferralLink"]);
  });

  it("sends the headers the contract declares: X-Request-ID always, X-RateLimit-* on authenticated answers", async () => {
    const t = await createTenant({ tier: "sandbox" });
    const health = await call("GET", "/health");
    expect(health.headers.get("x-request-id")).toMatch(/^req_/);
    expect(health.headers.has("x-ratelimit-limit")).toBe(false);
    for (const res of [
      await call("GET", "/v1/policies", { apiKey: t.apiKey }),
      await call("GET", "/v1/policies/pol_missing", { apiKey: t.apiKey }),
      await call("POST", "/v1/orgs", { apiKey: t.apiKey, body: { name: "Not allowed" } }),
    ]) {
      expect(res.headers.get("x-request-id"), String(res.status)).toMatch(/^req_/);
      expect(res.headers.get("x-ratelimit-limit"), String(res.status)).toBe("100");
      expect(Number(res.headers.get("x-ratelimit-remaining")), String(res.status)).toBeLessThan(100);
      expect(Number(res.headers.get("x-ratelimit-reset")), String(res.status)).toBeGreaterThan(realNow() / 1000 - 1);
    }
    // The API secret acting in no org on an org route: 400, still counted and identified.
    const noOrg = await call("GET", "/v1/policies", { token: env.API_SECRET });
    expect(noOrg.status).toBe(400);
    expect(noOrg.headers.get("x-request-id")).toMatch(/^req_/);
    expect(noOrg.headers.has("x-ratelimit-limit")).toBe(true);
  });
});
