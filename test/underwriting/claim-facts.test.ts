/**
 * What the claims worker reads about a policy through UnderwritingInternal: the term, the whole
 * timeline in order (a cancellation and its reinstatement included), the limits, and the
 * portfolio's earned premium, confined to the org that names it.
 */
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import type { UnderwritingInternal } from "../../workers/underwriting/src/index.ts";
import { portfolio } from "../../workers/underwriting/src/analytics.service.ts";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { cancelPolicy, reinstatePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { testClockOffsetMs, testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

/** `ctx.exports.UnderwritingInternal`, as the claims worker's binding reaches it. */
const internal = (exports as unknown as { UnderwritingInternal: Service<UnderwritingInternal> }).UnderwritingInternal;
const db = () => drizzle(env.UNDERWRITING_DB);
const on = (p: Principal, day: string): Principal => ({ ...p, clockOffsetMs: testClockOffsetMs(`${day}T12:00:00.000Z`) });

async function boundPolicy(p: Principal) {
  const sub = unwrap(await createSubmission(db(), p, { ...quickstartSubmission(), effectiveDate: testDay(1) } as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  const policy = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (policy.preview || policy.status === "referred") throw new Error("bound a preview, or held for a referral");
  return policy;
}

describe("policyForClaim (UnderwritingInternal, for claims)", () => {
  it("answers the term, limits and the timeline oldest first, a cancellation and its reinstatement included", async () => {
    const p = newPrincipal();
    const policy = await boundPolicy(p);
    unwrap(await cancelPolicy(db(), workerEnv, p, policy.id, { effectiveDate: testDay(20), method: "pro_rata", reason: "insured_request" }, false));
    unwrap(await reinstatePolicy(db(), workerEnv, on(p, testDay(25)), policy.id, {}, false));

    const facts = unwrap(await internal.policyForClaim(p.orgId, policy.id));
    expect(facts).toMatchObject({
      policyId: policy.id,
      policyNumber: policy.policyNumber,
      lineOfBusiness: policy.lineOfBusiness,
      insuredName: policy.insuredName,
      effectiveDate: testDay(1),
      expirationDate: policy.expirationDate,
      limit: policy.limit,
      deductible: policy.deductible,
      status: "active",
    });
    expect(facts.timeline.map((t) => t.type)).toEqual(["new_business", "cancellation", "reinstatement"]);
    expect(facts.timeline[0]).toMatchObject({ effectiveDate: testDay(1) });
    expect(facts.timeline[1]).toMatchObject({ effectiveDate: testDay(20) });
    expect(facts.timeline.every((t) => t.transactionId.startsWith("txn_") && typeof t.createdAt === "string")).toBe(true);
  });

  it("is not_found for another org's policy and for an unknown id", async () => {
    const p = newPrincipal();
    const policy = await boundPolicy(p);
    expect(errorOf(await internal.policyForClaim(newPrincipal().orgId, policy.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await internal.policyForClaim(p.orgId, "pol_unknown"))).toMatchObject({ code: "not_found" });
  });
});

describe("earnedPremium (UnderwritingInternal, the loss ratio's denominator)", () => {
  it("equals portfolio analytics' earned and written premium as of the same date, and refuses a non-date", async () => {
    const p = newPrincipal();
    await boundPolicy(p);
    const asOf = testDay(100);
    const analytics = unwrap(await portfolio(db(), p, asOf));
    const facts = unwrap(await internal.earnedPremium(p.orgId, asOf));
    expect(facts).toEqual({ asOf, earnedPremium: analytics.earnedPremium, writtenPremium: analytics.writtenPremium, policyCount: analytics.policyCount });
    expect(facts.earnedPremium).toBeGreaterThan(0);
    expect(facts.earnedPremium).toBeLessThan(facts.writtenPremium);
    expect(errorOf(await internal.earnedPremium(p.orgId, "2026-02-30"))).toMatchObject({ code: "validation_failed", details: { field: "asOf" } });
  });
});
