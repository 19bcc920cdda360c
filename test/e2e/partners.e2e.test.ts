/**
 * A partner's path over the real `npm run dev` stack: a click on the public link, a submission with
 * the code it carried, the attribution on the submission, the bind, and the partner's commission.
 */
import { describe, expect, it } from "vitest";
import { TEST_NOW } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("partners over the local sandbox", () => {
  it("follows a click to a bound policy and its commission", async () => {
    const { apiSecret, baseUrl } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Partners" } });
    await http("POST", "/v1/sandbox/clock", { token: apiSecret, headers: { "x-org-id": org.json.id }, body: { now: TEST_NOW } });
    const token = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } })).json.token;
    const partner = await http("POST", "/v1/partners", { token, body: { name: "Acme Payroll", contactEmail: "partners@acme-payroll.example", landingUrl: "https://acme-payroll.example/insurance", commissionRate: 10 } });
    expect(partner.status).toBe(201);
    const code: string = partner.json.defaultCode;

    const click = await fetch(`${baseUrl}/r/${code}`, { redirect: "manual", headers: { "user-agent": "e2e" } });
    expect(click.status).toBe(302);
    const landing = new URL(click.headers.get("location")!);
    expect(`${landing.origin}${landing.pathname}`).toBe("https://acme-payroll.example/insurance");
    expect(landing.searchParams.get("ref")).toBe(code);
    expect((await fetch(`${baseUrl}/r/NOSUCHCODE9`, { redirect: "manual" })).status).toBe(404);

    const sub = await http("POST", "/v1/submissions", { token, body: { ...quickstartSubmission(), referralCode: landing.searchParams.get("ref") } });
    expect(sub.status).toBe(201);
    // The partners worker attributes it from underwriting's submission.created, moments later.
    let attribution: Record<string, unknown> | null = null;
    for (let i = 0; i < 150 && !attribution; i++) {
      attribution = (await http("GET", `/v1/submissions/${sub.json.id}`, { token })).json.attribution;
      if (!attribution) await new Promise((r) => setTimeout(r, 200));
    }
    expect(attribution).toEqual({ partnerId: partner.json.id, code, touchedAt: sub.json.createdAt });

    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, { token })).status).toBe(201);
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { token, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);
    let commissions: Record<string, unknown>[] = [];
    for (let i = 0; i < 150 && commissions.length === 0; i++) {
      commissions = (await http("GET", `/v1/partners/${partner.json.id}/commissions`, { token })).json.data;
      if (commissions.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    const premiumCents = Math.round(policy.json.grossPremium * 100);
    expect(commissions).toEqual([
      expect.objectContaining({ policyId: policy.json.id, transactionType: "new_business", rate: 10, premiumDelta: policy.json.grossPremium, commission: Math.floor((premiumCents * 1000 + 5000) / 10000) / 100, currency: "USD" }),
    ]);
    // The click, queued after its redirect, counted once.
    let clicks = 0;
    for (let i = 0; i < 150 && clicks === 0; i++) {
      clicks = (await http("GET", `/v1/partners/${partner.json.id}/codes`, { token })).json.data[0].clicks;
      if (clicks === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(clicks).toBe(1);
  });
});
