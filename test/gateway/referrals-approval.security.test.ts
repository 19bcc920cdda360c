/**
 * Segregation of duties through the public API: deciding a referral takes `referrals:approve`
 * (403 without it), and the principal that created the quote or the referral can never decide it
 * (422 `self_approval`), whether it is an API key (with all its rotations), a user's JWT or the API secret.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { approverKey, glSubmission } from "./lifecycle-harness.ts";

const agreement = { carrier: "Cascade Mutual", program: "Contractors GL", maxLimitPerRisk: 2000000, states: ["WA"], naicsPrefixes: ["23"], aggregateCap: 1000000, lineOfBusiness: "GL" };

type Credential = { apiKey: string } | { token: string; headers?: Record<string, string> };

/** A quote outside authority (an agreement `admin` sets up), which opens its referral; both created by `as`. */
async function referredQuote(as: Credential, admin: Credential = as) {
  expect((await call("POST", "/v1/da-agreements", { ...admin, body: agreement })).status).toBe(201);
  const sub = await json(await call("POST", "/v1/submissions", { ...as, body: glSubmission() }));
  const quote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, as));
  expect(quote.status).toBe("referred");
  return { submissionId: sub.id as string, referralId: quote.referralId as string };
}

const decide = (as: Credential, referralId: string, decision = "approve") => call("POST", `/v1/referrals/${referralId}/decision`, { ...as, body: { decision } });

