/**
 * Reserves and payments in the claims worker: the pure rules (a table), bad amounts, state refusals,
 * the limit, the approval threshold, and concurrent payments, where exactly the ones that fit commit
 * and the final state reconciles with the history.
 */
import { describe, expect, it } from "vitest";
import { SCOPE_PRESETS, type Principal } from "#shared/auth";
import { acceptSettlement, needsApproval, pay, setReserves, ZERO, type Money } from "../../workers/claims/src/financials.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, figuresOf, filedClaim, registerMember } from "./harness.ts";

const $ = (major: number) => Math.round(major * 100);
const money = (ip: number, io: number, ep: number, eo: number): Money => ({ indemnityPaid: $(ip), indemnityOutstanding: $(io), expensePaid: $(ep), expenseOutstanding: $(eo) });
const approver = { canApprove: true };
const adjuster = { canApprove: false };

describe("the money rules (pure, cents)", () => {
  it.each([
    // [case, before, operation, after or refusal code]
    ["a payment within the reserve draws it down; incurred unchanged", money(0, 1000, 0, 0), (m: Money) => pay(m, "indemnity", $(400), $(1_000_000), adjuster), money(400, 600, 0, 0)],
    ["a payment beyond the reserve stops it at zero and grows incurred by the excess", money(0, 1000, 0, 0), (m: Money) => pay(m, "indemnity", $(1500), $(1_000_000), adjuster), money(1500, 0, 0, 0)],
    ["an expense payment without a reserve", ZERO, (m: Money) => pay(m, "expense", $(250.5), $(1_000_000), adjuster), money(0, 0, 250.5, 0)],
    ["indemnity up to the limit exactly", money(60_000, 0, 0, 0), (m: Money) => pay(m, "indemnity", $(40_000), $(100_000), approver), money(100_000, 0, 0, 0)],
    ["indemnity past the limit", money(60_000, 0, 0, 0), (m: Money) => pay(m, "indemnity", $(40_000.01), $(100_000), approver), "limit_exceeded"],
    ["expense is not held to the limit", money(100_000, 0, 0, 0), (m: Money) => pay(m, "expense", $(5_000), $(100_000), approver), money(100_000, 0, 5_000, 0)],
    ["a reserve to exactly 100,000 needs no approval", ZERO, (m: Money) => setReserves(m, { indemnity: $(100_000) }, adjuster), money(0, 100_000, 0, 0)],
    ["a reserve one cent above needs it", ZERO, (m: Money) => setReserves(m, { indemnity: $(100_000.01) }, adjuster), "insufficient_scope"],
    ["lowering a reserve while above the threshold needs none", money(0, 150_000, 0, 0), (m: Money) => setReserves(m, { indemnity: $(120_000) }, adjuster), money(0, 120_000, 0, 0)],
    ["a payment within the reserve above the threshold needs none (incurred unchanged)", money(0, 150_000, 0, 0), (m: Money) => pay(m, "indemnity", $(50_000), $(1_000_000), adjuster), money(50_000, 100_000, 0, 0)],
    ["a payment beyond the reserve that crosses the threshold needs it", money(0, 90_000, 0, 0), (m: Money) => pay(m, "indemnity", $(100_000.01), $(1_000_000), adjuster), "insufficient_scope"],
    ["a settlement is paid net of the deductible and releases the rest", money(0, 120_000, 1_200, 3_800), (m: Money) => acceptSettlement(m, $(90_000), $(5_000), $(1_000_000), adjuster), money(85_000, 0, 1_200, 3_800)],
    ["a settlement below the deductible pays nothing", money(0, 3_000, 0, 0), (m: Money) => acceptSettlement(m, $(4_000), $(5_000), $(1_000_000), adjuster), money(0, 0, 0, 0)],
    ["a settlement net past the limit", money(990_000, 20_000, 0, 0), (m: Money) => acceptSettlement(m, $(20_000), $(5_000), $(1_000_000), approver), "limit_exceeded"],
  ] as const)("%s", (_case, before, operation, expected) => {
    const result = operation(before);
    if (typeof expected === "string") {
      expect(result).toMatchObject({ ok: false, error: { code: expected } });
      return;
    }
    expect(unwrap(result).money).toEqual(expected);
  });

  it("needsApproval: only an increase that ends above 100,000.00", () => {
    expect(needsApproval(money(0, 100_000, 0, 0), money(0, 100_000, 0, 0.01))).toBe(true);
    expect(needsApproval(money(0, 200_000, 0, 0), money(0, 150_000, 0, 0))).toBe(false);
    expect(needsApproval(ZERO, money(0, 99_999.99, 0, 0))).toBe(false);
  });
});

