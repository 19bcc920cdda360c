import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_NOW } from "../support/clock.ts";
import { http, sandbox } from "./client.ts";

/**
 * The seed's quickstart binds a policy effective 2026-05-01. It runs on the demo org's sandbox clock
 * put back a month before that day, so the script stays verbatim and its policy is in force however
 * long after 2026 the suite runs.
 */
const SEED_WRITTEN = "2026-04-01T12:00:00.000Z";

describe("the seed's bash quickstart against the local sandbox", () => {
  it("prints a positive premium and a policy number", async () => {
    const { baseUrl, apiKey } = sandbox();
    expect((await http("POST", "/v1/sandbox/clock", { apiKey, body: { now: SEED_WRITTEN } })).json).toMatchObject({ today: "2026-04-01", simulated: true });
    let output: string;
    try {
      output = execFileSync("bash", [resolve(import.meta.dirname, "seed-quickstart.sh")], {
        env: { ...process.env, OPENINSURE_API: `${baseUrl}/v1`, OPENINSURE_TOKEN: apiKey },
        encoding: "utf8",
      });
    } finally {
      await http("POST", "/v1/sandbox/clock", { apiKey, body: { now: TEST_NOW } });
    }
    const premium = Number(output.match(/^Premium: (.+)$/m)?.[1]);
    expect(premium).toBeGreaterThan(0);
    const policyNumber = output.match(/^Policy: (.+)$/m)?.[1];
    expect(policyNumber).toMatch(/^GL-2026-\d{6}$/);

    // The policy it printed exists, with the MONTHLY_10 schedule summing to the premium.
    // Back on the test calendar (2026-12-01) the policy is still in force.
    const policies = await http("GET", "/v1/policies?insuredName=Pacific%20Coast", { apiKey });
    const policy = policies.json.data.find((p: { policyNumber: string }) => p.policyNumber === policyNumber);
    expect(policy).toMatchObject({ grossPremium: premium, installmentPlan: "MONTHLY_10", status: "active" });
    expect(policy.installments).toHaveLength(9);
    expect(policy.installments.reduce((n: number, i: { premium: number }) => n + Math.round(i.premium * 100), 0)).toBe(Math.round(premium * 100));
  });
});
