/**
 * Delegated authority follows the premium after bind: an endorsement that takes a policy outside
 * its agreement is held as a referral (applied on approval, never on rejection), and every
 * premium-bearing transaction moves the agreement's aggregate through its ledger object.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { createDaAgreement, daUtilization, getDaAgreement, listDaAgreements, writtenByAgreement } from "../../workers/underwriting/src/da-agreements.service.ts";
import { cancelPolicy, endorsePolicy, reinstatePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { decideReferral, listReferrals } from "../../workers/underwriting/src/referrals.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import type { EndorsementReferred, PolicyTransactionResult } from "../../workers/underwriting/src/types.ts";
import { approverOf, newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { contractorsAgreement, quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);
/** The quickstart policy runs 2027-05-01 to 2028-05-01; endorsements date inside it. */
const MID_TERM = "2027-11-01";


async function daPolicy(capDollars = 1_000_000, overrides: Record<string, unknown> = {}) {
  const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
  const da = unwrap(
    await createDaAgreement(db(), p, contractorsAgreement({ aggregateCap: capDollars }) as Parameters<typeof createDaAgreement>[2]),
  );
  const sub = unwrap(await createSubmission(db(), p, { ...quickstartSubmission(), ...overrides } as Parameters<typeof createSubmission>[2]));
  const quote = unwrap(await createQuote(db(), p, sub.id));
  expect(quote.authority.daAgreementId).toBe(da.id);
  const policy = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (policy.preview || policy.status === "referred") throw new Error("bound a preview, or held for a referral");
  return { p, da, policy, premiumCents: Math.round(quote.grossPremium * 100) };
}

const ledgerOf = (agreementId: string) => env.DA_LEDGER.getByName(agreementId);
/** Another bind's premium held in the ledger (cap $1,000,000), to bring the aggregate near the cap. */
async function fill(agreementId: string, premiumCents: number) {
  expect(await ledgerOf(agreementId).reserve("sub_filler", premiumCents, 100_000_000)).toMatchObject({ ok: true });
}
const usageCents = async (agreementId: string) =>
  (await env.UNDERWRITING_DB.prepare("SELECT written_cents FROM da_agreement_usage WHERE agreement_id = ?").bind(agreementId).first<{ written_cents: number }>())?.written_cents ?? 0;
const eventsOf = async (orgId: string, type: string) =>
  (await env.UNDERWRITING_DB.prepare("SELECT data FROM events WHERE org_id = ? AND type = ? ORDER BY id").bind(orgId, type).all<{ data: string }>()).results.map(
    (r) => JSON.parse(r.data) as Record<string, unknown>,
  );
const policyRow = (id: string) =>
  env.UNDERWRITING_DB.prepare("SELECT limit_cents, version, written_premium_cents FROM policies WHERE id = ?").bind(id).first<{ limit_cents: number; version: number; written_premium_cents: number }>();
const referred = (r: PolicyTransactionResult | EndorsementReferred): EndorsementReferred => {
  expect(r).toMatchObject({ status: "referred" });
  return r as EndorsementReferred;
};
const applied = (r: PolicyTransactionResult | EndorsementReferred): PolicyTransactionResult => {
  expect(r).not.toMatchObject({ status: "referred" });
  return r as PolicyTransactionResult;
};

