/**
 * Policyholder sign-in and the token boundary: the code request answers alike for known and unknown
 * emails; codes expire, run out of attempts, are used once and voided by a newer one; each address
 * gets one code a minute and ten a day, each IP a bounded number of requests; an email of two orgs
 * signs in to the org whose code it uses; a corrected email takes access with it. Portal routes take
 * only a policyholder token, and no other route takes one.
 */
import { env } from "cloudflare:workers";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { realNow } from "../support/clock.ts";
import { call, createTenant, json } from "./harness.ts";
import { bindFor, codeEmails, exchangeCode, freshIp, requestCode, signIn, uniqueEmail, waitForCodes } from "./portal-harness.ts";

/** Put the address's sends and codes `seconds` into the past, as if that long had gone by. */
async function age(email: string, seconds: number) {
  const shift = `-${seconds} seconds`;
  await env.PORTAL_DB.batch([
    env.PORTAL_DB.prepare("UPDATE otp_sends SET sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', sent_at, ?2) WHERE email = ?1").bind(email, shift),
    env.PORTAL_DB.prepare("UPDATE otp_codes SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, ?2), expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', expires_at, ?2) WHERE email = ?1").bind(email, shift),
  ]);
}

const slugOf = async (t: { token: string; orgId: string }) => (await json(await call("GET", `/v1/orgs/${t.orgId}`, { token: t.token }))).slug as string;

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

async function expect401(res: Response) {
  expect(res.status).toBe(401);
  const body = await json(res);
  expect(body).toMatchObject({ error: "unauthorized", message: "Missing or invalid credentials" });
}

