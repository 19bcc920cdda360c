/**
 * First notice of loss in the claims worker: coverage refusals carry the dates that decided them,
 * another org's policy is 404, claim numbers are CLM-{loss year}-{6 digits} gap-free per org and
 * loss year (under concurrency too), and an open duplicate is 409 unless confirmed distinct, even
 * when the two filings race. `claim.filed` is in the filing's batch.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClaimPolicyFacts } from "#shared/rpc";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, entry, filedClaim, fnol, registerPolicy } from "./harness.ts";

const events = async (orgId: string) =>
  (await env.CLAIMS_DB.prepare("SELECT type, data FROM events WHERE org_id = ? ORDER BY id").bind(orgId).all<{ type: string; data: string }>()).results.map((r) => ({ type: r.type, data: JSON.parse(r.data) }));

describe("FNOL coverage", () => {
  it("files a claim in cover: open, numbered, with the policy's limit and deductible, and claim.filed", async () => {
    const { principal, policy, claim } = await filedClaim();
    expect(claim).toMatchObject({
      status: "open",
      policyId: policy.policyId,
      policyNumber: policy.policyNumber,
      lineOfBusiness: "GL",
      lossDate: testDay(-10),
      policyLimit: 1_000_000,
      deductible: 5_000,
      adjusterId: null,
      currency: "USD",
      total: { paid: 0, outstanding: 0, incurred: 0 },
      version: 1,
    });
    expect(claim.claimNumber).toBe(`CLM-${testDay(-10).slice(0, 4)}-000001`);
    expect(await events(principal.orgId)).toEqual([
      { type: "claim.filed", data: { claimId: claim.id, claimNumber: claim.claimNumber, policyId: policy.policyId, status: "open", currency: "USD", lossDate: testDay(-10), description: claim.description, causeOfLoss: "slip_and_fall" } },
    ]);
  });

  it.each([
    ["before inception", { effectiveDate: testDay(-5) }, "before_inception", {}],
    ["after a cancellation", { timeline: [entry("new_business", testDay(-30)), entry("cancellation", testDay(-12))] }, "after_cancellation", { cancellationEffectiveDate: testDay(-12) }],
    [
      "in a lapse before a reinstatement",
      { timeline: [entry("new_business", testDay(-30)), entry("cancellation", testDay(-15)), entry("reinstatement", testDay(-5))] },
      "lapse",
      { cancellationEffectiveDate: testDay(-15), reinstatementEffectiveDate: testDay(-5) },
    ],
  ] as const)("refuses a loss %s with 422 loss_outside_coverage naming the dates", async (_case, policyOverrides, rule, dates) => {
    const p = newPrincipal();
    const policy = await registerPolicy(p, policyOverrides as unknown as Partial<ClaimPolicyFacts>);
    const error = errorOf(await claimsRpc.createClaim(p, fnol(policy.policyId)));
    expect(error).toMatchObject({ code: "loss_outside_coverage", details: { rule, lossDate: testDay(-10), effectiveDate: policy.effectiveDate, expirationDate: policy.expirationDate, ...dates } });
    expect(await events(p.orgId)).toEqual([]);
  });

  it("refuses a loss on or after expiration", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p, { effectiveDate: testDay(-400), expirationDate: testDay(-35), timeline: [entry("new_business", testDay(-400))] });
    expect(errorOf(await claimsRpc.createClaim(p, fnol(policy.policyId)))).toMatchObject({ code: "loss_outside_coverage", details: { rule: "after_expiration", expirationDate: testDay(-35) } });
  });

  it("covers a loss after a reinstatement on the cancellation's own date (continuous cover)", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p, { timeline: [entry("new_business", testDay(-30)), entry("cancellation", testDay(-12)), entry("reinstatement", testDay(-12))] });
    expect(unwrap(await claimsRpc.createClaim(p, fnol(policy.policyId))).status).toBe("open");
  });

  it("answers 404 for another org's policy and for an unknown one", async () => {
    const owner = newPrincipal();
    const policy = await registerPolicy(owner);
    expect(errorOf(await claimsRpc.createClaim(newPrincipal(), fnol(policy.policyId)))).toMatchObject({ code: "not_found", details: { field: "policyId" } });
    expect(errorOf(await claimsRpc.createClaim(owner, fnol("pol_unknown")))).toMatchObject({ code: "not_found" });
  });

  it("refuses a loss date after today and bad money, naming the field", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p);
    expect(errorOf(await claimsRpc.createClaim(p, fnol(policy.policyId, { lossDate: testDay(1) })))).toMatchObject({ code: "validation_failed", details: { field: "lossDate", rule: "not_future" } });
    expect(errorOf(await claimsRpc.createClaim(p, fnol(policy.policyId, { estimatedLoss: 10.005 })))).toMatchObject({ code: "validation_failed", details: { field: "estimatedLoss", rule: "money_precision" } });
  });
});

describe("claim numbers", () => {
  it("are gap-free per org and loss year, and a refused filing consumes none", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p, { effectiveDate: "2026-06-01", timeline: [entry("new_business", "2026-06-01")] });
    const numbers: string[] = [];
    for (const lossDate of ["2026-07-01", "2026-08-01"]) numbers.push(unwrap(await claimsRpc.createClaim(p, fnol(policy.policyId, { lossDate }))).claimNumber);
    // Refused (before inception): no number taken.
    expect(errorOf(await claimsRpc.createClaim(p, fnol(policy.policyId, { lossDate: "2026-05-01" }))).code).toBe("loss_outside_coverage");
    numbers.push(unwrap(await claimsRpc.createClaim(p, fnol(policy.policyId, { lossDate: "2026-09-01" }))).claimNumber);
    expect(numbers).toEqual(["CLM-2026-000001", "CLM-2026-000002", "CLM-2026-000003"]);
    // Another org starts at 1.
    expect((await filedClaim({ fnol: { lossDate: "2026-11-20" } })).claim.claimNumber).toBe("CLM-2026-000001");
  });

  it("stay gap-free when twenty filings race", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p);
    const filed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claimsRpc.createClaim(p, fnol(policy.policyId, { lossLocation: { line1: `${i + 1} Harbor Way`, city: "Portland", state: "OR", postalCode: "97201" } }))),
    );
    const numbers = filed.map((r) => unwrap(r).claimNumber).sort();
    const year = testDay(-10).slice(0, 4);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `CLM-${year}-${String(i + 1).padStart(6, "0")}`));
  });
});

describe("duplicate FNOLs", () => {
  it("answers 409 with the existing claim for the same policy, loss date and normalised location", async () => {
    const { principal, policy, claim } = await filedClaim();
    const again = fnol(policy.policyId, { lossLocation: { line1: "12  MAIN st.", line2: "Suite 4", city: "portland", state: "OR", postalCode: "97201-1234" } });
    expect(errorOf(await claimsRpc.createClaim(principal, again))).toMatchObject({ code: "conflict", details: { existingClaimId: claim.id } });
    // Another day, or another place, is another loss.
    expect(unwrap(await claimsRpc.createClaim(principal, fnol(policy.policyId, { lossDate: testDay(-9) }))).status).toBe("open");
    expect(unwrap(await claimsRpc.createClaim(principal, fnol(policy.policyId, { lossLocation: { line1: "14 Main Street", city: "Portland", state: "OR", postalCode: "97201" } }))).status).toBe("open");
  });

  it("files it anyway with confirmDistinct, and a closed or denied claim is no longer a duplicate", async () => {
    const { principal, policy, claim } = await filedClaim();
    const second = unwrap(await claimsRpc.createClaim(principal, fnol(policy.policyId, { confirmDistinct: true })));
    expect(second.id).not.toBe(claim.id);
    // Both still open: a third unconfirmed filing is refused, naming an open one.
    const refused = errorOf(await claimsRpc.createClaim(principal, fnol(policy.policyId)));
    expect(refused.code).toBe("conflict");
    for (const c of [claim, second]) unwrap(await claimsRpc.denyClaim(principal, c.id, { reason: "duplicate report" }));
    expect(unwrap(await claimsRpc.createClaim(principal, fnol(policy.policyId))).status).toBe("open");
  });

  it("lets exactly one of two racing filings of the same loss commit", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p);
    const results = await Promise.all(Array.from({ length: 5 }, () => claimsRpc.createClaim(p, fnol(policy.policyId))));
    const filed = results.filter((r) => r.ok);
    expect(filed).toHaveLength(1);
    const winner = unwrap(filed[0]!);
    for (const r of results.filter((r) => !r.ok)) expect(errorOf(r)).toMatchObject({ code: "conflict", details: { existingClaimId: winner.id } });
    // The losers took no number: the next claim is 2.
    expect(unwrap(await claimsRpc.createClaim(p, fnol(policy.policyId, { confirmDistinct: true }))).claimNumber).toMatch(/-000002$/);
  });
});
