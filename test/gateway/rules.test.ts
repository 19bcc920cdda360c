/**
 * The rule studio through the gateway, on the whole platform: rules saved and versioned over HTTP,
 * validated at the door, simulated and executed on the org's own submissions, and the worked
 * example: one org's rule changes the next quote of its risk, version by version, and nobody else's.
 */
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json, quickstartSubmission, type Tenant } from "./harness.ts";

/** Oregon contractors with more than $5M of revenue: the quickstart submission is one. */
const OREGON_LARGE = { and: [{ "==": [{ var: "submission.state" }, "OR"] }, { ">": [{ var: "submission.annualRevenue" }, 5_000_000] }] };

async function submit(t: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), ...overrides } });
  expect(res.status).toBe(201);
  return json(res);
}

const quote = (t: Tenant, submissionId: string) => call("POST", `/v1/submissions/${submissionId}/quote`, { apiKey: t.apiKey, body: {} });

async function createRule(t: Tenant, body: Record<string, unknown>) {
  const res = await call("POST", "/v1/rules", { apiKey: t.apiKey, body });
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

/** `n` nested `!` around a comparison: `n + 2` levels of the rule validator (the var and literal at the bottom). */
function nested(n: number): unknown {
  let node: unknown = { "==": [{ var: "submission.state" }, "OR"] };
  for (let i = 0; i < n; i++) node = { "!": [node] };
  return node;
}

describe("the rule studio through the gateway", () => {
  it("worked example: a surcharge, then a referral, then a decline change the org's next quote, and no other org's", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const sub = await submit(t);
    const before = await json(await quote(t, sub.id));
    expect(before).toMatchObject({ status: "active", rules: [] });

    // Version 1: a 15% load on large Oregon contractors.
    const rule = await createRule(t, { name: "Oregon large contractors", condition: OREGON_LARGE, action: { type: "surcharge", factor: 1.15, reason: "loss trend" }, priority: 10 });
    expect(rule).toMatchObject({ id: expect.stringMatching(/^rul_/), version: 1 });
    const surcharged = await json(await quote(t, sub.id));
    expect(surcharged.status).toBe("active");
    expect(surcharged.rules).toEqual([{ ruleId: rule.id, version: 1, name: "Oregon large contractors", action: "surcharge", matched: true }]);
    const factor = surcharged.breakdown.factors.find((f: { name: string }) => f.name === "rule_surcharge");
    expect(factor).toMatchObject({ value: "1.15", inputs: { ruleId: rule.id, ruleVersion: 1, ruleName: "Oregon large contractors" } });
    expect(surcharged.grossPremium).toBeGreaterThan(before.grossPremium);
    // The load is 15% of the premium before it, to the cent.
    expect(Math.abs(Math.round(factor.effect * 100) - Math.round(before.grossPremium * 100) * 0.15)).toBeLessThanOrEqual(1);

    // Version 2: the same risks are referred instead.
    const v2 = await json(await call("PATCH", `/v1/rules/${rule.id}`, { apiKey: t.apiKey, body: { action: { type: "refer", reason: "large Oregon contractor" } } }));
    expect(v2).toMatchObject({ version: 2, action: { type: "refer" } });
    const referred = await json(await quote(t, sub.id));
    expect(referred).toMatchObject({ status: "referred", grossPremium: before.grossPremium, rules: [{ ruleId: rule.id, version: 2, action: "refer", matched: true }] });
    const referrals = await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }));
    const referral = referrals.data.find((r: { id: string }) => r.id === referred.referralId);
    expect(referral.reasons).toContain(`rule ${rule.id} v2 "Oregon large contractors": large Oregon contractor`);

    // A decline rule of higher priority declines the risk: 422 naming it, and the submission is declined.
    const decline = await createRule(t, { name: "No Oregon GL", condition: { "==": [{ var: "submission.state" }, "OR"] }, action: { type: "decline", reason: "leaving the state" }, priority: 1 });
    const declined = await quote(t, sub.id);
    expect(declined.status).toBe(422);
    const body = await json(declined);
    expect(body).toMatchObject({ error: "declined_by_rule", details: { ruleId: decline.id, ruleVersion: 1, ruleName: "No Oregon GL", reason: "leaving the state" }, requestId: expect.stringMatching(/^req_/) });
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("declined");

    // The other org's identical risk quotes as before: none of these rules is its.
    const theirs = await submit(other);
    const theirQuote = await json(await quote(other, theirs.id));
    expect(theirQuote).toMatchObject({ status: "active", grossPremium: before.grossPremium, rules: [] });

    // The versions are kept, newest first.
    const versions = await json(await call("GET", `/v1/rules/${rule.id}/versions`, { apiKey: t.apiKey }));
    expect(versions.data.map((v: { version: number; action: { type: string } }) => [v.version, v.action.type])).toEqual([[2, "refer"], [1, "surcharge"]]);
  });

  it("a disabled or deleted rule no longer judges quotes", async () => {
    const t = await createTenant();
    const rule = await createRule(t, { name: "Decline Oregon", condition: { "==": [{ var: "submission.state" }, "OR"] }, action: { type: "decline" } });
    const first = await submit(t);
    expect((await quote(t, first.id)).status).toBe(422);
    await call("PATCH", `/v1/rules/${rule.id}`, { apiKey: t.apiKey, body: { enabled: false } });
    const second = await submit(t);
    expect(await json(await quote(t, second.id))).toMatchObject({ status: "active", rules: [] });
    const listed = async (query: string) => (await json(await call("GET", `/v1/rules${query}`, { apiKey: t.apiKey }))).data.map((r: { id: string }) => r.id);
    expect(await listed("?enabled=false&actionType=decline")).toEqual([rule.id]);
    expect(await listed("?enabled=true")).toEqual([]);
    const deleted = await call("DELETE", `/v1/rules/${rule.id}`, { apiKey: t.apiKey });
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/v1/rules/${rule.id}`, { apiKey: t.apiKey })).status).toBe(404);
  });

  it("a require rule makes the quote not ready, naming the field, until it is given", async () => {
    const t = await createTenant();
    await createRule(t, { name: "Years for big limits", condition: { ">=": [{ var: "submission.requestedLimit" }, 1_000_000] }, action: { type: "require", field: "yearsInBusiness" } });
    const sub = await submit(t);
    const readiness = await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(readiness.ready).toBe(false);
    expect(readiness.failedChecks.map((c: { name: string }) => c.name)).toContain("required_by_rule:yearsInBusiness");
    const refused = await quote(t, sub.id);
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ error: "submission_not_ready", details: { missing: ["yearsInBusiness"] } });
    const given = await submit(t, { yearsInBusiness: 12 });
    expect((await quote(t, given.id)).status).toBe(201);
  });

  it("simulates a draft on the org's recent submissions and executes the rules on one, changing nothing", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const big = await submit(t);
    const small = await submit(t, { insuredName: "Small Builders", annualRevenue: 900_000 });
    const bigQuote = await json(await quote(t, big.id));
    const theirs = await submit(other);

    const sim = await call("POST", "/v1/rules/simulate", { apiKey: t.apiKey, body: { rule: { name: "Load", condition: OREGON_LARGE, action: { type: "surcharge", factor: 1.5 } }, against: "recent_submissions" } });
    expect(sim.status).toBe(200);
    const simulated = await json(sim);
    expect(simulated.summary).toMatchObject({ evaluated: 2, matched: 1, surcharged: 1 });
    expect(simulated.results.map((r: { submissionId: string; effect: string }) => [r.submissionId, r.effect])).toEqual([[small.id, "none"], [big.id, "surcharged"]]);
    const hit = simulated.results.find((r: { submissionId: string }) => r.submissionId === big.id);
    expect(hit).toMatchObject({ grossPremium: bigQuote.grossPremium, simulatedGrossPremium: Math.round(bigQuote.grossPremium * 150) / 100 });
    expect(hit.trace[0]).toEqual({ path: "", operator: "and", result: true });
    // Nothing was saved, and the quote stands.
    expect((await json(await call("GET", "/v1/rules", { apiKey: t.apiKey }))).data).toEqual([]);
    expect((await json(await call("GET", `/v1/submissions/${big.id}`, { apiKey: t.apiKey }))).currentQuoteId).toBe(bigQuote.id);

    const rule = await createRule(t, { name: "Refer large", condition: OREGON_LARGE, action: { type: "refer" } });
    const run = await json(await call("POST", "/v1/rules/execute", { apiKey: t.apiKey, body: { submissionId: big.id } }));
    expect(run).toMatchObject({ submissionId: big.id, decision: { outcome: "refer", referredBy: [{ ruleId: rule.id, version: 1 }] } });
    expect(run.evaluations[0].trace.length).toBeGreaterThan(0);
    const one = await json(await call("POST", `/v1/rules/${rule.id}/execute`, { apiKey: t.apiKey, body: { submissionId: small.id } }));
    expect(one.decision.outcome).toBe("quote");
    // Another org's submission or rule answers 404.
    expect((await call("POST", "/v1/rules/execute", { apiKey: t.apiKey, body: { submissionId: theirs.id } })).status).toBe(404);
    expect((await call("POST", `/v1/rules/${rule.id}/execute`, { apiKey: other.apiKey, body: { submissionId: theirs.id } })).status).toBe(404);
    expect((await call("GET", `/v1/rules/${rule.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await call("PATCH", `/v1/rules/${rule.id}`, { apiKey: other.apiKey, body: { enabled: false } })).status).toBe(404);
  });

  it("validates at the door: 400 naming the path for an unknown operator, a variable outside the context, 33 levels, a factor out of bounds", async () => {
    const t = await createTenant();
    const base = { name: "X", action: { type: "refer" } };
    const post = async (body: unknown) => {
      const res = await call("POST", "/v1/rules", { apiKey: t.apiKey, body });
      return { status: res.status, body: await json(res) };
    };
    expect(await post({ ...base, condition: { or: [true, { method: [{ var: "submission.insuredName" }, "toString"] }] } })).toMatchObject({
      status: 400,
      body: { error: "validation_failed", details: { field: "condition.or.1.method", rule: "operator" } },
    });
    expect(await post({ ...base, condition: { "==": [{ var: "submission.revenue" }, 1] } })).toMatchObject({ status: 400, body: { details: { field: "condition.==.0.var", rule: "variable" } } });
    // 32 levels pass the door (deeper than a plain body may nest); 33 are refused by path.
    expect((await post({ ...base, condition: nested(30) })).status).toBe(201);
    const deep = await post({ ...base, condition: nested(31) });
    expect(deep).toMatchObject({ status: 400, body: { error: "validation_failed", details: { rule: "max_depth" } } });
    expect(deep.body.details.field).toMatch(/^condition\.!\.0/);
    const factor = await post({ ...base, action: { type: "surcharge", factor: 3.5 }, condition: true });
    expect(factor.status).toBe(400);
    expect(factor.body.details.field).toBe("action.factor");
  });

  it("needs rules:read to read and rules:write to change", async () => {
    const t = await createTenant();
    const reader = await createApiKey(t.token, { scopes: ["rules:read"] });
    expect((await call("GET", "/v1/rules", { apiKey: reader.key })).status).toBe(200);
    const denied = await call("POST", "/v1/rules", { apiKey: reader.key, body: { name: "X", condition: true, action: { type: "refer" } } });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "rules:write" } });
    const none = await createApiKey(t.token, { scopes: ["submissions:read"] });
    expect((await call("GET", "/v1/rules", { apiKey: none.key })).status).toBe(403);
    expect((await call("POST", "/v1/rules/simulate", { apiKey: none.key, body: { rule: { condition: true, action: { type: "refer" } }, context: {} } })).status).toBe(403);
  });
});
