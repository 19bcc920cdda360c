import { describe, expect, it } from "vitest";
import { TEST_NOW, testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("a sandbox clock on the real stack (npm run dev)", () => {
  it("moved forward 200 days, a fresh org's quote expires and its policy's reinstatement window closes", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Clockwork" } });
    expect(org.status).toBe(201);
    const as = { token: apiSecret, headers: { "x-org-id": org.json.id } };
    expect((await http("POST", "/v1/sandbox/clock", { ...as, body: { now: TEST_NOW } })).json).toMatchObject({ today: testDay(0), simulated: true });

    const quoted = await http("POST", "/v1/submissions", { ...as, body: { ...quickstartSubmission(), effectiveDate: testDay(10), insuredName: "E2E Quoted" } });
    expect((await http("POST", `/v1/submissions/${quoted.json.id}/quote`, as)).status).toBe(201);
    const bound = await http("POST", "/v1/submissions", { ...as, body: { ...quickstartSubmission(), effectiveDate: testDay(0), insuredName: "E2E Cancelled" } });
    await http("POST", `/v1/submissions/${bound.json.id}/quote`, as);
    const policy = await http("POST", `/v1/submissions/${bound.json.id}/bind`, { ...as, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);
    expect((await http("POST", `/v1/policies/${policy.json.id}/cancel`, { ...as, body: { effectiveDate: testDay(10), method: "pro_rata", reason: "insured_request" } })).status).toBe(200);
    expect((await http("POST", `/v1/policies/${policy.json.id}/reinstate?preview=true`, { ...as, body: {} })).status).toBe(200);

    expect((await http("POST", "/v1/sandbox/clock", { ...as, body: { advanceDays: 200 } })).json).toMatchObject({ today: testDay(200) });
    const bind = await http("POST", `/v1/submissions/${quoted.json.id}/bind`, { ...as, body: { installmentPlan: "PIF" } });
    expect(bind.status).toBe(422);
    expect(bind.json.error).toBe("quote_expired");
    const reinstate = await http("POST", `/v1/policies/${policy.json.id}/reinstate`, { ...as, body: {} });
    expect(reinstate.status).toBe(422);
    expect(reinstate.json).toMatchObject({ error: "business_rule_violation", details: { cancellationDate: testDay(10), reinstatementDate: testDay(200), windowDays: 30 } });

    const reset = await http("DELETE", "/v1/sandbox/clock", as);
    expect(reset.json).toMatchObject({ offsetMs: 0, simulated: false });
  });
});
