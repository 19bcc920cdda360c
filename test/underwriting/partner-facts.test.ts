/**
 * What the partners worker reads and writes through UnderwritingInternal: a submission's referral
 * code and creation time, the attribution written back onto it, and a policy's timeline for its
 * partner's commission. Another org's submission or policy is `not_found`.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UnderwritingInternal, UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

const service = (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;
const internal = (exports as unknown as { UnderwritingInternal: Service<UnderwritingInternal> }).UnderwritingInternal;

const input = { insuredName: "Pacific Coast Builders", naicsCode: "236220", annualRevenue: 8_000_000, requestedLimit: 1_000_000, effectiveDate: "2027-01-01", state: "OR" as const, lineOfBusiness: "GL" as const, yearsInBusiness: 12 };

describe("the partners worker's view of submissions and policies", () => {
  it("keeps a submission's referral code upper case, reads it back, and shows the attribution written onto it", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    const sub = unwrap(await service.createSubmission(p, { ...input, referralCode: "acme-payroll" }));
    expect(sub).toMatchObject({ referralCode: "ACME-PAYROLL", attribution: null });
    expect(unwrap(await internal.submissionReferral(p.orgId, sub.id))).toEqual({ submissionId: sub.id, createdAt: sub.createdAt, referralCode: "ACME-PAYROLL", policyId: null });
    const attribution = { partnerId: "prt_01JAAAAAAAAAAAAAAAAAAAAAAA", code: "ACME-PAYROLL", touchedAt: sub.createdAt };
    expect(unwrap(await internal.recordAttribution(p.orgId, sub.id, attribution))).toEqual({ recorded: true });
    expect(unwrap(await service.getSubmission(p, sub.id)).attribution).toEqual(attribution);
    expect(unwrap(await internal.recordAttribution(p.orgId, sub.id, null))).toEqual({ recorded: true });
    expect(unwrap(await service.getSubmission(p, sub.id)).attribution).toBeNull();

    const other = newPrincipal();
    expect(errorOf(await internal.submissionReferral(other.orgId, sub.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await internal.recordAttribution(other.orgId, sub.id, attribution))).toMatchObject({ code: "not_found" });
    expect(unwrap(await service.getSubmission(p, sub.id)).attribution).toBeNull();
    const plain = unwrap(await service.createSubmission(p, input));
    expect(plain).toMatchObject({ referralCode: null, attribution: null });
  });

  it("hands over a bound policy's submission and premium-bearing timeline in cents", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    const sub = unwrap(await service.createSubmission(p, input));
    unwrap(await service.createQuote(p, sub.id, {}));
    const bound = unwrap(await service.bindSubmission(p, sub.id, { installmentPlan: "PIF" }, false)) as { id: string; policyNumber: string; grossPremium: number };
    const facts = unwrap(await internal.partnerPolicyFacts(p.orgId, bound.id));
    expect(facts).toMatchObject({ policyId: bound.id, policyNumber: bound.policyNumber, submissionId: sub.id, lineOfBusiness: "GL" });
    expect(facts.transactions).toEqual([{ transactionId: expect.stringMatching(/^txn_/), seq: 1, type: "new_business", effectiveDate: "2027-01-01", premiumDeltaCents: Math.round(bound.grossPremium * 100), createdAt: expect.any(String) }]);
    expect(errorOf(await internal.partnerPolicyFacts(newPrincipal().orgId, bound.id))).toMatchObject({ code: "not_found" });
  });
});
