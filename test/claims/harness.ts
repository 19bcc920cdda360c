/**
 * The claims worker under test, through its own entrypoints (RPC over loopback), with stand-ins for
 * underwriting (policies registered per test) and identity (users registered per test).
 */
import { env, exports } from "cloudflare:workers";
import type { Claim, CreateClaimRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { ClaimPolicyFacts, CoverageTimelineEntry, OrgMember } from "#shared/rpc";
import type { ClaimsService } from "../../workers/claims/src/index.ts";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

/** The stand-ins' test methods (vitest.config.ts): policies and users registered by the test. */
const standIns = env as unknown as {
  UNDERWRITING: { setPolicyForTest(orgId: string, facts: ClaimPolicyFacts): Promise<boolean> };
  IDENTITY: { setMemberForTest(member: OrgMember): Promise<boolean> };
};

export const claimsRpc = (exports as unknown as { ClaimsService: Service<ClaimsService> }).ClaimsService;

/** A timeline entry as underwriting answers it. */
export const entry = (type: CoverageTimelineEntry["type"], effectiveDate: string): CoverageTimelineEntry => ({ transactionId: newId("txn"), type, effectiveDate, createdAt: `${effectiveDate}T09:00:00.000Z` });

/**
 * A GL policy of `principal`'s org, registered with the stand-in underwriting: limit 1,000,000 and
 * deductible 5,000 unless `overrides` say otherwise, in force from 30 days ago for a year.
 */
export async function registerPolicy(principal: Principal, overrides: Partial<ClaimPolicyFacts> = {}): Promise<ClaimPolicyFacts> {
  const effectiveDate = overrides.effectiveDate ?? testDay(-30);
  const facts: ClaimPolicyFacts = {
    policyId: newId("pol"),
    policyNumber: `GL-2026-${String(Math.floor(Math.random() * 999_999)).padStart(6, "0")}`,
    status: "active",
    lineOfBusiness: "GL",
    insuredName: "Pacific Coast Builders",
    effectiveDate,
    expirationDate: testDay(335),
    limit: 1_000_000,
    deductible: 5_000,
    timeline: [entry("new_business", effectiveDate)],
    ...overrides,
  };
  await standIns.UNDERWRITING.setPolicyForTest(principal.orgId, facts);
  return facts;
}

/** A user of the org with `role`, registered with the stand-in identity. */
export async function registerMember(principal: Principal, role: OrgMember["role"]): Promise<OrgMember> {
  const member: OrgMember = { id: newId("usr"), orgId: principal.orgId, name: "Dana Adjuster", email: `${crypto.randomUUID()}@example.com`, role };
  await standIns.IDENTITY.setMemberForTest(member);
  return member;
}

/** An FNOL body for `policyId`, a loss 10 days ago at 12 Main Street. */
export function fnol(policyId: string, overrides: Partial<CreateClaimRequest> = {}): CreateClaimRequest {
  return {
    policyId,
    lossDate: testDay(-10),
    description: "Customer slipped on a wet floor in the showroom",
    causeOfLoss: "slip_and_fall",
    lossLocation: { line1: "12 Main Street", city: "Portland", state: "OR", postalCode: "97201" },
    claimant: { name: "Jordan Lee", email: "jordan@example.com" },
    ...overrides,
  };
}

/** A new org with a policy and a claim filed on it. */
export async function filedClaim(overrides: { principal?: Principal; policy?: Partial<ClaimPolicyFacts>; fnol?: Partial<CreateClaimRequest> } = {}): Promise<{ principal: Principal; policy: ClaimPolicyFacts; claim: Claim }> {
  const principal = overrides.principal ?? newPrincipal();
  const policy = await registerPolicy(principal, overrides.policy);
  const claim = unwrap(await claimsRpc.createClaim(principal, fnol(policy.policyId, overrides.fnol)));
  return { principal, policy, claim };
}

/** The claim's figures as the worked table writes them: [indemnity paid, outstanding, expense paid, outstanding, incurred]. */
export const figuresOf = (c: Pick<Claim, "indemnity" | "expense" | "total">) => [c.indemnity.paid, c.indemnity.outstanding, c.expense.paid, c.expense.outstanding, c.total.incurred];
