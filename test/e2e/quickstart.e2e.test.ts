import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { http, sandbox } from "./client.ts";

describe("the seed's bash quickstart against the local sandbox", () => {
  it("prints a positive premium and a policy number", async () => {
    const { baseUrl, apiKey } = sandbox();
    const output = execFileSync("bash", [resolve(import.meta.dirname, "seed-quickstart.sh")], {
      env: { ...process.env, OPENINSURE_API: `${baseUrl}/v1`, OPENINSURE_TOKEN: apiKey },
      encoding: "utf8",
    });
    const premium = Number(output.match(/^Premium: (.+)$/m)?.[1]);
    expect(premium).toBeGreaterThan(0);
    const policyNumber = output.match(/^Policy: (.+)$/m)?.[1];
    expect(policyNumber).toMatch(/^GL-2026-\d{6}$/);

    // The policy it printed exists, with the MONTHLY_10 schedule summing to the premium.
    const policies = await http("GET", "/v1/policies?insuredName=Pacific%20Coast", { apiKey });
    const policy = policies.json.data.find((p: { policyNumber: string }) => p.policyNumber === policyNumber);
    expect(policy).toMatchObject({ grossPremium: premium, installmentPlan: "MONTHLY_10", status: "active" });
    expect(policy.installments).toHaveLength(9);
    expect(policy.installments.reduce((n: number, i: { premium: number }) => n + Math.round(i.premium * 100), 0)).toBe(Math.round(premium * 100));
  });
});