describe("an endorsement outside the policy's delegated authority", () => {
  const raiseLimit = { effectiveDate: MID_TERM, changes: { requestedLimit: 3_000_000 }, description: "Higher limit for a new contract" };

  it("is held as a referral, not applied; a preview says so without creating one", async () => {
    const { p, da, policy } = await daPolicy();
    const before = await policyRow(policy.id);

    const preview = referred(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, raiseLimit, true)));
    expect(preview).toMatchObject({ preview: true, referral: null, daAgreementId: da.id, policy: { id: policy.id, limit: 1_000_000 } });
    expect(preview.reasons.join(" ")).toContain("exceeds the per-risk maximum");
    expect(unwrap(await listReferrals(db(), p, {})).data).toHaveLength(0);

    const held = referred(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, raiseLimit, false)));
    expect(held.preview).toBe(false);
    expect(held.referral).toMatchObject({ status: "pending", policyId: policy.id, submissionId: policy.submissionId, endorsement: raiseLimit, transactionId: null });
    expect(held.transaction.premiumDelta).toBeGreaterThan(0);
    // Nothing changed on the policy, nothing was reserved, no endorsement event.
    expect(await policyRow(policy.id)).toEqual(before);
    expect(await eventsOf(p.orgId, "policy.endorsed")).toHaveLength(0);
    expect(await eventsOf(p.orgId, "referral.created")).toEqual([expect.objectContaining({ referralId: held.referral!.id, policyId: policy.id })]);
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(policy.grossPremium * 100);
  });

  it("is applied when its referral is approved, re-rated then, with its premium through the ledger", async () => {
    const { p, da, policy, premiumCents } = await daPolicy();
    const held = referred(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, raiseLimit, false)));

    const decided = unwrap(await decideReferral(db(), approverOf(p), held.referral!.id, { decision: "approve", notes: "Carrier agreed" }, workerEnv));
    expect(decided).toMatchObject({ status: "approved", decidedBy: approverOf(p).actorId, transactionId: expect.stringMatching(/^txn_/) });

    const after = await policyRow(policy.id);
    expect(after?.limit_cents).toBe(300_000_000);
    const txn = await env.UNDERWRITING_DB.prepare("SELECT type, premium_delta_cents, details FROM policy_transactions WHERE id = ?")
      .bind(decided.transactionId)
      .first<{ type: string; premium_delta_cents: number; details: string }>();
    expect(txn?.type).toBe("endorsement");
    expect(JSON.parse(txn!.details)).toMatchObject({ referralId: held.referral!.id });
    expect(txn?.premium_delta_cents).toBe(Math.round(held.transaction.premiumDelta * 100));
    expect(after?.written_premium_cents).toBe(premiumCents + txn!.premium_delta_cents);
    // The agreement's aggregate carries the additional premium, in the ledger and in D1.
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(premiumCents + txn!.premium_delta_cents);
    expect(await usageCents(da.id)).toBe(premiumCents + txn!.premium_delta_cents);
    expect(await eventsOf(p.orgId, "policy.endorsed")).toHaveLength(1);
    expect(await eventsOf(p.orgId, "referral.decided")).toEqual([expect.objectContaining({ decision: "approve", policyId: policy.id, transactionId: decided.transactionId })]);
    // Decided once.
    expect(errorOf(await decideReferral(db(), approverOf(p), held.referral!.id, { decision: "reject" }, workerEnv)).code).toBe("invalid_state_transition");
  });

  it("is never applied when its referral is rejected", async () => {
    const { p, da, policy } = await daPolicy();
    const before = await policyRow(policy.id);
    const held = referred(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, raiseLimit, false)));
    const info = unwrap(await decideReferral(db(), approverOf(p), held.referral!.id, { decision: "request_info", notes: "Contract copy?" }, workerEnv));
    expect(info.status).toBe("more_info_requested");
    const rejected = unwrap(await decideReferral(db(), approverOf(p), held.referral!.id, { decision: "reject" }, workerEnv));
    expect(rejected).toMatchObject({ status: "rejected", transactionId: null });
    expect(await policyRow(policy.id)).toEqual(before);
    const transactions = await env.UNDERWRITING_DB.prepare("SELECT count(*) AS n FROM policy_transactions WHERE policy_id = ?").bind(policy.id).first<{ n: number }>();
    expect(transactions?.n).toBe(1);
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(policy.grossPremium * 100);
  });

  it("an approval that no longer fits the cap fails da_limit_exceeded and leaves the referral open", async () => {
    const { p, da, policy, premiumCents } = await daPolicy();
    const held = referred(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { ...raiseLimit, changes: { requestedLimit: 3_000_000, annualRevenue: 80_000_000 } }, false)));
    // Fill the cap up to just under what the held endorsement would add.
    const room = 100_000_000 - premiumCents;
    await fill(da.id, room - Math.round(held.transaction.premiumDelta * 100) + 1);
    const refused = await decideReferral(db(), approverOf(p), held.referral!.id, { decision: "approve" }, workerEnv);
    expect(errorOf(refused)).toMatchObject({ code: "da_limit_exceeded", details: { daAgreementId: da.id } });
    expect(unwrap(await listReferrals(db(), p, { status: "pending" })).data.map((r) => r.id)).toEqual([held.referral!.id]);
    expect((await policyRow(policy.id))?.limit_cents).toBe(100_000_000);
  });
});

