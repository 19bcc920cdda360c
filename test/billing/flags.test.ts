/**
 * Billing reads the org's feature flags (`billing.autopay_retry`, …) through its `PRODUCERS` binding to
 * the producers worker's evaluator, as `#shared/flags` does in every worker. Here the binding reaches
 * the stand-in (vitest.config.ts), which answers the org's evaluated flags a test gave it.
 */
import { describe, expect, it } from "vitest";
import { readFlag } from "#shared/flags";
import { newPrincipal } from "../support/principals.ts";
import { billingEnv, setFlags } from "./harness.ts";

describe("billing's flags", () => {
  it("are read through the PRODUCERS binding: the catalogue default, or the org's value", async () => {
    const p = newPrincipal();
    expect(await readFlag(billingEnv.PRODUCERS, p.orgId, "billing.autopay_retry")).toBe(true);
    await setFlags(p.orgId, { "billing.autopay_retry": false });
    expect(await readFlag(billingEnv.PRODUCERS, p.orgId, "billing.autopay_retry")).toBe(false);
    expect(await readFlag(billingEnv.PRODUCERS, newPrincipal().orgId, "billing.autopay_retry")).toBe(true);
  });
});
