/**
 * Billing reads the org's feature flags (`billing.autopay_retry`, …) through its `PRODUCERS` binding to
 * the producers worker's evaluator, as `#shared/flags` does in every worker. Here the binding reaches
 * the stand-in (vitest.config.ts), which answers the org's evaluated flags a test gave it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readFlag } from "#shared/flags";
import type { BillingEnv } from "../../workers/billing/src/env.ts";
import { newPrincipal } from "../support/principals.ts";
import { standInFlags } from "../support/flags.ts";

const billingEnv = env as unknown as BillingEnv & { PRODUCERS: { setFlagsForTest(orgId: string, flags: unknown): Promise<boolean> } };

describe("billing's flags", () => {
  it("are read through the PRODUCERS binding: the catalogue default, or the org's value", async () => {
    const p = newPrincipal();
    expect(await readFlag(billingEnv.PRODUCERS, p.orgId, "billing.autopay_retry")).toBe(true);
    const evaluated = standInFlags();
    evaluated.set(p.orgId, "billing.autopay_retry", false);
    const answer = await evaluated.flags(p.orgId);
    if (!answer.ok) throw new Error("the stand-in answers");
    await billingEnv.PRODUCERS.setFlagsForTest(p.orgId, answer.value);
    expect(await readFlag(billingEnv.PRODUCERS, p.orgId, "billing.autopay_retry")).toBe(false);
    expect(await readFlag(billingEnv.PRODUCERS, newPrincipal().orgId, "billing.autopay_retry")).toBe(true);
  });
});
