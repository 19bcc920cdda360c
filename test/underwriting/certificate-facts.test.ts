/**
 * What underwriting lets a certificate of insurance say: only of a policy in force on the org's
 * today (judged from the timeline: a cancellation dated ahead still leaves it in force, a
 * reinstatement undoes one), only the endorsements the policy carries, and the ACORD 25 limits of
 * its line by the documented rule, with the insurer's NAIC code.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { certificateFacts, coverageLimits } from "../../workers/underwriting/src/certificates.service.ts";
import { createDaAgreement } from "../../workers/underwriting/src/da-agreements.service.ts";
import { cancelPolicy, endorsePolicy, reinstatePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { testClockOffsetMs, testDay, yearsAfter } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { contractorsAgreement, quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);
/** `p` with its org's clock at noon on `day`. */
const on = (p: Principal, day: string): Principal => ({ ...p, clockOffsetMs: testClockOffsetMs(`${day}T12:00:00.000Z`) });
const holder = "Harbor View Properties LLC";

async function policyEffective(effectiveDate: string, p: Principal = newPrincipal(), overrides: Record<string, unknown> = {}) {
  const sub = unwrap(await createSubmission(db(), p, { ...quickstartSubmission(), effectiveDate, insuredEmail: "ops@pcb.example", ...overrides } as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  const policy = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (policy.preview || policy.status === "referred") throw new Error("bound a preview, or held for a referral");
  return { p, policy };
}

describe("the ACORD 25 limits of each line", () => {
  it("GL follows the ISO proportions of the each-occurrence limit", () => {
    expect(coverageLimits("GL", 100_000_000)).toEqual([
      { label: "Each occurrence", amount: 1_000_000 },
      { label: "Damage to rented premises (each occurrence)", amount: 100_000 },
      { label: "Medical expense (any one person)", amount: 5_000 },
      { label: "Personal and advertising injury", amount: 1_000_000 },
      { label: "General aggregate", amount: 2_000_000 },
      { label: "Products - completed operations aggregate", amount: 2_000_000 },
    ]);
    // Medical expense is capped at $10,000: a $5,000,000 occurrence limit would make it $25,000.
    expect(coverageLimits("GL", 500_000_000)[2]).toEqual({ label: "Medical expense (any one person)", amount: 10_000 });
  });

  it("CA is one combined single limit; PROP splits the limit 70/30 in whole dollars, summing exactly", () => {
    expect(coverageLimits("CA", 75_000_000)).toEqual([{ label: "Combined single limit (each accident)", amount: 750_000 }]);
    expect(coverageLimits("PROP", 100_000_000)).toEqual([
      { label: "Building", amount: 700_000 },
      { label: "Business personal property (contents)", amount: 300_000 },
    ]);
    // $1,234,567.89 × 0.7 = $864,197.523 → $864,198; the contents take the rest, $370,369.89.
    expect(coverageLimits("PROP", 123_456_789)).toEqual([
      { label: "Building", amount: 864_198 },
      { label: "Business personal property (contents)", amount: 370_369.89 },
    ]);
  });
});

describe("certificateFacts", () => {
  it("answers the ACORD 25 data set of an in-force GL policy: insured, insurer with NAIC, coverage and limits", async () => {
    const { p, policy } = await policyEffective(testDay(10));
    const facts = unwrap(await certificateFacts(db(), p, policy.id, { holderName: holder }));
    expect(facts).toEqual({
      asOf: testDay(0),
      policy: { id: policy.id, policyNumber: policy.policyNumber, lineOfBusiness: "GL", effectiveDate: testDay(10), expirationDate: yearsAfter(testDay(10), 1), cancellationEffectiveDate: null },
      insured: { name: "Pacific Coast Builders", state: "OR", email: "ops@pcb.example" },
      // Bound outside any agreement: the line's program carrier.
      insurer: { letter: "A", name: "Cascade Mutual Insurance Company", naic: "24031" },
      coverages: [
        {
          lineOfBusiness: "GL",
          title: "Commercial General Liability (occurrence)",
          insurerLetter: "A",
          policyNumber: policy.policyNumber,
          effectiveDate: testDay(10),
          expirationDate: yearsAfter(testDay(10), 1),
          limits: coverageLimits("GL", 100_000_000),
          additionalInsured: false,
          waiverOfSubrogation: false,
        },
      ],
      additionalInsured: false,
      waiverOfSubrogation: false,
    });
  });

  it("names the agreement's carrier for a policy bound under delegated authority (NAIC null for a carrier not on file)", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    unwrap(await createDaAgreement(db(), p, contractorsAgreement() as Parameters<typeof createDaAgreement>[2]));
    const { policy } = await policyEffective(testDay(5), p);
    expect(unwrap(await certificateFacts(db(), p, policy.id, { holderName: holder })).insurer).toEqual({ letter: "A", name: "Cascade Mutual Insurance Company", naic: "24031" });

    const q = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    unwrap(await createDaAgreement(db(), q, contractorsAgreement({ carrier: "Nowhere Specialty" }) as Parameters<typeof createDaAgreement>[2]));
    const other = await policyEffective(testDay(5), q);
    expect(unwrap(await certificateFacts(db(), q, other.policy.id, { holderName: holder })).insurer).toEqual({ letter: "A", name: "Nowhere Specialty", naic: null });
  });

  it("refuses a policy starting more than 60 days out, and accepts one starting in 60", async () => {
    const far = await policyEffective(testDay(61));
    expect(errorOf(await certificateFacts(db(), far.p, far.policy.id, { holderName: holder }))).toMatchObject({
      code: "policy_not_in_force",
      details: { reason: "not_yet_effective", daysUntilEffective: 61, maxLeadDays: 60, asOf: testDay(0), effectiveDate: testDay(61) },
    });
    const near = await policyEffective(testDay(60));
    expect(unwrap(await certificateFacts(db(), near.p, near.policy.id, { holderName: holder })).policy.effectiveDate).toBe(testDay(60));
  });

  it("refuses an expired policy on and after its expiration date", async () => {
    const { p, policy } = await policyEffective(testDay(10));
    const lastDay = testDay(10 + 364);
    expect(unwrap(await certificateFacts(db(), on(p, lastDay), policy.id, { holderName: holder })).asOf).toBe(lastDay);
    expect(errorOf(await certificateFacts(db(), on(p, policy.expirationDate), policy.id, { holderName: holder }))).toMatchObject({
      code: "policy_not_in_force",
      details: { reason: "expired", expirationDate: policy.expirationDate, asOf: policy.expirationDate },
    });
  });

  it("judges a cancellation by its effective date, and a reinstatement puts the policy back in force", async () => {
    const { p, policy } = await policyEffective(testDay(1));
    unwrap(await cancelPolicy(db(), workerEnv, p, policy.id, { effectiveDate: testDay(20), method: "pro_rata", reason: "insured_request" }, false));
    // Cancelled effective ahead: in force until then, and the certificate is told when it ends.
    expect(unwrap(await certificateFacts(db(), p, policy.id, { holderName: holder })).policy.cancellationEffectiveDate).toBe(testDay(20));
    expect(unwrap(await certificateFacts(db(), on(p, testDay(19)), policy.id, { holderName: holder })).asOf).toBe(testDay(19));
    const refused = errorOf(await certificateFacts(db(), on(p, testDay(20)), policy.id, { holderName: holder }));
    expect(refused).toMatchObject({ code: "policy_not_in_force", details: { reason: "cancelled", cancellationEffectiveDate: testDay(20), status: "cancelled", asOf: testDay(20) } });

    unwrap(await reinstatePolicy(db(), workerEnv, on(p, testDay(25)), policy.id, {}, false));
    const facts = unwrap(await certificateFacts(db(), on(p, testDay(25)), policy.id, { holderName: holder }));
    expect(facts.policy.cancellationEffectiveDate).toBeNull();
  });

  it("refuses the additional-insured box until the policy names the holder, and the waiver until it carries one", async () => {
    const { p, policy } = await policyEffective(testDay(3));
    expect(errorOf(await certificateFacts(db(), p, policy.id, { holderName: holder, additionalInsured: true }))).toMatchObject({
      code: "endorsement_required",
      details: { endorsement: "additional_insured", holder, additionalInsureds: [] },
    });
    expect(errorOf(await certificateFacts(db(), p, policy.id, { holderName: holder, waiverOfSubrogation: true }))).toMatchObject({
      code: "endorsement_required",
      details: { endorsement: "waiver_of_subrogation" },
    });

    unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: testDay(3), changes: { additionalInsureds: [{ name: "Someone Else Inc" }] } }, false));
    // An endorsement naming someone else does not make this holder an additional insured.
    expect(errorOf(await certificateFacts(db(), p, policy.id, { holderName: holder, additionalInsured: true }))).toMatchObject({
      code: "endorsement_required",
      details: { additionalInsureds: ["Someone Else Inc"] },
    });
    unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: testDay(3), changes: { additionalInsureds: [{ name: "Someone Else Inc" }, { name: holder }], waiverOfSubrogation: true } }, false));
    const facts = unwrap(await certificateFacts(db(), p, policy.id, { holderName: "  harbor view   properties llc ", additionalInsured: true, waiverOfSubrogation: true }));
    expect(facts).toMatchObject({ additionalInsured: true, waiverOfSubrogation: true, coverages: [{ additionalInsured: true, waiverOfSubrogation: true }] });
  });

  it("answers not_found for another org's policy and needs a holder name", async () => {
    const { p, policy } = await policyEffective(testDay(3));
    expect(errorOf(await certificateFacts(db(), newPrincipal(), policy.id, { holderName: holder }))).toMatchObject({ code: "not_found" });
    expect(errorOf(await certificateFacts(db(), p, policy.id, { holderName: "  " }))).toMatchObject({ code: "validation_failed", details: { field: "holder.name" } });
  });
});
