/**
 * Status changes through the claims worker: adjuster assignment (only a claims_adjuster of the org),
 * settlement offers and acceptance, denial, close (a reason to release what is outstanding), reopen,
 * the refusals, the append-only activity log and the events in order of occurrence.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, filedClaim, registerMember } from "./harness.ts";

const eventTypes = async (orgId: string) => (await env.CLAIMS_DB.prepare("SELECT type FROM events WHERE org_id = ? ORDER BY id").bind(orgId).all<{ type: string }>()).results.map((r) => r.type);

describe("investigate and adjusters", () => {
  it("assigns a claims_adjuster of the org and moves the claim to investigating", async () => {
    const { principal, claim } = await filedClaim();
    const adjuster = await registerMember(principal, "claims_adjuster");
    const investigating = unwrap(await claimsRpc.investigateClaim(principal, claim.id, { adjusterId: adjuster.id, notes: "site visit Monday" }));
    expect(investigating).toMatchObject({ status: "investigating", adjusterId: adjuster.id, version: 2 });
    const detail = unwrap(await claimsRpc.getClaim(principal, claim.id));
    expect(detail.activity[1]).toMatchObject({ seq: 2, type: "investigation_started", actor: principal.actorId, details: { from: "open", to: "investigating", adjusterId: adjuster.id, notes: "site visit Monday" } });
    expect(unwrap(await claimsRpc.listClaims(principal, { adjusterId: adjuster.id })).data.map((c) => c.id)).toEqual([claim.id]);
  });

  it("refuses another role, another org's user and an unknown user with 422, changing nothing", async () => {
    const { principal, claim } = await filedClaim();
    const underwriter = await registerMember(principal, "underwriter");
    const elsewhere = await registerMember(newPrincipal(), "claims_adjuster");
    for (const adjusterId of [underwriter.id, elsewhere.id, "usr_unknown"]) {
      expect(errorOf(await claimsRpc.investigateClaim(principal, claim.id, { adjusterId }))).toMatchObject({ code: "business_rule_violation", details: { field: "adjusterId" } });
    }
    expect(unwrap(await claimsRpc.getClaim(principal, claim.id))).toMatchObject({ status: "open", version: 1 });
  });
});

describe("settle, deny, close, reopen", () => {
  it("refuses what the lifecycle does not allow with invalid_state_transition", async () => {
    const { principal, claim } = await filedClaim();
    expect(errorOf(await claimsRpc.settleClaim(principal, claim.id, { amount: 10, payee: "x" }))).toMatchObject({ code: "invalid_state_transition", details: { status: "open", action: "settle" } });
    expect(errorOf(await claimsRpc.closeClaim(principal, claim.id, {}))).toMatchObject({ code: "invalid_state_transition", details: { status: "open", action: "close" } });
    expect(errorOf(await claimsRpc.reopenClaim(principal, claim.id, {}))).toMatchObject({ code: "invalid_state_transition" });
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    expect(errorOf(await claimsRpc.investigateClaim(principal, claim.id, {}))).toMatchObject({ code: "invalid_state_transition", details: { status: "investigating" } });
  });

  it("accepts an offered settlement once; another claim's settlement is 404", async () => {
    const { principal, claim } = await filedClaim();
    const other = await filedClaim({ principal, fnol: { lossLocation: { line1: "1 Dock Rd", city: "Salem", state: "OR", postalCode: "97301" } } });
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    const { settlement } = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 12_000, payee: "Jordan Lee", notes: "agreed by phone" }));
    expect(settlement).toMatchObject({ status: "offered", amount: 12_000, deductible: 5_000, netAmount: 7_000, paymentId: null });
    expect(errorOf(await claimsRpc.acceptSettlement(principal, other.claim.id, settlement.id)).code).toBe("not_found");
    const accepted = unwrap(await claimsRpc.acceptSettlement(principal, claim.id, settlement.id));
    expect(accepted.claim).toMatchObject({ status: "settled", indemnity: { paid: 7_000, outstanding: 0, incurred: 7_000 } });
    expect(accepted.settlement).toMatchObject({ status: "accepted", paymentId: expect.stringMatching(/^cpy_/) });
    expect(errorOf(await claimsRpc.acceptSettlement(principal, claim.id, settlement.id)).code).toBe("invalid_state_transition");
  });

  it("denies releasing every reserve, closes, reopens to investigating, and logs each change in order", async () => {
    const { principal, claim } = await filedClaim();
    unwrap(await claimsRpc.setReserves(principal, claim.id, { indemnity: 8_000, expense: 2_000, reason: "estimate" }));
    const denied = unwrap(await claimsRpc.denyClaim(principal, claim.id, { reason: "excluded: intentional act", notes: "see statement" }));
    expect(denied).toMatchObject({ status: "denied", denialReason: "excluded: intentional act", total: { paid: 0, outstanding: 0, incurred: 0 } });
    expect(unwrap(await claimsRpc.closeClaim(principal, claim.id, {})).status).toBe("closed");
    const reopened = unwrap(await claimsRpc.reopenClaim(principal, claim.id, { reason: "new evidence" }));
    // No longer denied: the denial's reason stays in the activity log, not on the claim.
    expect(reopened).toMatchObject({ status: "investigating", denialReason: null });
    const detail = unwrap(await claimsRpc.getClaim(principal, claim.id));
    expect(detail.activity.map((a) => [a.seq, a.type])).toEqual([
      [1, "filed"],
      [2, "reserves_changed"],
      [3, "denied"],
      [4, "closed"],
      [5, "reopened"],
    ]);
    expect(detail.reserves.map((r) => [r.costType, r.source, r.delta])).toEqual([
      ["indemnity", "reserve", 8_000],
      ["expense", "reserve", 2_000],
      ["indemnity", "denial", -8_000],
      ["expense", "denial", -2_000],
    ]);
    expect(await eventTypes(principal.orgId)).toEqual(["claim.filed", "claim.reserved", "claim.denied", "claim.closed", "claim.reopened"]);
  });

  it("closing with something outstanding needs a reason, and then releases it", async () => {
    const { principal, claim } = await filedClaim();
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    unwrap(await claimsRpc.setReserves(principal, claim.id, { indemnity: 1_000, expense: 500, reason: "estimate" }));
    const { settlement } = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 6_000, payee: "Jordan Lee" }));
    unwrap(await claimsRpc.acceptSettlement(principal, claim.id, settlement.id));
    expect(errorOf(await claimsRpc.closeClaim(principal, claim.id, {}))).toMatchObject({ code: "validation_failed", details: { field: "reason", rule: "required" } });
    const closed = unwrap(await claimsRpc.closeClaim(principal, claim.id, { reason: "file complete" }));
    expect(closed).toMatchObject({ status: "closed", indemnity: { paid: 1_000, outstanding: 0 }, expense: { paid: 0, outstanding: 0 }, total: { incurred: 1_000 } });
    expect(await eventTypes(principal.orgId)).toEqual(["claim.filed", "claim.investigation_started", "claim.reserved", "claim.payment_issued", "claim.settled", "claim.closed"]);
  });
});

describe("settlement offers", () => {
  it("refuses an offer made before a denial once the reopened claim has a new one: only the offer that opened this settlement can be accepted", async () => {
    const { principal, claim } = await filedClaim();
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    const stale = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 12_000, payee: "Jordan Lee" })).settlement;
    unwrap(await claimsRpc.denyClaim(principal, claim.id, { reason: "excluded peril" }));
    unwrap(await claimsRpc.closeClaim(principal, claim.id, {}));
    unwrap(await claimsRpc.reopenClaim(principal, claim.id, { reason: "new evidence" }));
    const current = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 8_000, payee: "Jordan Lee" })).settlement;
    const before = unwrap(await claimsRpc.getClaim(principal, claim.id));
    expect(errorOf(await claimsRpc.acceptSettlement(principal, claim.id, stale.id))).toMatchObject({ code: "invalid_state_transition", details: { settlementId: stale.id, currentSettlementId: current.id } });
    expect(unwrap(await claimsRpc.getClaim(principal, claim.id))).toEqual(before);
    const accepted = unwrap(await claimsRpc.acceptSettlement(principal, claim.id, current.id));
    expect(accepted.claim).toMatchObject({ status: "settled", indemnity: { paid: 3_000, outstanding: 0 } });
  });
  it("refuses an offer whose net the remaining limit cannot pay (422 limit_exceeded), so no claim waits in_settlement on an offer it can never accept", async () => {
    const { principal, claim } = await filedClaim({ policy: { limit: 50_000, deductible: 5_000 } });
    unwrap(await claimsRpc.createPayment(principal, claim.id, { costType: "indemnity", amount: 45_000, payee: "Jordan Lee" }));
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    const before = unwrap(await claimsRpc.getClaim(principal, claim.id));
    // Net 15,000 against 5,000 left under the limit.
    expect(errorOf(await claimsRpc.settleClaim(principal, claim.id, { amount: 20_000, payee: "Jordan Lee" }))).toMatchObject({ code: "limit_exceeded", details: { field: "amount", limit: 50_000, indemnityPaid: 45_000, remaining: 5_000 } });
    expect(unwrap(await claimsRpc.getClaim(principal, claim.id))).toEqual(before);
    // Net 5,000: exactly what is left.
    const { settlement } = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 10_000, payee: "Jordan Lee" }));
    expect(unwrap(await claimsRpc.acceptSettlement(principal, claim.id, settlement.id)).claim).toMatchObject({ status: "settled", indemnity: { paid: 50_000 } });
  });

  it("takes the per-occurrence deductible once across a reopened claim's settlements: each offer applies only what earlier accepted ones left of it", async () => {
    const { principal, claim } = await filedClaim({ policy: { deductible: 5_000 } });
    unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
    const first = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 3_000, payee: "Jordan Lee" })).settlement;
    // Below the deductible: nothing paid, 3,000 of it absorbed.
    expect(first).toMatchObject({ deductible: 5_000, netAmount: 0 });
    unwrap(await claimsRpc.acceptSettlement(principal, claim.id, first.id));
    unwrap(await claimsRpc.closeClaim(principal, claim.id, {}));
    unwrap(await claimsRpc.reopenClaim(principal, claim.id, { reason: "further damage found" }));
    const second = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 10_000, payee: "Jordan Lee" })).settlement;
    expect(second).toMatchObject({ amount: 10_000, deductible: 2_000, netAmount: 8_000 });
    unwrap(await claimsRpc.acceptSettlement(principal, claim.id, second.id));
    unwrap(await claimsRpc.closeClaim(principal, claim.id, {}));
    unwrap(await claimsRpc.reopenClaim(principal, claim.id, { reason: "more still" }));
    const third = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 1_500, payee: "Jordan Lee" })).settlement;
    expect(third).toMatchObject({ deductible: 0, netAmount: 1_500 });
    expect(unwrap(await claimsRpc.acceptSettlement(principal, claim.id, third.id)).claim.indemnity.paid).toBe(9_500);
  });

  it("lets exactly one of a racing acceptance and denial commit, and the claim is wholly the winner's", async () => {
    for (let round = 0; round < 3; round++) {
      const { principal, claim } = await filedClaim();
      unwrap(await claimsRpc.setReserves(principal, claim.id, { indemnity: 20_000, expense: 1_000, reason: "estimate" }));
      unwrap(await claimsRpc.investigateClaim(principal, claim.id, {}));
      const { settlement } = unwrap(await claimsRpc.settleClaim(principal, claim.id, { amount: 15_000, payee: "Jordan Lee" }));
      const [accepted, denied] = await Promise.all([claimsRpc.acceptSettlement(principal, claim.id, settlement.id), claimsRpc.denyClaim(principal, claim.id, { reason: "fraud" })]);
      expect([accepted.ok, denied.ok].filter(Boolean)).toHaveLength(1);
      const after = unwrap(await claimsRpc.getClaim(principal, claim.id));
      if (accepted.ok) {
        expect(errorOf(denied).code).toBe("invalid_state_transition");
        expect(after).toMatchObject({ status: "settled", denialReason: null, indemnity: { paid: 10_000, outstanding: 0 }, expense: { outstanding: 1_000 } });
        expect(after.settlements[0]?.status).toBe("accepted");
      } else {
        expect(errorOf(accepted).code).toBe("invalid_state_transition");
        expect(after).toMatchObject({ status: "denied", total: { paid: 0, outstanding: 0, incurred: 0 } });
        expect(after.payments).toEqual([]);
      }
      expect(after.version).toBe(after.activity.length);
    }
  });
});
