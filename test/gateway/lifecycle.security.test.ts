import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";
import { bindPolicy, glSubmission, revenueForPremium } from "./lifecycle-harness.ts";

describe("tenancy across the underwriting lifecycle", () => {
  it("every submission, quote, referral, policy, agreement and analytics route answers 404 for another org", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const policy = await bindPolicy(a.apiKey, glSubmission());
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: a.apiKey, body: glSubmission() }));
    const quote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: a.apiKey }));
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: a.apiKey, body: { submissionId: sub.id, reason: "check" } }));
    const da = await json(await call("POST", "/v1/da-agreements", { apiKey: a.apiKey, body: { carrier: "C", program: "P", maxLimitPerRisk: 1000000, states: ["OR"], naicsPrefixes: ["23"], aggregateCap: 100000 } }));

    const probes: [string, string, unknown?][] = [
      ["GET", `/v1/submissions/${sub.id}`],
      ["GET", `/v1/submissions/${sub.id}/quote-readiness`],
      ["POST", `/v1/submissions/${sub.id}/quote`],
      ["POST", `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF", quoteId: quote.id }],
      ["GET", `/v1/policies/${policy.id}`],
      ["GET", `/v1/policies/${policy.id}/timeline`],
      ["POST", `/v1/policies/${policy.id}/endorse`, { effectiveDate: "2027-03-01", changes: { requestedLimit: 2000000 } }],
      ["POST", `/v1/policies/${policy.id}/cancel`, { effectiveDate: "2027-03-01", method: "pro_rata", reason: "other" }],
      ["POST", `/v1/policies/${policy.id}/reinstate`, {}],
      ["POST", `/v1/policies/${policy.id}/renew`],
      ["POST", `/v1/referrals/${referral.id}/decision`, { decision: "approve" }],
      ["POST", "/v1/referrals", { submissionId: sub.id, reason: "steal" }],
      ["GET", `/v1/da-agreements/${da.id}`],
      ["GET", `/v1/analytics/${a.orgId}/portfolio`],
      ["GET", `/v1/analytics/${a.orgId}/da-utilization`],
    ];
    for (const [method, path, body] of probes) {
      const res = await call(method, path, { apiKey: b.apiKey, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).error).toBe("not_found");
    }
    for (const list of ["/v1/policies", "/v1/referrals", "/v1/da-agreements", "/v1/submissions"]) {
      expect((await json(await call("GET", list, { apiKey: b.apiKey }))).data, list).toEqual([]);
    }
    // Nothing moved in org A.
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: a.apiKey }))).status).toBe("active");
    expect((await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: a.apiKey }))).data[0].status).toBe("pending");
  });
});

describe("portfolio analytics", () => {
  it("reports written and earned premium by line and state as of a date", async () => {
    const t = await createTenant();
    const gl = await bindPolicy(t.apiKey, glSubmission());
    const wa = await bindPolicy(t.apiKey, glSubmission({ state: "WA", insuredName: "Second" }));
    const cents = (n: number) => Math.round(n * 100);
    const before = await json(await call("GET", `/v1/analytics/${t.orgId}/portfolio?asOf=2026-12-31`, { apiKey: t.apiKey }));
    expect(before).toMatchObject({ policyCount: 2, bindingCount: 2, activePolicyCount: 0, earnedPremium: 0 });
    expect(cents(before.writtenPremium)).toBe(cents(gl.grossPremium) + cents(wa.grossPremium));

    const mid = await json(await call("GET", `/v1/analytics/${t.orgId}/portfolio?asOf=2027-07-02`, { apiKey: t.apiKey }));
    // 182 of 365 days earned on each policy, each rounded half-up once.
    const earned = (p: number) => Math.round((cents(p) * 182) / 365);
    expect(cents(mid.earnedPremium)).toBe(earned(gl.grossPremium) + earned(wa.grossPremium));
    expect(mid.activePolicyCount).toBe(2);
    expect(mid.byState.map((s: { key: string }) => s.key)).toEqual(["OR", "WA"]);
    expect(mid.byLineOfBusiness).toHaveLength(1);

    // Cancelling flat at inception earns nothing and writes nothing.
    await call("POST", `/v1/policies/${wa.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-01-01", method: "flat", reason: "insured_request" } });
    const after = await json(await call("GET", `/v1/analytics/${t.orgId}/portfolio?asOf=2028-06-01`, { apiKey: t.apiKey }));
    expect(cents(after.writtenPremium)).toBe(cents(gl.grossPremium));
    expect(cents(after.earnedPremium)).toBe(cents(gl.grossPremium));
  });
});

describe("earned premium after a short-rate cancellation", () => {
  it("is earned in full on the cancellation date: the penalty is not spread over days without cover", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ annualRevenue: revenueForPremium(1_200_000) }));
    expect(policy.grossPremium).toBe(12000);
    await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-05-01", method: "short_rate", reason: "non_payment" } });
    // $12,000 for 2027, cancelled short rate on 05-01: $7,249.32 returned, $4,750.68 kept.
    for (const asOf of ["2027-05-01", "2027-06-01", "2027-12-31"]) {
      const report = await json(await call("GET", `/v1/analytics/${t.orgId}/portfolio?asOf=${asOf}`, { apiKey: t.apiKey }));
      expect(report, asOf).toMatchObject({ writtenPremium: 4750.68, earnedPremium: 4750.68 });
    }
    // The day before, it had earned 119 of its 365 days pro rata: 12,000 × 119 / 365 = 3,912.33 as of 04-30.
    const before = await json(await call("GET", `/v1/analytics/${t.orgId}/portfolio?asOf=2027-04-30`, { apiKey: t.apiKey }));
    expect(before.earnedPremium).toBe(3912.33);
  });
});
