/**
 * The org's underwriting rules at quote (workers/underwriting/src/underwriting-rules.ts), through
 * UnderwritingService against the stand-in for MarketInternal (vitest.config.ts): each decision
 * the rule studio can give and what it does to a real quote, the context quoting hands over, and
 * the fail-closed policy when market does not answer. The gateway's tests run the real rules.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import type { RuleContext, RuleDecision } from "#shared/rule-context";
import type { UnderwritingRpc } from "#shared/rpc";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

// Typed as the RPC interface the service implements: Workers' stub typings reduce its quote answers to never.
const service = () => (exports as unknown as { UnderwritingService: UnderwritingRpc }).UnderwritingService;

interface MarketStandIn {
  setRuleDecisionForTest(orgId: string, decision: RuleDecision | "down" | null): Promise<boolean>;
  decideRulesCallsForTest(orgId: string): Promise<RuleContext[]>;
}
const market = (workerEnv as unknown as { MARKET: MarketStandIn }).MARKET;

const RULE = "rul_01JRULE0000000000000000001";
const ref = (name: string, reason: string | null = null, ruleId = RULE) => ({ ruleId, version: 3, name, reason });

function decision(over: Partial<RuleDecision>): RuleDecision {
  return { outcome: "quote", declinedBy: null, referredBy: [], surcharges: [], required: [], evaluated: [], ...over };
}

async function submitted(p: Principal = newPrincipal(), overrides: Record<string, unknown> = {}) {
  const sub = unwrap(await service().createSubmission(p, { ...quickstartSubmission(), ...overrides } as never));
  return { p, sub };
}

const row = (id: string) => env.UNDERWRITING_DB.prepare("SELECT status, current_quote_id FROM submissions WHERE id = ?").bind(id).first<{ status: string; current_quote_id: string | null }>();

describe("quoting under the org's rules", () => {
  it("hands the rated risk to the rule studio and records the versions that judged it", async () => {
    const { p, sub } = await submitted();
    const plain = unwrap(await service().createQuote(p, sub.id, {}));
    expect(plain.rules).toEqual([]);
    const [context] = await market.decideRulesCallsForTest(p.orgId);
    expect(context).toMatchObject({
      submission: { id: sub.id, state: "OR", lineOfBusiness: "GL", naicsCode: "236220", naicsSector: "23", annualRevenue: 8_000_000, requestedLimit: 1_000_000, priorLossCount: 0 },
      quote: { grossPremium: plain.grossPremium, basePremium: plain.breakdown.basePremium, rateTableVersion: plain.rateTableVersion },
    });

    await market.setRuleDecisionForTest(p.orgId, decision({ evaluated: [{ ruleId: RULE, version: 3, name: "Big Florida", action: "refer", matched: false }] }));
    const judged = unwrap(await service().createQuote(p, sub.id, {}));
    expect(judged).toMatchObject({ status: "active", grossPremium: plain.grossPremium, rules: [{ ruleId: RULE, version: 3, name: "Big Florida", action: "refer", matched: false }] });
  });

  it("adds a matching surcharge to the waterfall as a rule_surcharge factor carrying the rule", async () => {
    const { p, sub } = await submitted();
    const plain = unwrap(await service().createQuote(p, sub.id, {}));
    await market.setRuleDecisionForTest(p.orgId, decision({ surcharges: [{ ...ref("Wildfire load"), factor: 1.25 }], evaluated: [{ ruleId: RULE, version: 3, name: "Wildfire load", action: "surcharge", matched: true }] }));
    const quote = unwrap(await service().createQuote(p, sub.id, {}));
    const factor = quote.breakdown.factors.at(-1)!;
    expect(factor).toMatchObject({ name: "rule_surcharge", value: "1.25", inputs: { ruleId: RULE, ruleVersion: 3, ruleName: "Wildfire load" } });
    expect(quote.breakdown.factors.slice(0, -1)).toEqual(plain.breakdown.factors);
    // The surcharge is 25% of the premium it follows, to the cent: base + every effect = gross.
    const cents = (n: number) => Math.round(n * 100);
    const before = cents(plain.breakdown.basePremium) + plain.breakdown.factors.reduce((s, f) => s + cents(f.effect), 0);
    expect(Math.abs(cents(factor.effect) - before * 0.25)).toBeLessThanOrEqual(1);
    expect(cents(quote.grossPremium)).toBe(cents(quote.breakdown.basePremium) + quote.breakdown.factors.reduce((s, f) => s + cents(f.effect), 0));
    expect(quote.grossPremium).toBeGreaterThan(plain.grossPremium);
    expect(quote.status).toBe("active");
  });

  it("holds the quote with a referral whose reasons name a matching refer rule", async () => {
    const { p, sub } = await submitted();
    await market.setRuleDecisionForTest(p.orgId, decision({ outcome: "refer", referredBy: [ref("Large contractors", "revenue over 5M")] }));
    const quote = unwrap(await service().createQuote(p, sub.id, {}));
    expect(quote).toMatchObject({ status: "referred", referralId: expect.stringMatching(/^ref_/) });
    const referral = await env.UNDERWRITING_DB.prepare("SELECT reasons FROM referrals WHERE id = ?").bind(quote.referralId).first<{ reasons: string }>();
    expect(JSON.parse(referral!.reasons)).toContain(`rule ${RULE} v3 "Large contractors": revenue over 5M`);
    expect((await row(sub.id))?.status).toBe("referred");
  });

  it("declines the submission on a matching decline: 422 naming the rule, its live quote retired, the next quote refused", async () => {
    const { p, sub } = await submitted();
    const earlier = unwrap(await service().createQuote(p, sub.id, {}));
    await market.setRuleDecisionForTest(p.orgId, decision({ outcome: "decline", declinedBy: ref("No wildfire zones", "outside appetite") }));
    const e = errorOf(await service().createQuote(p, sub.id, {}));
    expect(e).toMatchObject({ code: "declined_by_rule", details: { ruleId: RULE, ruleVersion: 3, ruleName: "No wildfire zones", reason: "outside appetite" } });
    expect(e.message).toContain(`rule ${RULE} v3 "No wildfire zones"`);
    expect((await row(sub.id))?.status).toBe("declined");
    const old = await env.UNDERWRITING_DB.prepare("SELECT status FROM quotes WHERE id = ?").bind(earlier.id).first<{ status: string }>();
    expect(old?.status).toBe("superseded");
    expect(errorOf(await service().createQuote(p, sub.id, {}))).toMatchObject({ code: "invalid_state_transition" });
    // Another org's risk is not touched by this org's decision.
    const other = await submitted();
    expect(unwrap(await service().createQuote(other.p, other.sub.id, {})).status).toBe("active");
  });

  it("refuses the quote as not ready when a matching require names an empty field, and quote-readiness lists it", async () => {
    const { p, sub } = await submitted();
    await market.setRuleDecisionForTest(p.orgId, decision({ outcome: "not_ready", required: [{ ...ref("Experience needed"), field: "yearsInBusiness", satisfied: false }] }));
    const e = errorOf(await service().createQuote(p, sub.id, {}));
    expect(e).toMatchObject({ code: "submission_not_ready", details: { failedChecks: ["required_by_rule:yearsInBusiness"], missing: ["yearsInBusiness"] } });
    const readiness = unwrap(await service().getQuoteReadiness(p, sub.id));
    expect(readiness.ready).toBe(false);
    expect(readiness.missing).toContain("yearsInBusiness");
    expect(readiness.failedChecks.map((c) => c.name)).toContain("required_by_rule:yearsInBusiness");
    expect((await row(sub.id))).toMatchObject({ status: "received", current_quote_id: null });
  });

  it("fails closed when market does not answer: 503 rules_unavailable and nothing written", async () => {
    const { p, sub } = await submitted();
    await market.setRuleDecisionForTest(p.orgId, "down");
    expect(errorOf(await service().createQuote(p, sub.id, {}))).toMatchObject({ code: "rules_unavailable" });
    expect(errorOf(await service().getQuoteReadiness(p, sub.id))).toMatchObject({ code: "rules_unavailable" });
    expect(await row(sub.id)).toEqual({ status: "received", current_quote_id: null });
    const count = await env.UNDERWRITING_DB.prepare("SELECT COUNT(*) AS n FROM quotes WHERE submission_id = ?").bind(sub.id).first<{ n: number }>();
    expect(count?.n).toBe(0);
    // Once it answers again, the same request quotes.
    await market.setRuleDecisionForTest(p.orgId, null);
    expect(unwrap(await service().createQuote(p, sub.id, {})).status).toBe("active");
  });
});

describe("renewals under the org's rules", () => {
  it("a declining rule refuses the renewal and writes nothing; market down is 503; then it renews", async () => {
    const { p, sub } = await submitted();
    unwrap(await service().createQuote(p, sub.id, {}));
    const policy = unwrap(await service().bindSubmission(p, sub.id, { installmentPlan: "PIF" }, false)) as unknown as { id: string };
    const renewals = async () => (await env.UNDERWRITING_DB.prepare("SELECT COUNT(*) AS n FROM submissions WHERE renewal_of_policy_id = ?").bind(policy.id).first<{ n: number }>())?.n;

    await market.setRuleDecisionForTest(p.orgId, decision({ outcome: "decline", declinedBy: ref("Non-renew contractors") }));
    expect(errorOf(await service().renewPolicy(p, policy.id))).toMatchObject({ code: "declined_by_rule", details: { ruleId: RULE, ruleVersion: 3 } });
    expect(await renewals()).toBe(0);
    await market.setRuleDecisionForTest(p.orgId, "down");
    expect(errorOf(await service().renewPolicy(p, policy.id))).toMatchObject({ code: "rules_unavailable" });
    expect(await renewals()).toBe(0);
    await market.setRuleDecisionForTest(p.orgId, decision({ surcharges: [{ ...ref("Renewal load"), factor: 1.1 }], evaluated: [{ ruleId: RULE, version: 3, name: "Renewal load", action: "surcharge", matched: true }] }));
    const renewed = unwrap(await service().renewPolicy(p, policy.id)) as unknown as { quote: { rules: unknown[]; breakdown: { factors: { name: string }[] } } };
    expect(renewed.quote.rules).toEqual([{ ruleId: RULE, version: 3, name: "Renewal load", action: "surcharge", matched: true }]);
    expect(renewed.quote.breakdown.factors.map((f) => f.name)).toContain("rule_surcharge");
    expect(await renewals()).toBe(1);
  });
});

describe("rule facts for the rule studio", () => {
  it("reads a submission as its rules see it, with its live quote's premium before rule surcharges; another org's is 404", async () => {
    const { p, sub } = await submitted();
    const plain = unwrap(await service().createQuote(p, sub.id, {}));
    await market.setRuleDecisionForTest(p.orgId, decision({ surcharges: [{ ...ref("Load"), factor: 2 }] }));
    const surcharged = unwrap(await service().createQuote(p, sub.id, {}));
    const facts = unwrap(await service().ruleFactsOf(p, sub.id));
    expect(facts).toMatchObject({ submissionId: sub.id, status: "quoted", grossPremium: surcharged.grossPremium, context: { submission: { id: sub.id, state: "OR" }, quote: { grossPremium: plain.grossPremium } } });
    expect(errorOf(await service().ruleFactsOf(newPrincipal(), sub.id))).toMatchObject({ code: "not_found" });

    const second = await submitted(p, { insuredName: "Second Co" });
    const recent = unwrap(await service().recentRuleFacts(p, 10));
    expect(recent.map((f) => f.submissionId)).toEqual([second.sub.id, sub.id]);
    expect(unwrap(await service().recentRuleFacts(newPrincipal(), 10))).toEqual([]);
  });
});
