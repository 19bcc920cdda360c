import { env } from "cloudflare:workers";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json, quickstartSubmission } from "./harness.ts";
import { realNow } from "../support/clock.ts";

const key = () => new TextEncoder().encode(env.JWT_SECRET);

async function jwt(claims: Record<string, unknown>, options: { aud?: string; iss?: string; exp?: number; iat?: number; secret?: Uint8Array } = {}) {
  const now = Math.floor(realNow() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("usr_test")
    .setIssuer(options.iss ?? "openinsure")
    .setAudience(options.aud ?? "openinsure-api")
    .setIssuedAt(options.iat ?? now)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(options.secret ?? key());
}

async function expectUnauthorized(res: Response) {
  expect(res.status).toBe(401);
  const body = await json(res);
  expect(body.error).toBe("unauthorized");
  return body.message as string;
}

describe("credentials: every way to be wrong is one 401", () => {
  it("no credential", async () => {
    await expectUnauthorized(await call("GET", "/v1/submissions"));
  });

  it("a JWT with alg none", async () => {
    const t = await createTenant();
    const unsigned = new UnsecuredJWT({ orgId: t.orgId, role: "org_admin", scopes: ["*"], typ: "user" })
      .setSubject("usr_x").setIssuer("openinsure").setAudience("openinsure-api").setIssuedAt().setExpirationTime("10m").encode();
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: unsigned }));
  });

  it("a tampered JWT (payload changed after signing)", async () => {
    const t = await createTenant();
    const good = await jwt({ orgId: t.orgId, role: "viewer", scopes: ["submissions:read"], typ: "user" });
    const [h, , s] = good.split(".");
    const forged = btoa(JSON.stringify({ sub: "usr_x", orgId: t.orgId, role: "org_admin", scopes: ["*"], typ: "user", iss: "openinsure", aud: "openinsure-api", exp: Math.floor(realNow() / 1000) + 600, iat: Math.floor(realNow() / 1000) })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: `${h}.${forged}.${s}` }));
  });

  it("a JWT signed with another secret", async () => {
    const t = await createTenant();
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "user" }, { secret: new TextEncoder().encode("another-secret-another-secret-1234") }) }));
  });

  it("an expired JWT", async () => {
    const t = await createTenant();
    const past = Math.floor(realNow() / 1000) - 3600;
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "user" }, { iat: past - 60, exp: past }) }));
  });

  it("a JWT for another audience or issuer", async () => {
    const t = await createTenant();
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "user" }, { aud: "someone-else" }) }));
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "user" }, { iss: "someone-else" }) }));
  });

  it("a JWT living longer than an hour", async () => {
    const t = await createTenant();
    const now = Math.floor(realNow() / 1000);
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "user" }, { iat: now, exp: now + 7200 }) }));
  });

  it("a policyholder (typ insured) JWT outside the portal", async () => {
    const t = await createTenant();
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, scopes: ["*"], typ: "insured" }) }));
  });

  it("a well-formed JWT is accepted", async () => {
    const t = await createTenant();
    const res = await call("GET", "/v1/submissions", { token: await jwt({ orgId: t.orgId, role: "viewer", scopes: ["submissions:read"], typ: "user" }) });
    expect(res.status).toBe(200);
  });

  it("an unknown API key, in either header", async () => {
    await createTenant();
    const fake = "oik_test_" + "A".repeat(43);
    const a = await expectUnauthorized(await call("GET", "/v1/submissions", { apiKey: fake }));
    const b = await expectUnauthorized(await call("GET", "/v1/submissions", { token: fake }));
    expect(a).toBe(b);
  });

  it("a revoked API key stops working on the very next request", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token, { tier: "enterprise" });
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200); // cached by its admitting object
    expect((await call("DELETE", `/v1/api-keys/${k.id}`, { token: t.token })).status).toBe(204);
    await expectUnauthorized(await call("GET", "/v1/submissions", { apiKey: k.key }));
  });

  it("an expired API key", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token, { expiresAt: new Date(realNow() + 1500).toISOString() });
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1700));
    await expectUnauthorized(await call("GET", "/v1/submissions", { apiKey: k.key }));
  });

  it("a rotated key works through its grace period; with no grace it stops at once", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200);
    const graceful = await json(await call("POST", `/v1/api-keys/${k.id}/rotate`, { token: t.token, body: { gracePeriodHours: 1 } }));
    expect(graceful.key).toMatch(/^oik_test_/);
    expect((await call("GET", "/v1/submissions", { apiKey: k.key })).status).toBe(200);
    expect((await call("GET", "/v1/submissions", { apiKey: graceful.key })).status).toBe(200);

    const abrupt = await json(await call("POST", `/v1/api-keys/${graceful.id}/rotate`, { token: t.token, body: { gracePeriodHours: 0 } }));
    await expectUnauthorized(await call("GET", "/v1/submissions", { apiKey: graceful.key }));
    expect((await call("GET", "/v1/submissions", { apiKey: abrupt.key })).status).toBe(200);
  });

  it("a key without the scope is 403 naming the scope", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token, { scopes: ["submissions:read"] });
    const res = await call("POST", "/v1/submissions", { apiKey: k.key, body: {} });
    expect(res.status).toBe(403);
    const body = await json(res);
    expect(body.error).toBe("insufficient_scope");
    expect(body.message).toContain("submissions:write");
    expect(res.headers.get("x-ratelimit-limit")).not.toBeNull();
  });

  it("the API secret acts in the org named by X-Org-Id, and only there", async () => {
    const t = await createTenant();
    expect((await call("GET", "/v1/submissions", { token: env.API_SECRET, headers: { "x-org-id": t.orgId } })).status).toBe(200);
    expect((await call("GET", "/v1/submissions", { token: env.API_SECRET })).status).toBe(400);
    expect((await call("GET", "/v1/submissions", { token: env.API_SECRET, headers: { "x-org-id": "org_01J8K3M4N5P6Q7R8S9T0V1W2X3" } })).status).toBe(404);
    await expectUnauthorized(await call("GET", "/v1/submissions", { token: env.API_SECRET + "x", headers: { "x-org-id": t.orgId } }));
  });

  it("the API secret also takes the seed's ?orgId=, with X-Org-Id winning when both are sent", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const created = await call("POST", `/v1/submissions?orgId=${t.orgId}`, { token: env.API_SECRET, body: quickstartSubmission() });
    expect(created.status).toBe(201);
    const { id } = await json(created);
    const listed = await json(await call("GET", `/v1/submissions?orgId=${t.orgId}&limit=100`, { token: env.API_SECRET }));
    expect(listed.data.map((s: { id: string }) => s.id)).toEqual([id]);
    // The header names the org when both are given: the other org has no such submission.
    const both = await call("GET", `/v1/submissions/${id}?orgId=${t.orgId}`, { token: env.API_SECRET, headers: { "x-org-id": other.orgId } });
    expect(both.status).toBe(404);
    expect((await call("GET", "/v1/submissions?orgId=org_01J8K3M4N5P6Q7R8S9T0V1W2X3", { token: env.API_SECRET })).status).toBe(404);
    // Only the API secret chooses its org: an API key's org is its own, whatever the query says.
    const mine = await json(await call("GET", `/v1/submissions?orgId=${t.orgId}&limit=100`, { apiKey: other.apiKey }));
    expect(mine.data).toEqual([]);
  });

  it("only the API secret creates orgs", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/orgs", { token: t.token, body: { name: "Nope" } });
    expect(res.status).toBe(403);
  });

  it("GET /v1/auth/validate describes the presented key", async () => {
    const t = await createTenant();
    const k = await createApiKey(t.token, { scopes: ["submissions:read", "policies:read"] });
    const res = await call("GET", "/v1/auth/validate", { apiKey: k.key });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ valid: true, keyId: k.id, orgId: t.orgId, scopes: ["submissions:read", "policies:read"], expiresAt: null });
  });
});
