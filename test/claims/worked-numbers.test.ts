/**
 * The worked numbers, step by step, through the claims worker: a GL policy with limit
 * 1,000,000 and deductible 5,000. After every step the claim reports paid, outstanding and incurred
 * per cost type and in total, and incurred = paid + outstanding; the reserve transactions and
 * payments of the history reconcile to the figures.
 */
import { describe, expect, it } from "vitest";
import type { Claim } from "#contract/types.gen";
import { SCOPE_PRESETS, type Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, figuresOf, fnol, registerPolicy } from "./harness.ts";

type Step = [name: string, run: (claim: Claim, who: { adjuster: Principal; manager: Principal }) => Promise<Result<unknown> | null>, expected: number[] | { refused: string }];

/** [indemnity paid, indemnity outstanding, expense paid, expense outstanding, incurred] after each step. */
const STEPS: Step[] = [
  ["FNOL", async () => null, [0, 0, 0, 0, 0]],
  ["reserve indemnity 40,000, expense 5,000", (c, { adjuster }) => claimsRpc.setReserves(adjuster, c.id, { indemnity: 40_000, expense: 5_000, reason: "initial assessment" }), [0, 40_000, 0, 5_000, 45_000]],
  ["pay expense 1,200", (c, { adjuster }) => claimsRpc.createPayment(adjuster, c.id, { costType: "expense", amount: 1_200, payee: "Rapid Adjusting LLC" }), [0, 40_000, 1_200, 3_800, 45_000]],
  ["raise indemnity to 120,000 without claims:approve", (c, { adjuster }) => claimsRpc.setReserves(adjuster, c.id, { indemnity: 120_000, reason: "medical bills" }), { refused: "insufficient_scope" }],
  ["the same with claims:approve", (c, { manager }) => claimsRpc.setReserves(manager, c.id, { indemnity: 120_000, reason: "medical bills" }), [0, 120_000, 1_200, 3_800, 125_000]],
  [
    "settle 90,000, accept (net of the 5,000 deductible)",
    async (c, { adjuster }) => {
      unwrap(await claimsRpc.investigateClaim(adjuster, c.id, {}));
      const offer = unwrap(await claimsRpc.settleClaim(adjuster, c.id, { amount: 90_000, payee: "Jordan Lee" }));
      return claimsRpc.acceptSettlement(adjuster, c.id, offer.settlement.id);
    },
    [85_000, 0, 1_200, 3_800, 90_000],
  ],
  ["close, releasing the expense reserve", (c, { adjuster }) => claimsRpc.closeClaim(adjuster, c.id, { reason: "litigation avoided" }), [85_000, 0, 1_200, 0, 86_200]],
];

describe("the worked numbers (GL, limit 1,000,000, deductible 5,000)", () => {
  it("reproduces every step, and the history reconciles", async () => {
    const manager = newPrincipal();
    const adjuster: Principal = { ...manager, credentialId: "key_adjuster", actorId: "key_adjuster", scopes: [...SCOPE_PRESETS.claims] };
    const policy = await registerPolicy(manager, { limit: 1_000_000, deductible: 5_000 });
    let claim = unwrap(await claimsRpc.createClaim(adjuster, fnol(policy.policyId)));
    for (const [name, run, expected] of STEPS) {
      const before = unwrap(await claimsRpc.getClaim(adjuster, claim.id));
      const result = await run(claim, { adjuster, manager });
      const after = unwrap(await claimsRpc.getClaim(adjuster, claim.id));
      if ("refused" in expected) {
        expect(errorOf(result!), name).toMatchObject({ code: expected.refused, details: { requiredScope: "claims:approve" } });
        // Nothing changed: not the figures, not the history.
        expect(after, name).toEqual(before);
        continue;
      }
      expect(figuresOf(after), name).toEqual(expected);
      for (const t of [after.indemnity, after.expense, after.total]) expect(t.incurred, name).toBeCloseTo(t.paid + t.outstanding, 2);
      claim = after;
    }
    const final = unwrap(await claimsRpc.getClaim(adjuster, claim.id));
    expect(final.status).toBe("closed");
    for (const type of ["indemnity", "expense"] as const) {
      const outstanding = final.reserves.filter((r) => r.costType === type).reduce((s, r) => s + Math.round(r.delta * 100), 0);
      const paid = final.payments.filter((p) => p.costType === type).reduce((s, p) => s + Math.round(p.amount * 100), 0);
      expect([paid / 100, outstanding / 100], type).toEqual([final[type].paid, final[type].outstanding]);
    }
    expect(final.settlements).toEqual([expect.objectContaining({ status: "accepted", amount: 90_000, deductible: 5_000, netAmount: 85_000 })]);
    expect(final.payments.map((p) => [p.costType, p.amount, p.settlementId !== null])).toEqual([
      ["expense", 1_200, false],
      ["indemnity", 85_000, true],
    ]);
    // The 35,000 the settlement left is released, then the 3,800 of expense at close.
    expect(final.reserves.filter((r) => r.source === "settlement" || r.source === "close").map((r) => [r.costType, r.previous, r.new, r.delta])).toEqual([
      ["indemnity", 35_000, 0, -35_000],
      ["expense", 3_800, 0, -3_800],
    ]);
    expect(final.activity.map((a) => a.type)).toEqual(["filed", "reserves_changed", "payment_issued", "reserves_changed", "investigation_started", "settlement_offered", "settlement_accepted", "closed"]);
    expect(final.activity.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(final.version).toBe(8);
  });
});
