/**
 * The auto-bind premium limit (`underwriting.auto_bind_max_premium`) at bind, against a stand-in for
 * the producers worker's evaluator: a quote above the org's limit is held as outside authority, and a
 * bind above it opens a referral instead of a policy (the preview says so and opens nothing), the premium at the limit binds, an approved
 * referral releases the quote, a flag read that fails writes nothing, and the limit is per org.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { UnderwritingEnv } from "../../workers/underwriting/src/env.ts";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { decideReferral, listReferrals } from "../../workers/underwriting/src/referrals.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { standInFlags } from "../support/flags.ts";
import { approverOf, newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);

async function quoted() {
  const p = newPrincipal();
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  const quote = unwrap(await createQuote(db(), p, sub.id));
  const flags = standInFlags();
  const uwEnv = { ...workerEnv, PRODUCERS: flags } as unknown as UnderwritingEnv;
  return { p, sub, quote, flags, uwEnv };
}

const statusOf = (id: string) => env.UNDERWRITING_DB.prepare("SELECT s.status, q.status AS quote_status, q.referral_id FROM submissions s JOIN quotes q ON q.id = s.current_quote_id WHERE s.id = ?").bind(id).first<{ status: string; quote_status: string; referral_id: string | null }>();
const policiesOf = async (orgId: string) => (await env.UNDERWRITING_DB.prepare("SELECT id FROM policies WHERE org_id = ?").bind(orgId).all()).results.length;

describe("the auto-bind premium limit", () => {
  it("binds at the limit, and only the org's own limit counts", async () => {
    const { p, sub, quote, flags, uwEnv } = await quoted();
    flags.set(p.orgId, "underwriting.auto_bind_max_premium", quote.grossPremium);
    flags.set(newPrincipal().orgId, "underwriting.auto_bind_max_premium", 0);
    const bound = unwrap(await bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, false));
    expect(bound).toMatchObject({ preview: false, status: "active", grossPremium: quote.grossPremium });
    expect(flags.calls).toEqual([p.orgId]);
  });

  it("opens a referral instead of binding above it (the preview says so and opens none), and binds once it is approved", async () => {
    const { p, sub, quote, flags, uwEnv } = await quoted();
    const limit = Math.floor(quote.grossPremium / 2);
    flags.set(p.orgId, "underwriting.auto_bind_max_premium", limit);
    const money = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const reason = `gross premium ${money(quote.grossPremium)} is above the org's auto-bind maximum ${money(limit)} (flag underwriting.auto_bind_max_premium)`;

    const preview = unwrap(await bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, true));
    expect(preview).toEqual({ preview: true, status: "referred", referral: null, reasons: [reason], grossPremium: quote.grossPremium, autoBindMaxPremium: limit, currency: "USD" });
    expect(await statusOf(sub.id)).toMatchObject({ status: "quoted", quote_status: "active" });

    const held = unwrap(await bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, false));
    expect(held).toMatchObject({ preview: false, status: "referred", reasons: [reason], referral: { status: "pending", submissionId: sub.id, quoteId: quote.id, reasons: [reason] } });
    if (!("referral" in held) || !held.referral) throw new Error("expected a referral");
    expect(await statusOf(sub.id)).toEqual({ status: "referred", quote_status: "referred", referral_id: held.referral.id });
    expect(await policiesOf(p.orgId)).toBe(0);
    expect(unwrap(await listReferrals(db(), p, { limit: 10 })).data.map((r) => r.id)).toEqual([held.referral.id]);
    const created = await env.UNDERWRITING_DB.prepare("SELECT data FROM events WHERE org_id = ? AND type = 'referral.created'").bind(p.orgId).all<{ data: string }>();
    expect(created.results.map((r) => JSON.parse(r.data))).toEqual([{ referralId: held.referral.id, submissionId: sub.id, quoteId: quote.id, reasons: [reason] }]);

    unwrap(await decideReferral(db(), approverOf(p), held.referral.id, { decision: "approve" }));
    // The limit still stands, but an underwriter released this very quote.
    const bound = unwrap(await bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, false));
    expect(bound).toMatchObject({ preview: false, status: "active", grossPremium: quote.grossPremium });
    expect(await policiesOf(p.orgId)).toBe(1);
  });

  it("holds a quote above the limit as outside authority, naming it, and its approval releases the bind", async () => {
    const p = newPrincipal();
    const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
    const first = unwrap(await createQuote(db(), p, sub.id));
    expect(first).toMatchObject({ status: "active", authority: { withinAuthority: true, reasons: [] } });
    const limitCents = 100_000;
    const held = unwrap(await createQuote(db(), p, sub.id, { autoBindMaxCents: limitCents }));
    const reason = `gross premium ${held.grossPremium.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} is above the org's auto-bind maximum 1,000.00 (flag underwriting.auto_bind_max_premium)`;
    expect(held).toMatchObject({ status: "referred", authority: { withinAuthority: false, reasons: [reason] } });
    const referral = unwrap(await listReferrals(db(), p, { limit: 10 })).data;
    expect(referral).toMatchObject([{ id: held.referralId, status: "pending", quoteId: held.id, reasons: [reason] }]);

    unwrap(await decideReferral(db(), approverOf(p), held.referralId!, { decision: "approve" }));
    const flags = standInFlags();
    flags.set(p.orgId, "underwriting.auto_bind_max_premium", limitCents / 100);
    const uwEnv = { ...workerEnv, PRODUCERS: flags } as unknown as UnderwritingEnv;
    expect(unwrap(await bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, false))).toMatchObject({ preview: false, status: "active" });
  });

  it("writes nothing when the flags cannot be read", async () => {
    const { p, sub, flags, uwEnv } = await quoted();
    flags.down = true;
    await expect(bindSubmission(db(), uwEnv, p, sub.id, { installmentPlan: "PIF" }, false)).rejects.toThrow(/flags could not be read/);
    expect(await statusOf(sub.id)).toMatchObject({ status: "quoted", quote_status: "active" });
    expect(await policiesOf(p.orgId)).toBe(0);
  });
});