describe("requesting a code", () => {
  it("answers a known and an unknown email with the same status and body; only the known one gets a code", async () => {
    const t = await createTenant();
    const known = uniqueEmail("known");
    const unknown = uniqueEmail("unknown");
    await bindFor(t, known);
    const a = await requestCode(known);
    const b = await requestCode(unknown);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const [bodyA, bodyB] = [await a.text(), await b.text()];
    expect(bodyA).toBe(bodyB);
    expect(JSON.parse(bodyA)).toEqual({ status: "accepted", message: expect.stringContaining("10 minutes") });
    const [sent] = await waitForCodes(known);
    expect(sent!.code).toMatch(/^\d{6}$/);
    expect(sent!.orgSlug).toBe(await slugOf(t));
    expect(await codeEmails(unknown)).toEqual([]);
  });

  it("refuses a malformed email with 400 naming the field", async () => {
    const res = await requestCode("not-an-email");
    expect(res.status).toBe(400);
    expect((await json(res)).details).toMatchObject({ field: "email" });
  });

  it("gives an address one code a minute, known or not, with the same 429 and Retry-After", async () => {
    const t = await createTenant();
    const known = uniqueEmail("known");
    await bindFor(t, known);
    const unknown = uniqueEmail("unknown");
    for (const email of [known, unknown]) expect((await requestCode(email)).status).toBe(202);
    const again = await Promise.all([known, unknown].map((e) => requestCode(e)));
    for (const res of again) {
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(50);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    }
    const [x, y] = await Promise.all(again.map(async (r) => (await json(r)) as Record<string, unknown>));
    expect({ ...x, requestId: null }).toEqual({ ...y, requestId: null });
    await age(known, 61);
    expect((await requestCode(known)).status).toBe(202);
  });

  it("sends racing for one address take one slot", async () => {
    const email = uniqueEmail();
    const answers = await Promise.all(Array.from({ length: 6 }, () => requestCode(email)));
    expect(answers.map((r) => r.status).sort()).toEqual([202, 429, 429, 429, 429, 429]);
  });

  it("gives an address ten codes a day, then waits for the oldest to leave the day", async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 10; i++) {
      expect((await requestCode(email)).status).toBe(202);
      await age(email, 3600);
    }
    const capped = await requestCode(email);
    expect(capped.status).toBe(429);
    // The oldest send was ten "hours" ago: it leaves the day in about 14 hours.
    expect(Number(capped.headers.get("retry-after"))).toBeGreaterThan(13 * 3600);
    await age(email, 14 * 3600);
    expect((await requestCode(email)).status).toBe(202);
  });

  it("limits the requests of one client IP, whatever the addresses", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await requestCode(uniqueEmail(), { ip })).status);
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe("exchanging a code", () => {
  it("returns a 1-hour policyholder JWT naming the insured and the org, which opens the portal", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const before = Math.floor(realNow() / 1000);
    const signed = await signIn(email);
    expect(signed).toMatchObject({ insuredId: policy.insuredId, orgId: t.orgId });
    const claims = decodeJwt(signed.token);
    expect(claims).toMatchObject({ typ: "insured", sub: policy.insuredId, orgId: t.orgId, iss: "openinsure", aud: "openinsure-api", scopes: [] });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iat!).toBeGreaterThanOrEqual(before - 1);
    const mine = await call("GET", "/v1/portal/policies", { token: signed.token });
    expect(mine.status).toBe(200);
    expect((await json(mine)).data.map((p: { id: string }) => p.id)).toEqual([policy.id]);
  });

  it("is one 401 for a wrong code, a used code, an expired code and an unknown email", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    expect((await requestCode(email)).status).toBe(202);
    const { code } = (await waitForCodes(email))[0]!;
    await expect401(await exchangeCode(email, wrong(code)));
    await expect401(await exchangeCode(uniqueEmail(), code));
    expect((await exchangeCode(email, code)).status).toBe(200);
    await expect401(await exchangeCode(email, code));

    await age(email, 61);
    expect((await requestCode(email)).status).toBe(202);
    const [fresh] = await waitForCodes(email, 2);
    await age(email, 601);
    await expect401(await exchangeCode(email, fresh!.code));
  });

  it("allows five attempts: the fifth may succeed, a sixth (even right) is 401 and the code is void", async () => {
    const t = await createTenant();
    const first = uniqueEmail();
    const second = uniqueEmail();
    await bindFor(t, first);
    await bindFor(t, second);
    await Promise.all([requestCode(first), requestCode(second)]);
    const [a] = await waitForCodes(first);
    const [b] = await waitForCodes(second);
    for (let i = 0; i < 4; i++) await expect401(await exchangeCode(first, wrong(a!.code)));
    expect((await exchangeCode(first, a!.code)).status).toBe(200);
    for (let i = 0; i < 5; i++) await expect401(await exchangeCode(second, wrong(b!.code)));
    await expect401(await exchangeCode(second, b!.code));
    const row = await env.PORTAL_DB.prepare("SELECT attempts, used_at FROM otp_codes WHERE email = ?1").bind(second).first<{ attempts: number; used_at: string | null }>();
    expect(row).toEqual({ attempts: 5, used_at: null });
  });

  it("parallel guesses cannot try a code more than five times", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    await requestCode(email);
    const { code } = (await waitForCodes(email))[0]!;
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0"));
    const answers = await Promise.all(guesses.map((g) => exchangeCode(email, g)));
    expect(answers.every((r) => r.status === 401)).toBe(true);
    await expect401(await exchangeCode(email, code));
  });

  it("a new code voids the one before it", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    await requestCode(email);
    const [old] = await waitForCodes(email);
    await age(email, 61);
    await requestCode(email);
    const [latest] = await waitForCodes(email, 2);
    await expect401(await exchangeCode(email, old!.code));
    expect((await exchangeCode(email, latest!.code)).status).toBe(200);
  });

  it("stores only a keyed hash of the code", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    await requestCode(email);
    const { code } = (await waitForCodes(email))[0]!;
    const row = await env.PORTAL_DB.prepare("SELECT * FROM otp_codes WHERE email = ?1").bind(email).first<Record<string, unknown>>();
    expect(row!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);
  });
});

