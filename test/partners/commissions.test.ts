import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { CommissionTransaction, PartnerPolicyFacts } from "#shared/rpc";
import { handleEvent } from "../../workers/partners/src/queue.consumer.ts";
import { testDay, testInstant } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { envelope, newPartner, partnersEnv, partnersRpc, registerSubmission, underwriting } from "./harness.ts";

const DAY = 86_400_000;

/** A policy of `submissionId` whose timeline grows as a test endorses and cancels it. */
function policyOf(orgId: string, submissionId: string) {
  const facts: PartnerPolicyFacts = { policyId: newId("pol"), policyNumber: `GL-2027-${String(Math.floor(Math.random() * 999_999)).padStart(6, "0")}`, submissionId, lineOfBusiness: "GL", transactions: [] };
  return {
    facts,
    /** Add a transaction to the timeline and deliver its event. */
    async write(type: CommissionTransaction["type"], premiumDeltaCents: number, effectiveDate: string, eventType: string) {
      facts.transactions.push({ transactionId: newId("txn"), seq: facts.transactions.length + 1, type, effectiveDate, premiumDeltaCents, createdAt: testInstant(facts.transactions.length * 1000) });
      await underwriting.partnerFactsForTest({ policies: [{ orgId, facts }] });
      const e = envelope(orgId, eventType, { policyId: facts.policyId }, testInstant(0));
      await handleEvent(partnersEnv, e);
      return e;
    },
  };
}

async function attributedSubmission(p: Principal, code: string) {
  const sub = await registerSubmission(p.orgId, testInstant(-DAY), code);
  await handleEvent(partnersEnv, envelope(p.orgId, "submission.created", { submissionId: sub.submissionId }, sub.createdAt));
  return sub;
}

const amounts = async (p: Principal, partnerId: string) =>
  unwrap(await partnersRpc.listCommissionsOfPartner(p, partnerId, { sort: "createdAt" })).data.map((c) => [c.transactionType, c.premiumDelta, c.commission, c.rounding.exact]);

