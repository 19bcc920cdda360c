import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";

describe("POST /v1/market-finder/scan through the gateway", () => {
  it("refuses private, loopback, metadata and non-http(s) URLs with 400 validation_failed naming url, before any fetch", async () => {
    const t = await createTenant();
    for (const url of ["http://127.0.0.1:8787/", "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:192.168.0.1]/", "file:///etc/passwd"]) {
      const res = await call("POST", "/v1/market-finder/scan", { apiKey: t.apiKey, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "url" }, requestId: expect.stringMatching(/^req_/) });
    }
  });

  it("refuses a body without a url", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/market-finder/scan", { apiKey: t.apiKey, body: {} });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "url" } });
  });

  it("needs market:read and a credential", async () => {
    const t = await createTenant();
    const other = await createApiKey(t.token, { scopes: ["submissions:read"] });
    const denied = await call("POST", "/v1/market-finder/scan", { apiKey: other.key, body: { url: "https://example.com/" } });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "market:read" } });
    expect((await call("POST", "/v1/market-finder/scan", { body: { url: "https://example.com/" } })).status).toBe(401);
  });
});
