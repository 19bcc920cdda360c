/**
 * The additional-insured and waiver-of-subrogation endorsements: their versioned annual charges,
 * prorated like any endorsement, previewable, on the timeline with their inputs, and on the policy.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { getPolicy, getTimeline } from "../../workers/underwriting/src/policies.service.ts";
import { endorsePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { ENDORSEMENT_CHARGE_TABLES, endorsementCharges, endorsementChargeTable } from "../../workers/underwriting/src/rating/endorsement-charges.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import type { PolicyTransactionResult } from "../../workers/underwriting/src/types.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);
const table = ENDORSEMENT_CHARGE_TABLES[0]!;

describe("endorsement charges (ENDT-2026.1)", () => {
  it.each([
    // rated $12,000: two additional insureds at $150 = $300; the waiver's 2% is $240, below the $250 minimum
    [1_200_000, 2, true, 30_000, 25_000],
    // rated $20,000: the waiver's 2% is $400, above the minimum
    [2_000_000, 0, true, 0, 40_000],
    // rated $12,345.67: 2% = $246.9134 → the minimum; 3 insureds = $450
    [1_234_567, 3, true, 45_000, 25_000],
    // rated $15,432.10: 2% = $308.642 → $308.64
    [1_543_210, 1, true, 15_000, 30_864],
    // nothing carried, nothing charged
    [1_200_000, 0, false, 0, 0],
  ] as const)("rated %i cents, %i insureds, waiver %s → %i + %i", (rated, count, waiver, ai, wv) => {
    expect(endorsementCharges(table, rated, { additionalInsuredCount: count, waiverOfSubrogation: waiver })).toEqual({
      version: "ENDT-2026.1",
      additionalInsuredsAnnualCents: ai,
      waiverAnnualCents: wv,
      totalAnnualCents: ai + wv,
    });
  });

  it("is chosen by the policy's effective date; none before the first version", () => {
    expect(unwrap(endorsementChargeTable("2027-05-01")).version).toBe("ENDT-2026.1");
    expect(errorOf(endorsementChargeTable("2025-12-31"))).toMatchObject({ code: "business_rule_violation" });
  });
});

/** The quickstart GL policy (2027-05-01 to 2028-05-01, 366 days: 2028 is a leap year). */
async function bound() {
  const p = newPrincipal();
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  const policy = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (policy.preview || policy.status === "referred") throw new Error("bound a preview, or held for a referral");
  return { p, policy };
}

const applied = (r: unknown) => r as PolicyTransactionResult;

describe("endorsing additional insureds and the waiver of subrogation", () => {
  it("charges the annual charge in full at inception, shows the endorsements on the policy and the charges on the timeline", async () => {
    const { p, policy } = await bound();
    const ratedCents = Math.round(policy.annualPremium * 100);
    const input = {
      effectiveDate: policy.effectiveDate,
      changes: { additionalInsureds: [{ name: "Harbor View Properties LLC", address: "100 Main St, Portland, OR 97204" }, { name: "Acme General Contractors" }] },
    };
    const preview = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, input, true)));
    // Two insureds at $150.00 a year, the whole term remaining: +$300.00.
    expect(preview).toMatchObject({ preview: true, transaction: { premiumDelta: 300 } });
    // A preview changes nothing.
    expect(unwrap(await getPolicy(db(), p, policy.id)).endorsements).toEqual({ additionalInsureds: [], waiverOfSubrogation: false });

    const result = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, input, false)));
    expect(result.transaction.premiumDelta).toBe(300);
    expect(result.policy.annualPremium).toBe((ratedCents + 30_000) / 100);
    expect(result.policy.writtenPremium).toBe((ratedCents + 30_000) / 100);
    const stored = unwrap(await getPolicy(db(), p, policy.id));
    expect(stored.endorsements).toEqual({
      additionalInsureds: [{ name: "Harbor View Properties LLC", address: "100 Main St, Portland, OR 97204" }, { name: "Acme General Contractors" }],
      waiverOfSubrogation: false,
    });
    const timeline = unwrap(await getTimeline(db(), p, policy.id, {}));
    const entry = timeline.data.find((t) => t.type === "endorsement")!;
    expect(entry.premiumDelta).toBe(300);
    expect(entry.details).toMatchObject({
      changes: input.changes,
      previousAnnualPremium: ratedCents / 100,
      newAnnualPremium: (ratedCents + 30_000) / 100,
      endorsementCharges: {
        version: "ENDT-2026.1",
        ratedAnnualPremium: ratedCents / 100,
        additionalInsureds: { count: 2, annualChargeEach: 150, annual: 300 },
        waiverOfSubrogation: { carried: false, rate: "200/10000", minimumAnnual: 250, annual: 0 },
        totalAnnual: 300,
      },
    });
  });

  it("prorates a mid-term waiver over the remaining days and keeps the insureds' charge through later endorsements", async () => {
    const { p, policy } = await bound();
    const ratedCents = Math.round(policy.annualPremium * 100);
    unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: policy.effectiveDate, changes: { additionalInsureds: [{ name: "Harbor View Properties LLC" }] } }, false));
    // 2027-11-01 to 2028-05-01: 182 of 366 days remain.
    const waiverCents = Math.max(Math.floor((ratedCents * 200) / 10_000 + 0.5), 25_000);
    const result = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-11-01", changes: { waiverOfSubrogation: true } }, false)));
    const expected = Math.floor((waiverCents * 182 * 2 + 366) / (2 * 366));
    expect(result.transaction.premiumDelta).toBe(expected / 100);
    expect(result.transaction.details).toMatchObject({ remainingDays: 182, termDays: 366, endorsementCharges: { additionalInsureds: { count: 1, annual: 150 }, waiverOfSubrogation: { carried: true, annual: waiverCents / 100 } } });
    expect(result.policy.endorsements).toEqual({ additionalInsureds: [{ name: "Harbor View Properties LLC" }], waiverOfSubrogation: true });
    expect(result.policy.annualPremium).toBe((ratedCents + 15_000 + waiverCents) / 100);

    // A later change that is not about the endorsements carries them forward at their price.
    const renamed = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-12-01", changes: { insuredName: "Pacific Coast Builders Inc" } }, false)));
    expect(renamed.transaction.premiumDelta).toBe(0);
    expect(renamed.policy.endorsements.waiverOfSubrogation).toBe(true);
    // Removing the insureds returns their unearned charge: -$150 × 152/366 = -$62.30.
    const removed = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-12-01", changes: { additionalInsureds: [] } }, false)));
    expect(removed.transaction.premiumDelta).toBe(-62.3);
    expect(removed.policy.endorsements.additionalInsureds).toEqual([]);
  });

  it("refuses a name listed twice, naming the entry", async () => {
    const { p, policy } = await bound();
    const r = await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: policy.effectiveDate, changes: { additionalInsureds: [{ name: "Acme" }, { name: " ACME " }] } }, false);
    expect(errorOf(r)).toMatchObject({ code: "validation_failed", details: { field: "changes.additionalInsureds.1.name", rule: "unique" } });
  });
});