describe("partner commissions", () => {
  it("accrue on bind and adjust pro rata on endorsement and cancellation, rounded half-up once, with their inputs", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p, { commissionRate: 12.5 });
    const sub = await attributedSubmission(p, partner.defaultCode);
    const policy = policyOf(p.orgId, sub.submissionId);
    await policy.write("new_business", 1_200_000, "2027-01-01", "policy.bound");
    // An endorsement's premium delta is already pro rata: (new annual − old annual) × remaining / term days.
    await policy.write("endorsement", 123_457, "2027-03-01", "policy.endorsed");
    // $12,000 cancelled pro rata after 120 of 365 days returns $8,054.79.
    await policy.write("cancellation", -805_479, "2027-05-01", "policy.cancelled");
    expect(await amounts(p, partner.id)).toEqual([
      ["new_business", 12000, 1500, "1500"],
      ["endorsement", 1234.57, 154.32, "154.32125"],
      ["cancellation", -8054.79, -1006.85, "-1006.84875"],
    ]);
    const [bound] = unwrap(await partnersRpc.listCommissionsOfPartner(p, partner.id, { sort: "createdAt" })).data;
    expect(bound).toMatchObject({ id: expect.stringMatching(/^pcm_/), partnerId: partner.id, policyId: policy.facts.policyId, policyNumber: policy.facts.policyNumber, submissionId: sub.submissionId, rate: 12.5, currency: "USD", rounding: { method: "half_up" }, effectiveDate: "2027-01-01", status: "pending" });
  });

  it("are idempotent by event id and by transaction: a redelivered or repeated event records nothing twice", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p, { commissionRate: 10 });
    const sub = await attributedSubmission(p, partner.defaultCode);
    const policy = policyOf(p.orgId, sub.submissionId);
    const bound = await policy.write("new_business", 500_000, testDay(-10), "policy.bound");
    await handleEvent(partnersEnv, bound);
    await handleEvent(partnersEnv, envelope(p.orgId, "policy.bound", { policyId: policy.facts.policyId }, testInstant(0)));
    expect(await amounts(p, partner.id)).toEqual([["new_business", 5000, 500, "500"]]);
    const processed = await partnersEnv.PARTNERS_DB.prepare("SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?").bind(bound.id).first<{ n: number }>();
    expect(processed?.n).toBe(1);
  });

  it("earn nothing for a policy no partner is attributed or a partner revoked before the bind, and keep earned commissions after a revocation", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p, { commissionRate: 10 });
    const sub = await attributedSubmission(p, partner.defaultCode);
    const policy = policyOf(p.orgId, sub.submissionId);
    await policy.write("new_business", 100_000, testDay(-30), "policy.bound");
    unwrap(await partnersRpc.revokePartner(p, partner.id));
    await policy.write("cancellation", -50_000, testDay(-5), "policy.cancelled");
    expect(await amounts(p, partner.id)).toEqual([
      ["new_business", 1000, 100, "100"],
      ["cancellation", -500, -50, "-50"],
    ]);

    const unattributed = policyOf(p.orgId, (await registerSubmission(p.orgId, testInstant(-DAY))).submissionId);
    await unattributed.write("new_business", 100_000, testDay(-1), "policy.bound");
    const revokedFirst = await newPartner(p, { commissionRate: 10 });
    const late = await attributedSubmission(p, revokedFirst.defaultCode);
    unwrap(await partnersRpc.revokePartner(p, revokedFirst.id));
    await policyOf(p.orgId, late.submissionId).write("new_business", 100_000, testDay(-1), "policy.bound");
    expect(unwrap(await partnersRpc.listCommissions(p)).data.map((c) => c.policyId)).toEqual([policy.facts.policyId, policy.facts.policyId]);
  });

  it("list across partners, filtered by partner, status and booking period, are paid out once, confined to the org", async () => {
    const p = newPrincipal();
    const [a, b] = [await newPartner(p, { commissionRate: 10 }), await newPartner(p, { commissionRate: 20 })];
    const pa = policyOf(p.orgId, (await attributedSubmission(p, a.defaultCode)).submissionId);
    await pa.write("new_business", 100_000, testDay(-10), "policy.bound");
    const pb = policyOf(p.orgId, (await attributedSubmission(p, b.defaultCode)).submissionId);
    await pb.write("new_business", 100_000, testDay(20), "policy.bound");
    const list = async (q: Parameters<typeof partnersRpc.listCommissions>[1]) => unwrap(await partnersRpc.listCommissions(p, q)).data.map((c) => [c.partnerId, c.status, c.commission]);
    expect(await list({})).toEqual([[b.id, "pending", 200], [a.id, "payable", 100]]);
    expect(await list({ partnerId: a.id })).toEqual([[a.id, "payable", 100]]);
    expect(await list({ status: "pending" })).toEqual([[b.id, "pending", 200]]);
    expect(await list({ status: "paid" })).toEqual([]);
    expect(await list({ from: testDay(0), to: testDay(0) })).toHaveLength(2);
    expect(await list({ from: testDay(1) })).toEqual([]);
    expect(errorOf(await partnersRpc.listCommissions(p, { from: testDay(2), to: testDay(1) }))).toMatchObject({ code: "validation_failed", details: { field: "from" } });
    const page = unwrap(await partnersRpc.listCommissions(p, { limit: 1 }));
    expect(unwrap(await partnersRpc.listCommissions(p, { limit: 1, cursor: page.nextCursor! })).data.map((c) => c.partnerId)).toEqual([a.id]);

    // A payout marks what is payable paid, once; what is still pending stays.
    const payout = unwrap(await partnersRpc.payCommissions(p, a.id, {}));
    expect(payout).toMatchObject({ partnerId: a.id, through: testDay(0), commissionCount: 1, amount: 100, currency: "USD" });
    expect(unwrap(await partnersRpc.payCommissions(p, a.id, {}))).toMatchObject({ commissionCount: 0, amount: 0 });
    expect(unwrap(await partnersRpc.payCommissions(p, b.id, {}))).toMatchObject({ commissionCount: 0 });
    expect(await list({ status: "paid" })).toEqual([[a.id, "paid", 100]]);
    expect(await list({ status: "pending" })).toEqual([[b.id, "pending", 200]]);
    expect(errorOf(await partnersRpc.payCommissions(p, b.id, { through: testDay(1) }))).toMatchObject({ code: "validation_failed", details: { field: "through" } });

    const other = newPrincipal();
    expect(errorOf(await partnersRpc.payCommissions(other, a.id, {}))).toMatchObject({ code: "not_found" });
    expect(unwrap(await partnersRpc.listCommissions(other)).data).toEqual([]);
    expect(errorOf(await partnersRpc.listCommissionsOfPartner(other, a.id))).toMatchObject({ code: "not_found" });
  });
});