describe("premium-bearing transactions move the agreement's aggregate", () => {
  it("additional premium reserves against the cap; an endorsement beyond it is 422 da_limit_exceeded, previewed the same", async () => {
    // Cap: the policy's premium plus a little: a large revenue endorsement does not fit.
    const { p, da, policy, premiumCents } = await daPolicy();
    const small = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: MID_TERM, changes: { annualRevenue: 9_000_000 } }, false)));
    const deltaCents = Math.round(small.transaction.premiumDelta * 100);
    expect(deltaCents).toBeGreaterThan(0);
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(premiumCents + deltaCents);
    expect(await usageCents(da.id)).toBe(premiumCents + deltaCents);

    // Fill the ledger to the cap but for one cent, then endorse upward again.
    await fill(da.id, 100_000_000 - premiumCents - deltaCents - 1);
    const big = { effectiveDate: MID_TERM, changes: { annualRevenue: 12_000_000 } };
    expect(errorOf(await endorsePolicy(db(), workerEnv, p, policy.id, big, true))).toMatchObject({ code: "da_limit_exceeded", details: { daAgreementId: da.id, aggregateCap: 1_000_000 } });
    expect(errorOf(await endorsePolicy(db(), workerEnv, p, policy.id, big, false)).code).toBe("da_limit_exceeded");
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(99_999_999);
    expect(await ledgerOf(da.id).openReservations()).toEqual(["sub_filler"]);
    expect((await policyRow(policy.id))?.version).toBe(2);
  });

  it("return premium credits the cap: a reducing endorsement and a cancellation give space back, a reinstatement takes it again", async () => {
    const { p, da, policy, premiumCents } = await daPolicy();
    const reduced = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: MID_TERM, changes: { annualRevenue: 4_000_000 } }, false)));
    const creditCents = Math.round(reduced.transaction.premiumDelta * 100);
    expect(creditCents).toBeLessThan(0);
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(premiumCents + creditCents);
    expect(await usageCents(da.id)).toBe(premiumCents + creditCents);

    const cancelled = applied(unwrap(await cancelPolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-12-01", method: "pro_rata", reason: "insured_request" }, false)));
    const returnCents = Math.round(cancelled.transaction.premiumDelta * 100);
    expect(returnCents).toBeLessThan(0);
    const net = premiumCents + creditCents + returnCents;
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(net);
    expect(await usageCents(da.id)).toBe(net);
    expect(cents(unwrap(await getDaAgreement(db(), p, da.id)).writtenPremium)).toBe(net);
    expect(cents(unwrap(await daUtilization(db(), p)).data[0]!.writtenPremium)).toBe(net);
    expect(await ledgerOf(da.id).openReservations()).toEqual([]);
  });

  it("crossing 85% by an endorsement records da.limit_approaching once per agreement, even after a credit and a second crossing", async () => {
    const { p, da, policy, premiumCents } = await daPolicy();
    // Put the ledger just under 85% of the $1,000,000 cap, then endorse upward across it.
    await fill(da.id, 84_999_000 - premiumCents);
    await ledgerOf(da.id).commit("sub_filler");
    const up = applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: MID_TERM, changes: { annualRevenue: 9_000_000 } }, false)));
    const events = await eventsOf(p.orgId, "da.limit_approaching");
    expect(events).toEqual([{ daAgreementId: da.id, policyId: policy.id, transactionId: up.transaction.id, threshold: 0.85 }]);
    expect(unwrap(await daUtilization(db(), p)).data[0]!.limitApproachingAt).not.toBeNull();

    // Back under 85% with a credit, then across again: still one event.
    applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-12-01", changes: { annualRevenue: 4_000_000 } }, false)));
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBeLessThan(85_000_000);
    applied(unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2028-01-01", changes: { annualRevenue: 12_000_000 } }, false)));
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBeGreaterThan(85_000_000);
    expect(await eventsOf(p.orgId, "da.limit_approaching")).toHaveLength(1);
  });

  it("a reinstatement charges the reversed return premium to the cap again", async () => {
    const { p, da, policy, premiumCents } = await daPolicy();
    applied(unwrap(await cancelPolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-05-01", method: "flat", reason: "insured_request" }, false)));
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(0);
    // The clock: the quickstart policy starts 2027-05-01, ahead of the test calendar, so "today" is within 30 days of nothing;
    // reinstating is judged on the requested day.
    const reinstated = await reinstatePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-05-10" }, false);
    applied(unwrap(reinstated));
    expect((await ledgerOf(da.id).snapshot()).writtenCents).toBe(premiumCents);
    expect(await usageCents(da.id)).toBe(premiumCents);
  });
});

describe("writtenByAgreement", () => {
  it("reads only the agreements it is asked for", async () => {
    const { p, da, premiumCents } = await daPolicy();
    const other = unwrap(
      await createDaAgreement(db(), p, {
        carrier: "Other Carrier",
        program: "Other",
        maxLimitPerRisk: 1_000_000,
        states: ["CA"],
        naicsPrefixes: ["44"],
        aggregateCap: 500_000,
      } as Parameters<typeof createDaAgreement>[2]),
    );
    await env.UNDERWRITING_DB.prepare("INSERT INTO da_agreement_usage (agreement_id, org_id, written_cents) VALUES (?, ?, ?)").bind(other.id, p.orgId, 12_345).run();
    expect([...(await writtenByAgreement(db(), p.orgId, [other.id])).entries()]).toEqual([[other.id, 12_345]]);
    expect([...(await writtenByAgreement(db(), p.orgId, [da.id])).entries()]).toEqual([[da.id, premiumCents]]);
    expect((await writtenByAgreement(db(), p.orgId, [])).size).toBe(0);
    // Another org's ids read nothing.
    expect((await writtenByAgreement(db(), newPrincipal().orgId, [da.id, other.id])).size).toBe(0);
    const listed = unwrap(await listDaAgreements(db(), p, {})).data;
    expect(Object.fromEntries(listed.map((a) => [a.id, cents(a.writtenPremium)]))).toEqual({ [da.id]: premiumCents, [other.id]: 12_345 });
  });
});

function cents(amount: number): number {
  return Math.round(amount * 100);
}
