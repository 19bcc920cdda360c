/**
 * Writes decided on a state read a moment earlier, run concurrently in one isolate so that both
 * reads happen before either batch: the batch guard must let exactly one of them commit.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { createDaAgreement } from "../../workers/underwriting/src/da-agreements.service.ts";
import { endorsePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createReferral, decideReferral } from "../../workers/underwriting/src/referrals.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { approverOf, newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { contractorsAgreement, quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);

async function quotedSubmission() {
  const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  return { p, sub };
}

const eventsOf = async (orgId: string, type: string) =>
  (await env.UNDERWRITING_DB.prepare("SELECT data FROM events WHERE org_id = ? AND type = ?").bind(orgId, type).all<{ data: string }>()).results.map(
    (r) => JSON.parse(r.data) as Record<string, unknown>,
  );

describe("concurrent writes on one submission", () => {
  it("a referral is decided once: the losing decision changes nothing and sends no event", async () => {
    const { p, sub } = await quotedSubmission();
    const referral = unwrap(await createReferral(db(), p, { submissionId: sub.id, reason: "Two underwriters" }));
    const [approve, reject] = await Promise.all([
      decideReferral(db(), approverOf(p), referral.id, { decision: "approve" }),
      decideReferral(db(), approverOf(p), referral.id, { decision: "reject" }),
    ]);
    expect([approve.ok, reject.ok].filter(Boolean)).toHaveLength(1);
    const loser = approve.ok ? reject : approve;
    expect(errorOf(loser).code).toBe("invalid_state_transition");
    const decided = await eventsOf(p.orgId, "referral.decided");
    expect(decided.map((e) => e.decision)).toEqual([approve.ok ? "approve" : "reject"]);
  });

  it("an approval racing a re-quote never leaves a quoted submission whose quote is still held", async () => {
    const { p, sub } = await quotedSubmission();
    const referral = unwrap(await createReferral(db(), p, { submissionId: sub.id, reason: "Second look" }));
    await Promise.all([decideReferral(db(), approverOf(p), referral.id, { decision: "approve" }), createQuote(db(), p, sub.id)]);
    const row = await env.UNDERWRITING_DB.prepare("SELECT s.status, q.status AS quote_status FROM submissions s JOIN quotes q ON q.id = s.current_quote_id WHERE s.id = ?")
      .bind(sub.id)
      .first<{ status: string; quote_status: string }>();
    // Either the approval released the held quote (quoted + active), or it lost and both are still held.
    expect([
      ["quoted", "active"],
      ["referred", "referred"],
    ]).toContainEqual([row?.status, row?.quote_status]);
  });

  it("a quote racing a bind cannot reopen the bound submission", async () => {
    const { p, sub } = await quotedSubmission();
    const [bound, requoted] = await Promise.all([
      bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false),
      createQuote(db(), p, sub.id),
    ]);
    const row = await env.UNDERWRITING_DB.prepare("SELECT status, current_quote_id FROM submissions WHERE id = ?").bind(sub.id).first<{ status: string; current_quote_id: string }>();
    if (bound.ok) {
      expect(row?.status).toBe("bound");
      expect(requoted.ok).toBe(false);
    } else {
      expect(row?.status).toBe("quoted");
    }
    // Whatever happened, the submission's current quote is the one its state says.
    const quote = await env.UNDERWRITING_DB.prepare("SELECT status FROM quotes WHERE id = ?").bind(row?.current_quote_id).first<{ status: string }>();
    expect(quote?.status).toBe(row?.status === "bound" ? "bound" : "active");
  });

  it("two binds of one submission under delegated authority count its premium once", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    const da = unwrap(
      await createDaAgreement(db(), p, contractorsAgreement() as Parameters<typeof createDaAgreement>[2]),
    );
    const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
    const quote = unwrap(await createQuote(db(), p, sub.id));
    expect(quote.authority.daAgreementId).toBe(da.id);

    const binds = await Promise.all([1, 2].map(() => bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false)));
    expect(binds.filter((b) => b.ok)).toHaveLength(1);
    const ledger = await env.DA_LEDGER.getByName(da.id).snapshot();
    expect(ledger.writtenCents).toBe(Math.round(quote.grossPremium * 100));
  });

  it("two endorsements of one policy under delegated authority: one commits, the loser's reserved premium is given back", async () => {
    const { p, da, policyId } = await daBoundPolicy();
    const results = await Promise.all(
      [9_000_000, 10_000_000].map((annualRevenue) => endorsePolicy(db(), workerEnv, p, policyId, { effectiveDate: "2027-11-01", changes: { annualRevenue } }, false)),
    );
    // Both read version 1 before either batch, so one commits and the other is 409 (the ledger round
    // trip between read and batch does not serialise them).
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => errorOf(r).code)).toEqual(["conflict"]);
    const written = await env.UNDERWRITING_DB.prepare("SELECT written_premium_cents AS w FROM policies WHERE id = ?").bind(policyId).first<{ w: number }>();
    const usage = await env.UNDERWRITING_DB.prepare("SELECT written_cents AS w FROM da_agreement_usage WHERE agreement_id = ?").bind(da.id).first<{ w: number }>();
    const ledger = env.DA_LEDGER.getByName(da.id);
    expect((await ledger.snapshot()).writtenCents).toBe(written!.w);
    expect(usage!.w).toBe(written!.w);
    expect(await ledger.openReservations()).toEqual([]);
  });

  it("an endorsement referral is decided once: approval and rejection together apply the endorsement at most once", async () => {
    const { p, da, policyId } = await daBoundPolicy();
    const held = unwrap(await endorsePolicy(db(), workerEnv, p, policyId, { effectiveDate: "2027-11-01", changes: { requestedLimit: 3_000_000 } }, false));
    if (!("referral" in held) || !held.referral) throw new Error("expected the endorsement to be held");
    const manager = approverOf(p);
    const [approve, reject] = await Promise.all([
      decideReferral(db(), manager, held.referral.id, { decision: "approve" }, workerEnv),
      decideReferral(db(), manager, held.referral.id, { decision: "reject" }, workerEnv),
    ]);
    expect([approve.ok, reject.ok].filter(Boolean)).toHaveLength(1);
    const endorsements = await env.UNDERWRITING_DB.prepare("SELECT count(*) AS n FROM policy_transactions WHERE policy_id = ? AND type = 'endorsement'").bind(policyId).first<{ n: number }>();
    expect(endorsements?.n).toBe(approve.ok ? 1 : 0);
    const written = await env.UNDERWRITING_DB.prepare("SELECT written_premium_cents AS w FROM policies WHERE id = ?").bind(policyId).first<{ w: number }>();
    expect((await env.DA_LEDGER.getByName(da.id).snapshot()).writtenCents).toBe(written!.w);
    expect(await env.DA_LEDGER.getByName(da.id).openReservations()).toEqual([]);
    expect((await eventsOf(p.orgId, "referral.decided")).map((e) => e.decision)).toEqual([approve.ok ? "approve" : "reject"]);
  });
});

/** A quickstart policy bound under a fresh agreement (per-risk maximum $2,000,000, cap $1,000,000). */
async function daBoundPolicy() {
  const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
  const da = unwrap(
    await createDaAgreement(db(), p, contractorsAgreement() as Parameters<typeof createDaAgreement>[2]),
  );
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  const bound = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (bound.preview || bound.status === "referred") throw new Error("bound a preview, or held for a referral");
  return { p, da, policyId: bound.id };
}
