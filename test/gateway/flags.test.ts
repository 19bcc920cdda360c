/**
 * Feature flags through the gateway on the real producers worker: the list with `source` and
 * `reason`, set / get / revert, 400 naming `value` for a value of the wrong type, 404 for an unknown
 * key, `flags:write` for org_admin only (other roles' JWTs and a read-only key get 403), tenancy, and
 * a PUT taking effect on the next request in another worker: underwriting's bind with the auto-bind
 * limit lowered opens a referral.
 */
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ROLE_SCOPES, type Role } from "#shared/auth";
import { FLAG_KEYS } from "#shared/flags.catalogue";
import { FlagsUnavailable, publicFlagSource, readFlags } from "#shared/flags";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { call, createApiKey, createTenant, json, quickstartSubmission } from "./harness.ts";
import { approverKey } from "./lifecycle-harness.ts";

/** A user JWT of `role` in `orgId`, with the role's default scopes, as identity issues them. */
async function userToken(orgId: string, role: Role): Promise<string> {
  const now = Math.floor(realNow() / 1000);
  return new SignJWT({ orgId, role, scopes: [...ROLE_SCOPES[role]], typ: "user" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(`usr_${role}`)
    .setIssuer("openinsure")
    .setAudience("openinsure-api")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
}

const flag = async (token: { token?: string; apiKey?: string }, key: string) => json(await call("GET", `/v1/flags/${key}`, token));

describe("flags through the API", () => {
  it("lists every flag evaluated for the org, sets one for the org alone, and DELETE reverts it", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const list = await call("GET", "/v1/flags", { apiKey: t.apiKey });
    expect(list.status).toBe(200);
    const before = await json(list);
    expect(before.data.map((f: { key: string }) => f.key)).toEqual(FLAG_KEYS);
    expect(before.data.find((f: { key: string }) => f.key === "portal.enabled")).toMatchObject({
      type: "boolean",
      value: true,
      defaultValue: true,
      source: "default",
      reason: "The org has no override: the global default applies.",
      overrideId: null,
    });

    const put = await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: { value: false } });
    expect(put.status).toBe(200);
    const set = await json(put);
    expect(set).toMatchObject({ key: "portal.enabled", value: false, defaultValue: true, source: "org" });
    expect(set.overrideId).toMatch(/^flg_/);
    expect(set.reason).toMatch(/^Set for the org by /);
    expect(await flag({ apiKey: t.apiKey }, "portal.enabled")).toEqual(set);
    expect((await json(await call("GET", "/v1/flags", { apiKey: t.apiKey }))).data.find((f: { key: string }) => f.key === "portal.enabled")).toEqual(set);
    // Another org still reads the default.
    expect(await flag({ apiKey: other.apiKey }, "portal.enabled")).toMatchObject({ value: true, source: "default" });

    const del = await call("DELETE", "/v1/flags/portal.enabled", { token: t.token });
    expect(del.status).toBe(200);
    expect(await json(del)).toMatchObject({ value: true, source: "default", overrideId: null });
    expect(await flag({ apiKey: t.apiKey }, "portal.enabled")).toMatchObject({ value: true, source: "default" });
  });

  it.each([
    ["documents.ai_classification", "yes", "type"],
    ["billing.autopay_retry", 1, "type"],
    ["underwriting.auto_bind_max_premium", "5000", "type"],
    ["underwriting.auto_bind_max_premium", 5000.001, "money_precision"],
    ["documents.ai_model", false, "type"],
    ["documents.ai_model", "not a model", "format"],
  ])("refuses %s = %j: 400 naming value (%s), and the flag is unchanged", async (key, value, rule) => {
    const t = await createTenant();
    const res = await call("PUT", `/v1/flags/${key}`, { token: t.token, body: { value } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "value", rule } });
    expect(await flag({ token: t.token }, key)).toMatchObject({ source: "default" });
  });

  it("refuses a body without value or with another field, naming it", async () => {
    const t = await createTenant();
    const missing = await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: {} });
    expect(missing.status).toBe(400);
    expect((await json(missing)).details).toMatchObject({ field: "value" });
    const extra = await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: { value: true, scope: "global" } });
    expect(extra.status).toBe(400);
    expect((await json(extra)).details).toMatchObject({ field: "scope" });
  });

  it("answers 404 for a key outside the catalogue", async () => {
    const t = await createTenant();
    for (const [method, body] of [["GET", undefined], ["PUT", { value: true }], ["DELETE", undefined]] as const) {
      const res = await call(method, "/v1/flags/portal.disabled", { token: t.token, ...(body ? { body } : {}) });
      expect(res.status, method).toBe(404);
      expect((await json(res)).error, method).toBe("not_found");
    }
  });

  it("lets only org_admin write: every other role's JWT and a read-only key get 403; reading needs flags:read", async () => {
    const t = await createTenant();
    for (const role of ["underwriter", "producer", "claims_adjuster", "billing", "viewer"] as const) {
      const token = await userToken(t.orgId, role);
      for (const method of ["PUT", "DELETE"]) {
        const res = await call(method, "/v1/flags/portal.enabled", { token, ...(method === "PUT" ? { body: { value: false } } : {}) });
        expect(res.status, `${role} ${method}`).toBe(403);
        const body = await json(res);
        expect(body.error).toBe("insufficient_scope");
        expect(body.message).toContain("flags:write");
      }
    }
    const viewer = await call("GET", "/v1/flags", { token: await userToken(t.orgId, "viewer") });
    expect(viewer.status).toBe(200);
    const readOnly = await json(await call("POST", "/v1/api-keys", { token: t.token, body: { name: "reporting", preset: "read_only", rateLimitTier: "enterprise" } }));
    expect((await call("GET", "/v1/flags/portal.enabled", { apiKey: readOnly.key })).status).toBe(200);
    expect((await call("PUT", "/v1/flags/portal.enabled", { apiKey: readOnly.key, body: { value: false } })).status).toBe(403);
    const noFlags = await createApiKey(t.token, { scopes: ["submissions:read"] });
    expect((await call("GET", "/v1/flags", { apiKey: noFlags.key })).status).toBe(403);
    expect(await flag({ token: t.token }, "portal.enabled")).toMatchObject({ source: "default" });

    const admin = await call("PUT", "/v1/flags/portal.enabled", { token: await userToken(t.orgId, "org_admin"), body: { value: false } });
    expect(admin.status).toBe(200);
    expect(await json(admin)).toMatchObject({ value: false, source: "org", updatedBy: "usr_org_admin" });
  });
});

