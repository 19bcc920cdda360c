import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { approverKey, bindPolicy, eventsOf, glSubmission } from "./lifecycle-harness.ts";

const agreement = (overrides: Record<string, unknown> = {}) => ({
  carrier: "Cascade Mutual",
  program: "Contractors GL",
  maxLimitPerRisk: 2000000,
  states: ["OR", "WA"],
  naicsPrefixes: ["23"],
  aggregateCap: 1000000,
  lineOfBusiness: "GL",
  ...overrides,
});

describe("delegated authority and referrals", () => {
  it("a quote outside authority is referred; approval releases it for binding", async () => {
    const t = await createTenant();
    const approver = await approverKey(t.token);
    const da = await json(await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement() }));
    expect(da.id).toMatch(/^da_/);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ state: "CA" }) }));
    const quote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    expect(quote.status).toBe("referred");
    expect(quote.authority).toMatchObject({ daAgreementId: da.id, withinAuthority: false });
    expect(quote.authority.reasons.join(" ")).toContain("state CA");
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("referred");

    const blocked = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(blocked.status).toBe(422);

    const referrals = await json(await call("GET", `/v1/referrals?status=pending&submissionId=${sub.id}`, { apiKey: t.apiKey }));
    expect(referrals.data).toHaveLength(1);
    const referral = referrals.data[0];
    expect(referral).toMatchObject({ id: quote.referralId, quoteId: quote.id, status: "pending" });

    const info = await json(await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "request_info", notes: "Need loss runs" } }));
    expect(info.status).toBe("more_info_requested");
    const approved = await json(await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "approve", notes: "Carrier agreed" } }));
    expect(approved).toMatchObject({ status: "approved", decision: "approve", decidedBy: approver.id });
    expect((await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "reject" } })).status).toBe(422);

    const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    const types = (await eventsOf(t.orgId)).map((e) => e.type);
    expect(types).toEqual(["submission.created", "submission.quoted", "referral.created", "referral.decided", "referral.decided", "policy.bound"]);
  });

  it("a rejected referral declines the submission; a manual referral holds a quoted one", async () => {
    const t = await createTenant();
    const approver = await approverKey(t.token);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const manual = await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "Unusual operations" } });
    expect(manual.status).toBe(201);
    const referral = await json(manual);
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("referred");
    await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "reject" } });
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("declined");
    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(422);
  });

  it("an open referral holds a re-quote too: the submission cannot be bound until the referral is decided", async () => {
    const t = await createTenant();
    const approver = await approverKey(t.token);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "Unusual operations" } }));

    const requote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    expect(requote).toMatchObject({ status: "referred", referralId: referral.id });
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("referred");
    expect((await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(422);
    const referrals = await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }));
    expect(referrals.data).toHaveLength(1);
    expect(referrals.data[0].quoteId).toBe(requote.id);

    // Approval releases the latest quote.
    await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "approve" } });
    const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    expect((await json(bound)).quoteId).toBe(requote.id);
  });

  it("a re-quote outside authority under an open referral adds its gaps to that referral's reasons", async () => {
    const t = await createTenant();
    await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement() });
    const waOnly = await json(await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement({ states: ["WA"] }) }));
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "Unusual operations" } }));

    const requote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey, body: { daAgreementId: waOnly.id } }));
    expect(requote).toMatchObject({ status: "referred", referralId: referral.id, authority: { withinAuthority: false } });
    const held = (await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }))).data;
    expect(held).toHaveLength(1);
    expect(held[0].reasons).toEqual(["Unusual operations", "state OR is not delegated"]);
  });

  it("a referral is decided once: of an approval and a rejection sent together, one wins and one event is sent", async () => {
    const t = await createTenant();
    const approver = await approverKey(t.token);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "Two underwriters" } }));

    const decide = (decision: string) => call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision } });
    const [approve, reject] = await Promise.all([decide("approve"), decide("reject")]);
    expect([approve.status, reject.status].sort()).toEqual([200, 422]);
    const winner = approve.status === 200 ? "approved" : "rejected";

    expect((await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }))).data[0].status).toBe(winner);
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe(winner === "approved" ? "quoted" : "declined");
    const decided = (await eventsOf(t.orgId)).filter((e) => e.type === "referral.decided");
    expect(decided.map((e) => e.data.status)).toEqual([winner]);
  });

  it("the aggregate cap is enforced at bind; crossing 85% is recorded exactly once", async () => {
    const t = await createTenant();
    const sub = glSubmission();
    // Size the cap from the real premium: three binds fit, a fourth does not, the third crosses 85%.
    const probe = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: sub }));
    const premium = (await json(await call("POST", `/v1/submissions/${probe.id}/quote`, { apiKey: t.apiKey }))).grossPremium;
    const cap = Math.round(premium * 100 * 3.2) / 100;
    const da = await json(await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement({ aggregateCap: cap }) }));

    const policies = [];
    for (let i = 0; i < 3; i++) policies.push(await bindPolicy(t.apiKey, glSubmission({ insuredName: `Insured ${i}` })));
    const over = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insuredName: "One too many" }) }));
    await call("POST", `/v1/submissions/${over.id}/quote`, { apiKey: t.apiKey });
    // A preview gives the answer the bind would give, the cap included.
    const previewed = await call("POST", `/v1/submissions/${over.id}/bind?preview=true`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(previewed.status).toBe(422);
    expect((await json(previewed)).error).toBe("da_limit_exceeded");
    const refused = await call("POST", `/v1/submissions/${over.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ error: "da_limit_exceeded", details: { daAgreementId: da.id, aggregateCap: cap } });
    expect((await json(await call("GET", `/v1/submissions/${over.id}`, { apiKey: t.apiKey }))).status).toBe("quoted");

    const approaching = (await eventsOf(t.orgId)).filter((e) => e.type === "da.limit_approaching");
    expect(approaching).toHaveLength(1);
    expect(approaching[0]!.data).toMatchObject({ daAgreementId: da.id, policyId: policies[2]!.id });

    const utilization = await json(await call("GET", `/v1/analytics/${t.orgId}/da-utilization`, { apiKey: t.apiKey }));
    expect(utilization.data).toHaveLength(1);
    expect(utilization.data[0]).toMatchObject({ agreementId: da.id, aggregateCap: cap, writtenPremium: Math.round(premium * 300) / 100 });
    expect(utilization.data[0].utilization).toBeGreaterThan(0.85);
    expect(utilization.data[0].limitApproachingAt).not.toBeNull();
  });

  it("concurrent binds against one agreement never exceed its cap", async () => {
    const t = await createTenant();
    const probe = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const premium = (await json(await call("POST", `/v1/submissions/${probe.id}/quote`, { apiKey: t.apiKey }))).grossPremium;
    await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement({ aggregateCap: Math.round(premium * 250) / 100 }) });
    const subs = [];
    for (let i = 0; i < 5; i++) {
      const s = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insuredName: `Racer ${i}` }) }));
      await call("POST", `/v1/submissions/${s.id}/quote`, { apiKey: t.apiKey });
      subs.push(s);
    }
    const results = await Promise.all(subs.map((s) => call("POST", `/v1/submissions/${s.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 422)).toHaveLength(3);
    const count = await env.UNDERWRITING_DB.prepare("SELECT count(*) AS n FROM policies WHERE org_id = ?").bind(t.orgId).first<{ n: number }>();
    expect(count?.n).toBe(2);
  });

  it("an endorsement that takes the policy outside its agreement is held as a referral (202) and applied only on approval", async () => {
    const t = await createTenant();
    const da = await json(await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement() }));
    const policy = await bindPolicy(t.apiKey, glSubmission());
    const endorse = { effectiveDate: "2027-07-01", changes: { requestedLimit: 3000000 }, description: "Limit for a new contract" };

    // The preview gives the same answer with nothing created.
    const preview = await call("POST", `/v1/policies/${policy.id}/endorse?preview=true`, { apiKey: t.apiKey, body: endorse });
    expect(preview.status).toBe(202);
    expect(await json(preview)).toMatchObject({ preview: true, status: "referred", referral: null, daAgreementId: da.id });

    const held = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: endorse });
    expect(held.status).toBe(202);
    const body = await json(held);
    expect(body).toMatchObject({ preview: false, status: "referred", daAgreementId: da.id, policy: { id: policy.id, limit: 1000000 } });
    expect(body.reasons.join(" ")).toContain("per-risk maximum");
    expect(body.referral).toMatchObject({ status: "pending", policyId: policy.id, endorsement: endorse, transactionId: null });
    // Not applied: the policy and its timeline are as they were.
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).limit).toBe(1000000);
    expect((await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }))).data).toHaveLength(1);
    const pending = await json(await call("GET", `/v1/referrals?status=pending&submissionId=${policy.submissionId}`, { apiKey: t.apiKey }));
    expect(pending.data.map((r: { id: string }) => r.id)).toEqual([body.referral.id]);

    // A second underwriter decides (the creator of a referral may not decide it).
    const manager = await createApiKey(t.token);
    const approved = await call("POST", `/v1/referrals/${body.referral.id}/decision`, { apiKey: manager.key, body: { decision: "approve", notes: "Carrier agreed" } });
    expect(approved.status).toBe(200);
    const decided = await json(approved);
    expect(decided).toMatchObject({ status: "approved", decidedBy: manager.id, policyId: policy.id, transactionId: expect.stringMatching(/^txn_/) });
    const after = await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }));
    expect(after.limit).toBe(3000000);
    const timeline = (await json(await call("GET", `/v1/policies/${policy.id}/timeline?sort=createdAt`, { apiKey: t.apiKey }))).data;
    expect(timeline.map((x: { type: string }) => x.type)).toEqual(["new_business", "endorsement"]);
    expect(timeline[1]).toMatchObject({ id: decided.transactionId, premiumDelta: body.transaction.premiumDelta });
    const utilization = await json(await call("GET", `/v1/analytics/${t.orgId}/da-utilization`, { apiKey: t.apiKey }));
    expect(utilization.data[0].writtenPremium).toBeCloseTo(policy.grossPremium + body.transaction.premiumDelta, 2);

    // A rejected one is never applied.
    const second = await json(await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { ...endorse, effectiveDate: "2027-08-01", changes: { requestedLimit: 4000000 } } }));
    expect(second.status).toBe("referred");
    const rejected = await call("POST", `/v1/referrals/${second.referral.id}/decision`, { apiKey: manager.key, body: { decision: "reject" } });
    expect(rejected.status).toBe(200);
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).limit).toBe(3000000);
    const types = (await eventsOf(t.orgId)).map((e) => e.type);
    expect(types.filter((x) => x === "policy.endorsed")).toHaveLength(1);
  });

  it("an endorsement's additional premium counts against the cap (422 da_limit_exceeded beyond it); return premium gives it back", async () => {
    const t = await createTenant();
    const probe = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const premium = (await json(await call("POST", `/v1/submissions/${probe.id}/quote`, { apiKey: t.apiKey }))).grossPremium;
    // Room for the policy and a little more, not for doubling its revenue.
    const cap = Math.round(premium * 100 * 1.2) / 100;
    const da = await json(await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: agreement({ aggregateCap: cap }) }));
    const policy = await bindPolicy(t.apiKey, glSubmission({ insuredName: "Growing Builders" }));
    const doubled = { effectiveDate: "2027-02-01", changes: { annualRevenue: 16000000 } };

    const previewed = await call("POST", `/v1/policies/${policy.id}/endorse?preview=true`, { apiKey: t.apiKey, body: doubled });
    expect(previewed.status).toBe(422);
    const refused = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: doubled });
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ error: "da_limit_exceeded", details: { daAgreementId: da.id, aggregateCap: cap } });

    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-07-02", method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    const returned = (await json(cancelled)).transaction.premiumDelta;
    expect(returned).toBeLessThan(0);
    const utilization = await json(await call("GET", `/v1/analytics/${t.orgId}/da-utilization`, { apiKey: t.apiKey }));
    expect(utilization.data[0].writtenPremium).toBeCloseTo(policy.grossPremium + returned, 2);
    const listed = await json(await call("GET", `/v1/da-agreements/${da.id}`, { apiKey: t.apiKey }));
    expect(listed.writtenPremium).toBeCloseTo(policy.grossPremium + returned, 2);
  });
});