describe("deciding a referral", () => {
  it("needs referrals:approve: an underwriting key gets 403 naming the scope, and nothing changes", async () => {
    const t = await createTenant();
    const { submissionId, referralId } = await referredQuote({ apiKey: t.apiKey });
    const underwriter = await json(await call("POST", "/v1/api-keys", { token: t.token, body: { name: "Underwriter", preset: "underwriting", rateLimitTier: "enterprise" } }));
    expect(underwriter.scopes).not.toContain("referrals:approve");
    const refused = await decide({ apiKey: underwriter.key }, referralId);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "referrals:approve" } });
    // It may still refer: referrals:write is the underwriting preset's.
    const other = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insuredName: "Other Co" }) }));
    expect((await call("POST", "/v1/referrals", { apiKey: underwriter.key, body: { submissionId: other.id, reason: "Look" } })).status).toBe(201);
    expect((await json(await call("GET", `/v1/submissions/${submissionId}`, { apiKey: t.apiKey }))).status).toBe("referred");
  });

  it("the key that created the quote (and so its automatic referral) gets 422 self_approval; another manager approves", async () => {
    const t = await createTenant();
    const quoter = await approverKey(t.token);
    const { submissionId, referralId } = await referredQuote({ apiKey: quoter.key }, { apiKey: t.apiKey });
    const own = await decide({ apiKey: quoter.key }, referralId);
    expect(own.status).toBe(422);
    expect(await json(own)).toMatchObject({ error: "self_approval", details: { referralId, principal: quoter.id, created: ["referral", "quote"] } });
    expect((await json(await call("GET", `/v1/referrals?submissionId=${submissionId}`, { apiKey: t.apiKey }))).data[0].status).toBe("pending");

    const manager = await approverKey(t.token);
    const approved = await decide({ apiKey: manager.key }, referralId);
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({ status: "approved", createdBy: quoter.id, decidedBy: manager.id });
    expect((await call("POST", `/v1/submissions/${submissionId}/bind`, { apiKey: quoter.key, body: { installmentPlan: "PIF" } })).status).toBe(201);
  });

  it("a rotated key is the same principal: its successors get 422 self_approval on what the old key created", async () => {
    const t = await createTenant();
    const quoter = await approverKey(t.token);
    const { submissionId, referralId } = await referredQuote({ apiKey: quoter.key }, { apiKey: t.apiKey });
    const rotated = await json(await call("POST", `/v1/api-keys/${quoter.id}/rotate`, { token: t.token, body: { gracePeriodHours: 0 } }));
    expect(rotated).toMatchObject({ rotatedFromId: quoter.id, scopes: expect.arrayContaining(["referrals:approve"]) });
    expect(rotated.id).not.toBe(quoter.id);
    // Twice: the second answer comes from the gateway's cached record of the key, which must carry its lineage too.
    for (let i = 0; i < 2; i++) {
      const refused = await decide({ apiKey: rotated.key }, referralId);
      expect(refused.status).toBe(422);
      expect(await json(refused)).toMatchObject({ error: "self_approval", details: { referralId, principal: rotated.id, created: ["referral", "quote"] } });
    }
    // And through a second rotation, a referral the rotated key opened by hand.
    const again = await json(await call("POST", `/v1/api-keys/${rotated.id}/rotate`, { token: t.token, body: { gracePeriodHours: 1 } }));
    expect((await decide({ apiKey: again.key }, referralId, "reject")).status).toBe(422);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insuredName: "Manual Co", state: "WA" }) }));
    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    const manual = await json(await call("POST", "/v1/referrals", { apiKey: rotated.key, body: { submissionId: sub.id, reason: "Second look" } }));
    expect(manual.createdBy).toBe(rotated.id);
    expect(await json(await decide({ apiKey: again.key }, manual.id))).toMatchObject({ error: "self_approval", details: { created: ["referral"] } });
    expect((await json(await call("GET", `/v1/submissions/${submissionId}`, { apiKey: t.apiKey }))).status).toBe("referred");

    // A different key (not of the chain) decides both.
    const manager = await approverKey(t.token);
    expect(await json(await decide({ apiKey: manager.key }, referralId))).toMatchObject({ status: "approved", createdBy: quoter.id, decidedBy: manager.id });
    expect((await decide({ apiKey: manager.key }, manual.id)).status).toBe(200);
  });

  it("the key that referred a quote it did not write gets 422 self_approval; so does the quote's writer", async () => {
    const t = await createTenant();
    const referrer = await approverKey(t.token);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: referrer.key, body: { submissionId: sub.id, reason: "Second look" } }));
    expect(referral.createdBy).toBe(referrer.id);

    const byReferrer = await decide({ apiKey: referrer.key }, referral.id);
    expect(byReferrer.status).toBe(422);
    expect(await json(byReferrer)).toMatchObject({ error: "self_approval", details: { created: ["referral"] } });
    const byQuoter = await decide({ apiKey: t.apiKey }, referral.id, "reject");
    expect(byQuoter.status).toBe(422);
    expect(await json(byQuoter)).toMatchObject({ error: "self_approval", details: { created: ["quote"] } });

    // A user's JWT is a principal of its own: the org admin's token decides.
    const decided = await decide({ token: t.token }, referral.id);
    expect(decided.status).toBe(200);
    expect((await json(decided)).decidedBy).toMatch(/^demo:/);
  });

  it("a user cannot decide what it created either, and the API secret is one principal", async () => {
    const t = await createTenant();
    const byUser = await referredQuote({ token: t.token });
    expect(await json(await decide({ token: t.token }, byUser.referralId))).toMatchObject({ error: "self_approval" });
    expect((await decide({ apiKey: t.apiKey }, byUser.referralId)).status).toBe(200);

    const secret = { token: env.API_SECRET, headers: { "x-org-id": t.orgId } };
    const bySystem = await json(await call("POST", "/v1/submissions", { ...secret, body: glSubmission({ insuredName: "System Co", state: "OR" }) }));
    const systemQuote = await json(await call("POST", `/v1/submissions/${bySystem.id}/quote`, secret));
    expect(systemQuote.status).toBe("referred");
    const refused = await decide(secret, systemQuote.referralId);
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ error: "self_approval", details: { principal: "system" } });
    const reader = await createApiKey(t.token, { scopes: ["referrals:read"] });
    expect((await decide({ apiKey: reader.key }, systemQuote.referralId)).status).toBe(403);
    expect((await decide({ apiKey: t.apiKey }, systemQuote.referralId)).status).toBe(200);
  });
});
