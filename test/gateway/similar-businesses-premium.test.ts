import { describe, expect, it } from "vitest";
import { quickstartSubmission } from "../support/submissions.ts";
import { call, createTenant, json } from "./harness.ts";

async function submit(apiKey: string, overrides: Record<string, unknown>) {
  const res = await call("POST", "/v1/submissions", { apiKey, body: { ...quickstartSubmission(), ...overrides } });
  expect(res.status).toBe(201);
  return json(res);
}

describe("similar-businesses shows what each past submission came to", () => {
  it("the bound one its policy's premium, the quoted one its quote's, the untouched one none", async () => {
    const t = await createTenant();
    const bound = await submit(t.apiKey, { insuredName: "Bound Builders" });
    const quoted = await submit(t.apiKey, { insuredName: "Quoted Builders", annualRevenue: 6_000_000 });
    await submit(t.apiKey, { insuredName: "Open Builders", annualRevenue: 4_000_000 });

    const boundQuote = await json(await call("POST", `/v1/submissions/${bound.id}/quote`, { apiKey: t.apiKey }));
    const policy = await call("POST", `/v1/submissions/${bound.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);
    const policyBody = await json(policy);
    const quote = await json(await call("POST", `/v1/submissions/${quoted.id}/quote`, { apiKey: t.apiKey }));
    expect(quote.grossPremium).toBeGreaterThan(0);

    const res = await call("POST", "/v1/market-finder/similar-businesses", { apiKey: t.apiKey, body: { naicsCode: "236220", state: "OR", annualRevenue: 8_000_000 } });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries((await json(res)).data.map((d: { insuredName: string }) => [d.insuredName, d]));
    expect(byName["Bound Builders"]).toMatchObject({ outcome: "bound", policyId: policyBody.id, premiumSource: "policy", currency: "USD" });
    expect(byName["Bound Builders"].premium).toBe(boundQuote.grossPremium);
    expect(byName["Quoted Builders"]).toMatchObject({ outcome: "quoted", premium: quote.grossPremium, premiumSource: "quote", currency: "USD" });
    expect(byName["Open Builders"]).toMatchObject({ outcome: "open", premium: null, premiumSource: null });
  });

  it("never shows another org's premium", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const theirs = await submit(b.apiKey, { insuredName: "Their Builders" });
    await call("POST", `/v1/submissions/${theirs.id}/quote`, { apiKey: b.apiKey });
    await submit(a.apiKey, { insuredName: "Our Builders" });
    const body = await json(await call("POST", "/v1/market-finder/similar-businesses", { apiKey: a.apiKey, body: { naicsCode: "236220", state: "OR", annualRevenue: 8_000_000 } }));
    expect(body.data.map((d: { insuredName: string }) => d.insuredName)).toEqual(["Our Builders"]);
    expect(body.data[0].premium).toBeNull();
  });
});
