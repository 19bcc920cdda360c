import { describe, expect, it } from "vitest";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;

describe("error envelope and HTTP edges", () => {
  it("answers /health without credentials", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(REQUEST_ID);
  });

  it("serves the contract and the explorer", async () => {
    const doc = await json(await call("GET", "/openapi.json"));
    expect(doc.openapi).toMatch(/^3\.1\./);
    const docs = await call("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/openapi.json");
  });

  it("unknown routes are 404 route_not_found, with the request id in body and header", async () => {
    const res = await call("GET", "/v1/no-such-thing");
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.error).toBe("route_not_found");
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
    expect(body.requestId).toMatch(REQUEST_ID);
  });

  it("a trailing slash is another path: 404 route_not_found, not a 405 for a method that is allowed", async () => {
    const t = await createTenant();
    const res = await call("GET", "/v1/submissions/", { apiKey: t.apiKey });
    expect(res.status).toBe(404);
    expect((await json(res)).error).toBe("route_not_found");
  });

  it("a known path with the wrong method is 405 with Allow", async () => {
    const res = await call("PUT", "/v1/submissions");
    expect(res.status).toBe(405);
    expect((await json(res)).error).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toContain("POST");
  });

  it("a chunked body with no Content-Length is cut off at 1 MB with 413, not read to the end", async () => {
    const t = await createTenant();
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 64) controller.close(); // 4 MB in all, if anyone read that far
        else controller.enqueue(chunk);
      },
    });
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBe("payload_too_large");
    expect(pulled).toBeLessThan(64);
  });

  it("bodies over 1 MB are 413", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: JSON.stringify({ notes: "x".repeat(1024 * 1024 + 10) }), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBe("payload_too_large");
  });

  it("non-JSON bodies on JSON routes are 415", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: "insuredName=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect((await json(res)).error).toBe("unsupported_media_type");
  });

  it("malformed JSON is 400 validation_failed", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: '{"insuredName": ', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "body", rule: "json" } });
  });

  it("validation errors name the missing field and the rule", async () => {
    const t = await createTenant();
    const { effectiveDate: _omitted, ...body } = quickstartSubmission();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body });
    expect(res.status).toBe(400);
    const err = await json(res);
    expect(err).toMatchObject({ error: "validation_failed", message: "Missing required field: effectiveDate", details: { field: "effectiveDate", rule: "required" } });
  });

  it("a missing enum field is reported as required, a wrong one as invalid", async () => {
    const t = await createTenant();
    const { state: _state, ...missing } = quickstartSubmission();
    const a = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: missing }));
    expect(a.details).toMatchObject({ field: "state", rule: "required" });
    const b = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), state: "ZZ" } }));
    expect(b.details).toMatchObject({ field: "state", rule: "invalid_value" });
  });

  it("money with more than two decimals is rejected naming the field", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), annualRevenue: 100.123 } });
    expect(res.status).toBe(400);
    expect((await json(res)).details).toMatchObject({ field: "annualRevenue", rule: "money_precision" });
  });

  it("query parameters are typed by the contract", async () => {
    const t = await createTenant();
    expect((await call("GET", "/v1/submissions?limit=2", { apiKey: t.apiKey })).status).toBe(200);
    const bad = await call("GET", "/v1/submissions?limit=500", { apiKey: t.apiKey });
    expect(bad.status).toBe(400);
    expect((await json(bad)).details.field).toBe("limit");
  });

  // About 400 requests (every write operation × 6 bodies × 2 credentials): over the 5 s default on a loaded machine.
  it("malformed bodies on every write route get a 4xx envelope, never a 5xx", { timeout: 30_000 }, async () => {
    const t = await createTenant();
    const doc = await json(await call("GET", "/openapi.json"));
    const writes: [string, string][] = [];
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) {
        if (["post", "put", "patch", "delete"].includes(method)) writes.push([method.toUpperCase(), path.replace(/\{[^}]+\}/g, "sub_00000000000000000000000000")]);
      }
    }
    expect(writes.length).toBeGreaterThan(10);
    const bodies = ['{"', "[]", '"string"', "null", "{\"insuredName\": 5}", "\u0000\u0001"];
    for (const [method, path] of writes) {
      for (const raw of bodies) {
        for (const token of [t.token, t.apiKey]) {
          const res = await call(method, path, { token, rawBody: raw, headers: { "content-type": "application/json" } });
          expect(res.status, `${method} ${path} with ${JSON.stringify(raw)}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${path} with ${JSON.stringify(raw)}`).toBeLessThan(500);
          expect(typeof (await json(res)).error).toBe("string");
        }
      }
    }
  });
});
