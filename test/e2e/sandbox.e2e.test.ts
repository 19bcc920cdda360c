import { describe, expect, it } from "vitest";
import { http, quickstartSubmission, sandbox } from "./client.ts";
import { realNow } from "../support/clock.ts";

describe("the local sandbox (npm run dev), over HTTP", () => {
  it("serves /health without credentials", async () => {
    const res = await http("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("ok");
  });

  it("seeded a demo org and a working sandbox key", async () => {
    const { apiKey, orgId } = sandbox();
    const res = await http("GET", "/v1/auth/validate", { apiKey });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ valid: true, orgId, rateLimitTier: "sandbox" });
  });

  it("system secret → org → demo JWT → API key → create and list submissions", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Brokerage" } });
    expect(org.status).toBe(201);
    const demo = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } });
    expect(demo.status).toBe(200);
    const key = await http("POST", "/v1/api-keys", { token: demo.json.token, body: { name: "e2e", scopes: ["submissions:read", "submissions:write"] } });
    expect(key.status).toBe(201);
    expect(key.json.key).toMatch(/^oik_test_/);

    const created = await http("POST", "/v1/submissions", { apiKey: key.json.key, body: quickstartSubmission() });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-ratelimit-limit")).toBe("100");
    const listed = await http("GET", "/v1/submissions", { apiKey: key.json.key });
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((s: { id: string }) => s.id)).toEqual([created.json.id]);
    expect((await http("GET", `/v1/submissions/${created.json.id}`, { apiKey: sandbox().apiKey })).status).toBe(404);
  });

  it("/openapi.json is OpenAPI 3.1 and /docs serves the explorer", async () => {
    const doc = await http("GET", "/openapi.json");
    expect(doc.json.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.json.paths)).toContain("/v1/submissions/{id}");
    const docs = await http("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("<html");
  });

  it("a person can finish a signup through the sandbox mailbox", async () => {
    const { apiSecret } = sandbox();
    const email = `e2e-${realNow()}@example.com`;
    expect((await http("POST", "/auth/signup", { body: { email, password: "correct horse battery staple", name: "E2E Person" } })).status).toBe(201);
    const mail = await http("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}`, { token: apiSecret });
    expect(mail.status).toBe(200);
    const code = String(mail.json.data[0].body).match(/\b(\d{6})\b/)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect((await http("POST", "/auth/verify", { body: { email, code } })).status).toBe(200);
    const login = await http("POST", "/auth/login", { body: { email, password: "correct horse battery staple" } });
    expect(login.status).toBe(200);
    const profile = await http("GET", "/auth/profile", { token: login.json.sessionToken });
    expect(profile.json.email).toBe(email);
    const exchanged = await http("POST", "/auth/better/exchange", { token: login.json.sessionToken });
    expect(exchanged.status).toBe(200);
    expect((await http("GET", "/v1/submissions", { token: exchanged.json.token })).status).toBe(200);
    expect((await http("POST", "/auth/logout", { token: login.json.sessionToken })).status).toBe(204);
    expect((await http("GET", "/auth/profile", { token: login.json.sessionToken })).status).toBe(401);
  });

  it("a sandbox key sending 130 concurrent requests gets exactly 100 through, each 429 with Retry-After", async () => {
    const { apiSecret, orgId } = sandbox();
    const demo = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId } });
    const key = await http("POST", "/v1/api-keys", { token: demo.json.token, body: { name: "e2e rate", preset: "read_only", rateLimitTier: "sandbox" } });
    const responses = await Promise.all(Array.from({ length: 130 }, () => http("GET", "/v1/submissions?limit=1", { apiKey: key.json.key })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(100);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(30);
    for (const r of responses) expect(r.headers.get("x-ratelimit-remaining")).not.toBeNull();
    for (const r of limited) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("20 concurrent POSTs with one Idempotency-Key create one submission; the replay is byte-identical", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Idempotency" } });
    const demo = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } });
    const key = await http("POST", "/v1/api-keys", { token: demo.json.token, body: { name: "e2e idem", preset: "full_access", rateLimitTier: "standard" } });
    const idem = { "idempotency-key": `e2e-${realNow()}` };
    const responses = await Promise.all(Array.from({ length: 20 }, () => http("POST", "/v1/submissions", { apiKey: key.json.key, body: quickstartSubmission(), headers: idem })));
    expect(responses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const created = responses.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.json.id)).size).toBe(1);
    const replay = await http("POST", "/v1/submissions", { apiKey: key.json.key, body: quickstartSubmission(), headers: idem });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.text).toBe(created[0]!.text);
    const list = await http("GET", "/v1/submissions", { apiKey: key.json.key });
    expect(list.json.data).toHaveLength(1);
  });
});
