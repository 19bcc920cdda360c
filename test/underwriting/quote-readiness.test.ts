/**
 * Quote readiness is enforced when quoting, on the org's clock: a blocking check refuses the quote
 * (`submission_not_ready`, naming the checks) and stores nothing; cover starting before today, up to
 * 60 days back, is quoted but held for a referral (`backdated_effective_date`).
 *
 * Submissions are created with cover starting ahead and the org's clock is then moved on, so the
 * cover becomes backdated the way it does in practice (intake refuses a date already far in the past).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { testClockOffsetMs, testDay } from "../support/clock.ts";
import { approverOf, newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;
const DAY = 86_400_000;

/** The same principal, `days` later on its org's clock. */
const later = (p: Principal, days: number): Principal => ({ ...p, clockOffsetMs: testClockOffsetMs() + days * DAY });

type Input = Parameters<UnderwritingService["createSubmission"]>[1];
const submission = (overrides: Partial<Input> = {}): Input => ({
  insuredName: "Backdate Builders",
  naicsCode: "236220",
  annualRevenue: 2_000_000,
  requestedLimit: 1_000_000,
  effectiveDate: testDay(5),
  state: "OR",
  lineOfBusiness: "GL",
  yearsInBusiness: 8,
  insuredEmail: "risk@backdate.example",
  ...overrides,
});

interface QuoteView {
  id: string;
  status: string;
  referralId: string | null;
  authority: { withinAuthority: boolean; reasons: string[] };
}
const quote = async (p: Principal, id: string) => (await service().createQuote(p, id, {})) as unknown as { ok: true; value: QuoteView } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

const count = async (table: "quotes" | "referrals", submissionId: string) =>
  (await env.UNDERWRITING_DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE submission_id = ?`).bind(submissionId).first<{ n: number }>())?.n;

describe("quoting enforces readiness", () => {
  it("cover starting ten days before today is quoted, held for a backdating referral, and bindable once another principal approves", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission()));
    const at = later(p, 15);
    const readiness = unwrap(await service().getQuoteReadiness(at, sub.id));
    expect(readiness.failedChecks.map((c) => [c.name, c.blocking])).toEqual([["effective_date_in_past", false]]);

    const held = unwrap(await quote(at, sub.id));
    expect(held).toMatchObject({ status: "referred", authority: { withinAuthority: true, reasons: [] } });
    const referral = unwrap(await service().listReferrals(at, { submissionId: sub.id })).data;
    expect(referral).toHaveLength(1);
    expect(referral[0]).toMatchObject({ id: held.referralId, quoteId: held.id, status: "pending", reasons: ["backdated_effective_date"], createdBy: p.actorId });
    expect(unwrap(await service().getSubmission(at, sub.id)).status).toBe("referred");
    expect(errorOf(await service().bindSubmission(at, sub.id, { installmentPlan: "PIF" }, true)).code).toBe("invalid_state_transition");

    unwrap(await service().decideReferral(approverOf(at), held.referralId!, { decision: "approve" }));
    expect(unwrap(await service().bindSubmission(at, sub.id, { installmentPlan: "PIF" }, true))).toMatchObject({ preview: true });
  });

  it("60 days back is still quoted (referred); 61 days back is refused, naming the check, and stores nothing", async () => {
    const p = newPrincipal(newId("org"));
    const edge = unwrap(await service().createSubmission(p, submission({ effectiveDate: testDay(0) })));
    expect(unwrap(await quote(later(p, 60), edge.id)).status).toBe("referred");

    const past = unwrap(await service().createSubmission(p, submission({ effectiveDate: testDay(0) })));
    const refused = errorOf(await quote(later(p, 61), past.id));
    expect(refused.code).toBe("submission_not_ready");
    expect(refused.details).toMatchObject({ failedChecks: ["effective_date_over_60_days_past"] });
    expect(refused.message).toContain("61 days before");
    expect(await count("quotes", past.id)).toBe(0);
    expect(await count("referrals", past.id)).toBe(0);
    expect(unwrap(await service().getSubmission(later(p, 61), past.id))).toMatchObject({ status: "received", currentQuoteId: null });
    // Readiness says the same: not ready, and the failed blocking check is named.
    const readiness = unwrap(await service().getQuoteReadiness(later(p, 61), past.id));
    expect(readiness.ready).toBe(false);
    expect(readiness.failedChecks.filter((c) => c.blocking).map((c) => c.name)).toEqual(["effective_date_over_60_days_past"]);
  });

  it("a line's missing exposure blocks the quote (422 naming lob_exposure_missing) rather than failing in the rater", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission({ lineOfBusiness: "PROP", naicsCode: "531120" })));
    expect(unwrap(await service().getSubmission(p, sub.id)).triage).toMatchObject({ ready: false, flags: ["lob_exposure_missing"] });
    const refused = errorOf(await quote(p, sub.id));
    expect(refused).toMatchObject({ code: "submission_not_ready", details: { failedChecks: ["lob_exposure_missing"] } });
  });

  it("backdated and outside authority: one referral carries both reasons", async () => {
    const p = newPrincipal(newId("org"));
    unwrap(await service().createDaAgreement(p, { carrier: "Cascade Mutual", program: "GL", maxLimitPerRisk: 2_000_000, states: ["WA"], naicsPrefixes: ["23"], aggregateCap: 1_000_000 }));
    const sub = unwrap(await service().createSubmission(p, submission()));
    const held = unwrap(await quote(later(p, 10), sub.id));
    expect(held).toMatchObject({ status: "referred", authority: { withinAuthority: false } });
    const [referral] = unwrap(await service().listReferrals(p, { submissionId: sub.id })).data;
    expect(referral!.reasons).toEqual(["state OR is not delegated", "backdated_effective_date"]);
  });

  it("cover starting today or ahead is quoted as before: active, no referral", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission({ effectiveDate: testDay(0) })));
    expect(unwrap(await quote(p, sub.id))).toMatchObject({ status: "active", referralId: null });
    expect(await count("referrals", sub.id)).toBe(0);
  });

  it("renewals pass the same gate: ten days after expiry the renewal is referred, seventy days after it is refused", async () => {
    const p = newPrincipal(newId("org"));
    const bound = async (name: string) => {
      const sub = unwrap(await service().createSubmission(p, submission({ effectiveDate: testDay(0), insuredName: name })));
      unwrap(await quote(p, sub.id));
      return unwrap(await service().bindSubmission(p, sub.id, { installmentPlan: "PIF" }, false)) as unknown as { id: string };
    };
    const lapsed = await bound("Lapsed Ten");
    const renewal = unwrap(await service().renewPolicy(later(p, 375), lapsed.id)) as unknown as { quote: QuoteView };
    expect(renewal.quote.status).toBe("referred");
    expect(unwrap(await service().listReferrals(p, {})).data.map((r) => r.reasons)).toEqual([["backdated_effective_date"]]);

    const longLapsed = await bound("Lapsed Seventy");
    const refused = errorOf(await service().renewPolicy(later(p, 435), longLapsed.id));
    expect(refused).toMatchObject({ code: "submission_not_ready", details: { failedChecks: ["effective_date_over_60_days_past"] } });
  });
});