describe("a PUT takes effect on the org's next request in another worker", () => {
  async function quotedSubmission(apiKey: string) {
    const sub = await json(await call("POST", "/v1/submissions", { apiKey, body: quickstartSubmission() }));
    const quote = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey });
    expect(quote.status).toBe(201);
    return { sub, quote: await json(quote) };
  }

  it("underwriting: a bind above the lowered auto-bind limit opens a referral; approved, it binds; reverted, binds go through", async () => {
    const t = await createTenant();
    const { sub, quote } = await quotedSubmission(t.apiKey);
    const lowered = await call("PUT", "/v1/flags/underwriting.auto_bind_max_premium", { token: t.token, body: { value: 1000 } });
    expect(lowered.status).toBe(200);

    const preview = await call("POST", `/v1/submissions/${sub.id}/bind?preview=true`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(preview.status).toBe(202);
    expect(await json(preview)).toMatchObject({ preview: true, status: "referred", referral: null, grossPremium: quote.grossPremium, autoBindMaxPremium: 1000 });

    const held = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(held.status).toBe(202);
    const referred = await json(held);
    expect(referred).toMatchObject({ preview: false, status: "referred", referral: { status: "pending", submissionId: sub.id, quoteId: quote.id } });
    expect(referred.reasons[0]).toContain("above the org's auto-bind maximum 1,000.00");
    expect(await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "referred" });
    // Held, a second bind is refused like any referred submission's.
    expect((await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(422);

    const approver = await approverKey(t.token);
    const decided = await call("POST", `/v1/referrals/${referred.referral.id}/decision`, { apiKey: approver.key, body: { decision: "approve" } });
    expect(decided.status).toBe(200);
    const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    expect(await json(bound)).toMatchObject({ preview: false, status: "active", grossPremium: quote.grossPremium });

    // A quote made after the PUT is held at once, its authority naming the limit.
    const later = await quotedSubmission(t.apiKey);
    expect(later.quote).toMatchObject({ status: "referred", authority: { withinAuthority: false } });
    expect(later.quote.authority.reasons).toEqual([expect.stringContaining("auto-bind maximum 1,000.00")]);

    // Another org is not held by this org's limit, and after DELETE this org is not either.
    const other = await createTenant();
    const theirs = await quotedSubmission(other.apiKey);
    expect((await call("POST", `/v1/submissions/${theirs.sub.id}/bind`, { apiKey: other.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(201);
    expect((await call("DELETE", "/v1/flags/underwriting.auto_bind_max_premium", { token: t.token })).status).toBe(200);
    const next = await quotedSubmission(t.apiKey);
    expect((await call("POST", `/v1/submissions/${next.sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(201);
  });
});

describe("the gateway's own reads of a flag", () => {
  it("go through the public entrypoint for the principal's org (publicFlagSource), seeing a PUT at once, and refuse another org", async () => {
    const t = await createTenant();
    const principal = newPrincipal(t.orgId, { role: "org_admin" });
    const source = publicFlagSource(env.PRODUCERS, principal);
    expect((await readFlags(source, t.orgId)).get("portal.enabled")).toBe(true);
    expect((await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: { value: false } })).status).toBe(200);
    const flags = await readFlags(source, t.orgId);
    expect(flags.get("portal.enabled")).toBe(false);
    expect(flags.explain("portal.enabled").source).toBe("org");
    await expect(readFlags(source, (await createTenant()).orgId)).rejects.toThrow(FlagsUnavailable);
  });
});