describe("an email known to two orgs", () => {
  it("gets a code for each org, and the token names the org whose code was used", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const email = uniqueEmail();
    const inA = await bindFor(a, email);
    const inB = await bindFor(b, email);
    expect((await requestCode(email)).status).toBe(202);
    const sent = await waitForCodes(email, 2);
    const [slugA, slugB] = [await slugOf(a), await slugOf(b)];
    expect(new Set(sent.map((s) => s.orgSlug))).toEqual(new Set([slugA, slugB]));
    const forB = sent.find((s) => s.orgSlug === slugB)!;
    const res = await exchangeCode(email, forB.code);
    expect(res.status).toBe(200);
    const token = await json(res);
    expect(token).toMatchObject({ orgId: b.orgId, insuredId: inB.insuredId });
    expect((await json(await call("GET", "/v1/portal/policies", { token: token.token }))).data.map((p: { id: string }) => p.id)).toEqual([inB.id]);
    expect((await call("GET", `/v1/portal/policies/${inA.id}`, { token: token.token })).status).toBe(404);
  });

  it("with orgSlug, gets a code for that org only", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const email = uniqueEmail();
    await bindFor(a, email);
    await bindFor(b, email);
    expect((await requestCode(email, { orgSlug: await slugOf(b) })).status).toBe(202);
    const sent = await waitForCodes(email);
    await new Promise((r) => setTimeout(r, 300));
    expect((await codeEmails(email)).map((s) => s.orgSlug)).toEqual([await slugOf(b)]);
    expect(sent).toHaveLength(1);
  });
});

describe("a corrected email", () => {
  it("moves portal access: the old address's code stops working, the new address signs in", async () => {
    const t = await createTenant();
    const old = uniqueEmail("old");
    const policy = await bindFor(t, old);
    await requestCode(old);
    const [sent] = await waitForCodes(old);
    const fresh = uniqueEmail("new");
    expect((await call("PATCH", `/v1/insureds/${policy.insuredId}`, { apiKey: t.apiKey, body: { email: fresh } })).status).toBe(200);
    await expect401(await exchangeCode(old, sent!.code));
    const signed = await signIn(fresh);
    expect(signed.insuredId).toBe(policy.insuredId);
  });
});

describe("the token boundary", () => {
  it("portal routes refuse API keys, user JWTs, the API secret and forged or absent tokens", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const forged = await new SignJWT({ orgId: t.orgId, role: null, scopes: [], typ: "insured" })
      .setProtectedHeader({ alg: "HS256" }).setSubject(policy.insuredId).setIssuer("openinsure").setAudience("openinsure-api")
      .setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode("another-secret-0123456789abcdef0123456789"));
    const userAsInsured = await new SignJWT({ orgId: t.orgId, role: "org_admin", scopes: ["*"], typ: "user" })
      .setProtectedHeader({ alg: "HS256" }).setSubject(policy.insuredId).setIssuer("openinsure").setAudience("openinsure-api")
      .setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(env.JWT_SECRET));
    for (const path of ["/v1/portal/policies", `/v1/portal/policies/${policy.id}`, "/v1/portal/profile"]) {
      await expect401(await call("GET", path));
      await expect401(await call("GET", path, { apiKey: t.apiKey }));
      await expect401(await call("GET", path, { token: t.apiKey }));
      await expect401(await call("GET", path, { token: t.token }));
      await expect401(await call("GET", path, { token: env.API_SECRET, headers: { "x-org-id": t.orgId } }));
      await expect401(await call("GET", path, { token: forged }));
      await expect401(await call("GET", path, { token: userAsInsured }));
    }
    await expect401(await call("PUT", "/v1/portal/profile", { apiKey: t.apiKey, body: { phone: "503-555-0100" } }));
  });

  it("every other route refuses a policyholder token", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const { token } = await signIn(email);
    for (const [method, path] of [
      ["GET", "/v1/policies"],
      ["GET", `/v1/policies/${policy.id}`],
      ["GET", "/v1/submissions"],
      ["GET", `/v1/insureds/${policy.insuredId}`],
      ["GET", "/v1/invoices"],
      ["GET", "/v1/claims"],
      ["GET", "/v1/events"],
      ["GET", "/v1/webhooks"],
      ["GET", "/v1/deal-rooms"],
      ["GET", "/v1/auth/validate"],
    ] as const) {
      await expect401(await call(method, path, { token }));
    }
    await expect401(await call("PATCH", `/v1/insureds/${policy.insuredId}`, { token, body: { email: uniqueEmail() } }));
    await expect401(await call("POST", "/v1/submissions", { token, body: {} }));
    // The session routes take only a session token (identity's own 401 wording).
    const session = await call("GET", "/auth/profile", { token });
    expect(session.status).toBe(401);
    expect((await json(session)).error).toBe("unauthorized");
  });
});
