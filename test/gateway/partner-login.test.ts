/**
 * The partner login through the gateway on the real identity and partners workers: the emailed
 * invitation's single-use token becomes a login (`/auth/partner-accept`), the login a 1-hour partner
 * JWT (`/auth/partner-token`), and that JWT reads only its own partner, codes and commissions (another
 * partner's id 404, every other operation 401, like a policyholder JWT), until the partner is revoked.
 */
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { realIso } from "../support/clock.ts";
import { call, createTenant, json, setClock, type Tenant } from "./harness.ts";

const PASSWORD = "correct horse battery";
const unique = () => crypto.randomUUID().slice(0, 8);

async function newPartner(t: Tenant, contactEmail = `ops-${unique()}@partner.example`) {
  const res = await call("POST", "/v1/partners", { apiKey: t.apiKey, body: { name: "Payroll App", contactEmail, landingUrl: "https://payroll.example/insurance", commissionRate: 10 } });
  expect(res.status).toBe(201);
  return json(res);
}

/** Invite the partner and read the token of the link from the sandbox outbox. */
async function invite(t: Tenant, partner: Record<string, any>): Promise<string> {
  const res = await call("POST", `/v1/partners/${partner.id}/invite`, { apiKey: t.apiKey });
  expect(res.status).toBe(200);
  const { emailId } = await json(res);
  const emails = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(partner.contactEmail)}`, { token: env.API_SECRET }));
  const email = emails.data.find((e: { id: string }) => e.id === emailId);
  const token = JSON.stringify(email).match(/\/partner\/accept\?token=([A-Za-z0-9_%-]+)/)?.[1];
  expect(token).toBeTruthy();
  return decodeURIComponent(token!);
}

const accept = (token: string, body: Record<string, unknown> = {}) => call("POST", "/auth/partner-accept", { body: { token, password: PASSWORD, ...body } });
const signIn = (email: string, password = PASSWORD) => call("POST", "/auth/partner-token", { body: { email, password } });

async function partnerToken(email: string): Promise<string> {
  const res = await signIn(email);
  expect(res.status).toBe(200);
  return (await json(res)).token;
}

describe("the partner login", () => {
  it("accepts an invitation once, signs in for a 1-hour partner JWT, and reads only that partner's own data", async () => {
    const t = await createTenant();
    const partner = await newPartner(t, `Ops-${unique()}@Partner.example`);
    const other = await newPartner(t);
    const token = await invite(t, partner);

    const accepted = await accept(token, { name: "Dana Ops" });
    expect(accepted.status).toBe(201);
    expect(await json(accepted)).toMatchObject({ partnerId: partner.id, orgId: t.orgId, email: partner.contactEmail.toLowerCase(), name: "Dana Ops" });
    // Single use: the same link again is refused, and the password it would set is not taken.
    const again = await accept(token, { password: "another password 123" });
    expect(again.status).toBe(401);
    expect((await json(again)).error).toBe("unauthorized");
    expect((await signIn(partner.contactEmail, "another password 123")).status).toBe(401);
    // The partner is active again once its invitation is accepted.
    expect((await json(await call("GET", `/v1/partners/${partner.id}`, { apiKey: t.apiKey }))).status).toBe("active");

    const signed = await signIn(partner.contactEmail.toUpperCase());
    expect(signed.status).toBe(200);
    const body = await json(signed);
    expect(body).toMatchObject({ tokenType: "Bearer", partnerId: partner.id, orgId: t.orgId });
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ typ: "partner", sub: partner.id, partnerId: partner.id, orgId: t.orgId, role: null });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(new Date(body.expiresAt).getTime()).toBe(claims.exp! * 1000);

    const own = await call("GET", `/v1/partners/${partner.id}`, { token: body.token });
    expect(own.status).toBe(200);
    expect(await json(own)).toMatchObject({ id: partner.id, name: "Payroll App" });
    const codes = await call("GET", `/v1/partners/${partner.id}/codes`, { token: body.token });
    expect(codes.status).toBe(200);
    expect((await json(codes)).data).toEqual([expect.objectContaining({ code: partner.defaultCode })]);
    const commissions = await call("GET", `/v1/partners/${partner.id}/commissions`, { token: body.token });
    expect(commissions.status).toBe(200);
    expect((await json(commissions)).data).toEqual([]);

    // Another partner of the same org is 404 on each of the three, exactly as an unknown id.
    for (const path of [`/v1/partners/${other.id}`, `/v1/partners/${other.id}/codes`, `/v1/partners/${other.id}/commissions`]) {
      const res = await call("GET", path, { token: body.token });
      expect(res.status, path).toBe(404);
      expect((await json(res)).error, path).toBe("not_found");
    }
    // Every other operation refuses the partner JWT with the same 401 as a policyholder JWT gets off the portal.
    const refused: [string, string, unknown?][] = [
      ["GET", "/v1/partners"],
      ["POST", `/v1/partners/${partner.id}/codes`, { code: `X${unique()}` }],
      ["POST", `/v1/partners/${partner.id}/invite`],
      ["POST", `/v1/partners/${partner.id}/revoke`],
      ["POST", `/v1/partners/${partner.id}/commissions/pay`, {}],
      ["GET", "/v1/commissions"],
      ["GET", "/v1/submissions"],
      ["GET", "/v1/policies"],
      ["GET", "/v1/api-keys"],
      ["GET", "/v1/portal/home"],
    ];
    for (const [method, path, sent] of refused) {
      const res = await call(method, path, { token: body.token, ...(sent === undefined ? {} : { body: sent }) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await json(res)).error, `${method} ${path}`).toBe("unauthorized");
    }
    // Nothing was changed by the refused writes.
    expect((await json(await call("GET", `/v1/partners/${partner.id}/codes`, { apiKey: t.apiKey }))).data).toHaveLength(1);
    expect((await json(await call("GET", `/v1/partners/${partner.id}`, { apiKey: t.apiKey }))).status).toBe("active");
  });

  it("refuses a tampered, replaced or expired invitation token, a wrong password and a tampered JWT, all 401", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    const first = await invite(t, partner);
    const tampered = `${first.slice(0, -2)}${first.endsWith("AA") ? "BB" : "AA"}`;
    expect((await accept(tampered)).status).toBe(401);
    expect((await accept("")).status).toBe(400);
    expect((await accept(first, { password: "short" })).status).toBe(400);
    // A newer invitation replaces the last: the first link stops working, the new one works.
    const second = await invite(t, partner);
    expect((await accept(first)).status).toBe(401);
    expect((await accept(second)).status).toBe(201);
    expect((await signIn(partner.contactEmail, "wrong password 123")).status).toBe(401);
    expect((await signIn(`nobody-${unique()}@partner.example`)).status).toBe(401);

    // Two accepts of one link at once: exactly one creates the login.
    const raced = await newPartner(t);
    const racedToken = await invite(t, raced);
    const answers = await Promise.all([accept(racedToken, { password: "first password 123" }), accept(racedToken, { password: "second password 123" })]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 401]);
    const winner = answers[0]!.status === 201 ? "first password 123" : "second password 123";
    const loser = winner === "first password 123" ? "second password 123" : "first password 123";
    expect((await signIn(raced.contactEmail, winner)).status).toBe(200);
    expect((await signIn(raced.contactEmail, loser)).status).toBe(401);

    const jwt = await partnerToken(partner.contactEmail);
    const [h, p, s] = jwt.split(".");
    const forged = `${h}.${btoa(JSON.stringify({ ...decodeJwt(jwt), partnerId: "prt_01HZZZZZZZZZZZZZZZZZZZZZZZ" })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.${s}`;
    expect((await call("GET", `/v1/partners/${partner.id}`, { token: forged })).status).toBe(401);
    expect((await call("GET", `/v1/partners/${partner.id}`, { token: `${h}.${p}.${s!.slice(0, -3)}abc` })).status).toBe(401);

    // An invitation sent 8 days ago (by the org's sandbox clock) has expired: 401, and nothing is created.
    const late = await newPartner(t);
    await setClock(t.orgId, { now: realIso(-8 * 86_400_000) });
    const stale = await invite(t, late);
    await setClock(t.orgId, { advanceDays: 8 });
    expect((await accept(stale)).status).toBe(401);
    expect((await signIn(late.contactEmail)).status).toBe(401);
  });

  it("refuses an email that already signs in as another partner (409) without consuming the token", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const email = `shared-${unique()}@partner.example`;
    const first = await newPartner(a, email);
    const second = await newPartner(b, email);
    expect((await accept(await invite(a, first))).status).toBe(201);
    const token = await invite(b, second);
    const clash = await accept(token);
    expect(clash.status).toBe(409);
    expect((await json(clash)).error).toBe("conflict");
    // The token was not consumed: it still answers the same conflict rather than 401.
    expect((await accept(token)).status).toBe(409);
    // The login of the first stays the first's.
    expect((await json(await signIn(email))).partnerId).toBe(first.id);
  });

  it("stops a revoked partner's token from the next request, and its sign-in", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    const pending = await newPartner(t);
    expect((await accept(await invite(t, partner))).status).toBe(201);
    const pendingToken = await invite(t, pending);
    const jwt = await partnerToken(partner.contactEmail);
    expect((await call("GET", `/v1/partners/${partner.id}`, { token: jwt })).status).toBe(200);

    expect((await call("POST", `/v1/partners/${partner.id}/revoke`, { apiKey: t.apiKey })).status).toBe(200);
    for (const path of [`/v1/partners/${partner.id}`, `/v1/partners/${partner.id}/codes`, `/v1/partners/${partner.id}/commissions`]) {
      expect((await call("GET", path, { token: jwt })).status, path).toBe(401);
    }
    expect((await signIn(partner.contactEmail)).status).toBe(401);
    // A revoked partner's outstanding invitation no longer creates a login.
    expect((await call("POST", `/v1/partners/${pending.id}/revoke`, { apiKey: t.apiKey })).status).toBe(200);
    expect((await accept(pendingToken)).status).toBe(401);
    // The org still reads the revoked partner.
    expect((await json(await call("GET", `/v1/partners/${partner.id}`, { apiKey: t.apiKey }))).status).toBe("revoked");
  });
});