describe("reserves and payments through the worker", () => {
  const adjusterOf = (p: Principal): Principal => ({ ...p, credentialId: "key_adj", actorId: "key_adj", scopes: [...SCOPE_PRESETS.claims] });

  it.each([
    ["zero", 0, "money_positive"],
    ["negative", -5, "money_negative"],
    ["three decimals", 10.001, "money_precision"],
    ["over 1,000,000,000", 1_000_000_000.01, "money_max"],
  ])("refuses a %s payment amount naming the field", async (_case, amount, rule) => {
    const { principal, claim } = await filedClaim();
    expect(errorOf(await claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount, payee: "x" }))).toMatchObject({ code: "validation_failed", details: { field: "amount", rule } });
  });

  it("refuses a reserve with neither type, and one with three decimals", async () => {
    const { principal, claim } = await filedClaim();
    expect(errorOf(await claimsRpc.setReserves(principal, claim.id, { reason: "x" }))).toMatchObject({ code: "validation_failed", details: { rule: "required_one_of" } });
    expect(errorOf(await claimsRpc.setReserves(principal, claim.id, { expense: 1.234, reason: "x" }))).toMatchObject({ code: "validation_failed", details: { field: "expense", rule: "money_precision" } });
  });

  it("refuses a reserve that is not an amount (an RPC caller the contract never checked) naming the field, changing nothing", async () => {
    const { principal, claim } = await filedClaim();
    for (const indemnity of ["40000", null, true] as unknown as number[]) {
      expect(errorOf(await claimsRpc.setReserves(principal, claim.id, { indemnity, reason: "x" }))).toMatchObject({ code: "validation_failed", details: { field: "indemnity" } });
    }
    expect(unwrap(await claimsRpc.getClaim(principal, claim.id))).toMatchObject({ version: 1, total: { outstanding: 0 } });
  });

  it("refuses reserves and payments on a denied or closed claim with invalid_state_transition", async () => {
    const { principal, claim } = await filedClaim();
    unwrap(await claimsRpc.setReserves(principal, claim.id, { indemnity: 1_000, reason: "x" }));
    const denied = unwrap(await claimsRpc.denyClaim(principal, claim.id, { reason: "excluded peril" }));
    expect(figuresOf(denied)).toEqual([0, 0, 0, 0, 0]);
    expect(errorOf(await claimsRpc.setReserves(principal, claim.id, { indemnity: 10, reason: "x" }))).toMatchObject({ code: "invalid_state_transition", details: { status: "denied" } });
    expect(errorOf(await claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount: 10, payee: "x" }))).toMatchObject({ code: "invalid_state_transition" });
    unwrap(await claimsRpc.closeClaim(principal, claim.id, {}));
    expect(errorOf(await claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount: 10, payee: "x" }))).toMatchObject({ code: "invalid_state_transition", details: { status: "closed" } });
  });

  it("holds indemnity paid to the policy's limit (422 limit_exceeded) and says what remains", async () => {
    const { principal, claim } = await filedClaim({ policy: { limit: 50_000 } });
    unwrap(await claimsRpc.createPayment(principal, claim.id, { costType: "indemnity", amount: 30_000, payee: "x" }));
    expect(errorOf(await claimsRpc.createPayment(principal, claim.id, { costType: "indemnity", amount: 20_000.01, payee: "x" }))).toMatchObject({ code: "limit_exceeded", details: { limit: 50_000, indemnityPaid: 30_000, remaining: 20_000 } });
    expect(unwrap(await claimsRpc.createPayment(principal, claim.id, { costType: "indemnity", amount: 20_000, payee: "x" })).claim.indemnity.paid).toBe(50_000);
  });

  it("needs claims:approve for a payment that takes incurred above 100,000.00; an adjuster gets 403 and nothing changes", async () => {
    const { principal, claim } = await filedClaim();
    const adj = adjusterOf(principal);
    unwrap(await claimsRpc.setReserves(adj, claim.id, { indemnity: 100_000, reason: "x" }));
    const before = unwrap(await claimsRpc.getClaim(adj, claim.id));
    expect(errorOf(await claimsRpc.createPayment(adj, claim.id, { costType: "expense", amount: 0.01, payee: "x" }))).toMatchObject({ code: "insufficient_scope", details: { requiredScope: "claims:approve" } });
    expect(unwrap(await claimsRpc.getClaim(adj, claim.id))).toEqual(before);
    expect(unwrap(await claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount: 0.01, payee: "x" })).claim.total.incurred).toBe(100_000.01);
  });

  it("lets exactly the concurrent payments that fit the limit commit, and the state reconciles", async () => {
    const { principal, claim } = await filedClaim({ policy: { limit: 100_000 } });
    unwrap(await claimsRpc.setReserves(principal, claim.id, { indemnity: 100_000, reason: "x" }));
    // Eight payments of 30,000 against a 100,000 limit: three fit.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => claimsRpc.createPayment(principal, claim.id, { costType: "indemnity", amount: 30_000, payee: `payee ${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const r of results.filter((r) => !r.ok)) expect(errorOf(r).code).toBe("limit_exceeded");
    const after = unwrap(await claimsRpc.getClaim(principal, claim.id));
    expect(figuresOf(after)).toEqual([90_000, 10_000, 0, 0, 100_000]);
    expect(after.payments).toHaveLength(3);
    expect(after.reserves.reduce((s, r) => s + r.delta, 0)).toBe(10_000);
    expect(after.reserves.filter((r) => r.source === "payment").map((r) => [r.previous, r.new])).toEqual([
      [100_000, 70_000],
      [70_000, 40_000],
      [40_000, 10_000],
    ]);
    expect(after.version).toBe(1 + 1 + 3);
  });

  it("commits every one of many concurrent payments that fit, each drawing the reserve down once", async () => {
    const { principal, claim } = await filedClaim();
    unwrap(await claimsRpc.setReserves(principal, claim.id, { expense: 5_000, reason: "x" }));
    const results = await Promise.all(Array.from({ length: 10 }, () => claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount: 600, payee: "Rapid Adjusting LLC" })));
    expect(results.every((r) => r.ok)).toBe(true);
    const after = unwrap(await claimsRpc.getClaim(principal, claim.id));
    // 6,000 paid against a 5,000 reserve: the reserve stops at zero and incurred grows by the 1,000 excess.
    expect(figuresOf(after)).toEqual([0, 0, 6_000, 0, 6_000]);
    expect(after.activity.map((a) => a.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("keeps another org out of a claim: 404 for every read and change", async () => {
    const { claim } = await filedClaim();
    const stranger = newPrincipal();
    for (const result of [
      await claimsRpc.getClaim(stranger, claim.id),
      await claimsRpc.setReserves(stranger, claim.id, { indemnity: 1, reason: "x" }),
      await claimsRpc.createPayment(stranger, claim.id, { costType: "expense", amount: 1, payee: "x" }),
      await claimsRpc.investigateClaim(stranger, claim.id, {}),
      // Its own non-adjuster named: still the claim's 404, not a judgement of the adjuster.
      await claimsRpc.investigateClaim(stranger, claim.id, { adjusterId: (await registerMember(stranger, "underwriter")).id }),
      await claimsRpc.denyClaim(stranger, claim.id, { reason: "x" }),
      await claimsRpc.listAttachments(stranger, claim.id),
    ]) {
      expect(errorOf(result).code).toBe("not_found");
    }
    expect(unwrap(await claimsRpc.listClaims(stranger, {})).data).toEqual([]);
  });
});
