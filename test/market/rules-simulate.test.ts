import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MarketRpc } from "#shared/rpc";
import { surchargedPremium } from "../../workers/market/src/rules/rules.service.ts";
import type { SubmissionRuleFacts } from "../../workers/_shared/rpc.ts";
import { ruleContextOf } from "../../workers/_shared/rule-context.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

// Typed as the RPC interface's plain answers: Workers' stub typings erase a value holding JSON of any shape (a rule's condition).
const market = (exports as unknown as { MarketService: MarketRpc }).MarketService;

const CONDITION = { and: [{ "==": [{ var: "submission.state" }, "FL"] }, { ">": [{ var: "submission.annualRevenue" }, 5_000_000] }] };

/** A stored submission's rule facts, as underwriting builds them. */
function facts(id: string, state: string, annualRevenue: number, grossPremium: number | null, extra: Partial<Parameters<typeof ruleContextOf>[0]> = {}): SubmissionRuleFacts {
  const sub = {
    id, lineOfBusiness: "GL", naicsCode: "236220", state, effectiveDate: "2027-01-01", annualRevenue, requestedLimit: 1_000_000, deductible: null, propertyValues: null,
    vehicleCount: null, hazmat: false, yearsInBusiness: 5, priorLosses: [], insuredName: `Insured ${id}`, insuredEmail: null, producerId: null, ...extra,
  };
  return { submissionId: id, insuredName: sub.insuredName, status: grossPremium === null ? "received" : "quoted", grossPremium, context: ruleContextOf(sub, grossPremium === null ? null : { grossPremium, basePremium: grossPremium, rateTableVersion: "GL-2026.1" }) };
}

describe("rule studio: simulate", () => {
  it("traces which conditions held for a draft on given facts", async () => {
    const p = newPrincipal();
    const sim = unwrap(await market.simulateRule(p, { rule: { condition: CONDITION, action: { type: "refer" } }, context: { submission: { state: "FL", annualRevenue: 4_000_000 } } }));
    expect(sim).toMatchObject({ dryRun: true, rule: { ruleId: null, version: null, name: "Draft rule" }, summary: { evaluated: 1, matched: 0, referred: 0 } });
    const [result] = sim.results;
    expect(result).toMatchObject({ submissionId: null, matched: false, effect: "none" });
    expect(result!.trace).toEqual([
      { path: "", operator: "and", result: false },
      { path: "and.0", operator: "==", result: true, variables: { "submission.state": "FL" } },
      { path: "and.1", operator: ">", result: false, variables: { "submission.annualRevenue": 4_000_000 } },
    ]);
    const held = unwrap(await market.simulateRule(p, { rule: { condition: CONDITION, action: { type: "refer" } }, context: { submission: { state: "FL", annualRevenue: 6_000_000 } } }));
    expect(held.results[0]).toMatchObject({ matched: true, effect: "referred" });
    expect(held.results[0]!.trace[0]).toEqual({ path: "", operator: "and", result: true });
  });

  it("shows which of the org's recent submissions a stored rule would decline, refer or price differently, changing nothing", async () => {
    const p = newPrincipal();
    const rule = unwrap(await market.createRule(p, { name: "Florida wind load", condition: CONDITION, action: { type: "surcharge", factor: 1.35 } }));
    const recent = [facts("sub_a", "FL", 9_000_000, 12_345.67), facts("sub_b", "GA", 9_000_000, 8_000), facts("sub_c", "FL", 6_000_000, null)];
    const sim = unwrap(await market.simulateRule(p, { ruleId: rule.id, against: "recent_submissions" }, recent));
    expect(sim.rule).toMatchObject({ ruleId: rule.id, version: 1, name: "Florida wind load" });
    expect(sim.summary).toEqual({ evaluated: 3, matched: 2, declined: 0, referred: 0, surcharged: 2, requiredFieldMissing: 0 });
    expect(sim.results.map((r) => [r.submissionId, r.effect, r.grossPremium, r.simulatedGrossPremium])).toEqual([
      ["sub_a", "surcharged", 12_345.67, 16_666.65],
      ["sub_b", "none", 8_000, null],
      ["sub_c", "surcharged", null, null],
    ]);
    // 12,345.67 × 1.35 = 16,666.6545 → 16,666.65 (half-up at the cent).
    expect(surchargedPremium(12_345.67, 1.35)).toBe(16_666.65);
    expect(surchargedPremium(100.01, 1.5)).toBe(150.02);
    expect(unwrap(await market.getRule(p, rule.id))).toEqual(rule);
  });

  it("judges require rules against the field", async () => {
    const p = newPrincipal();
    const sim = unwrap(
      await market.simulateRule(p, { rule: { condition: { ">": [{ var: "submission.requestedLimit" }, 500_000] }, action: { type: "require", field: "yearsInBusiness" } }, against: "recent_submissions" }, [
        facts("sub_a", "FL", 1, null, { yearsInBusiness: null }),
        facts("sub_b", "FL", 1, null, { yearsInBusiness: 3 }),
      ]),
    );
    expect(sim.results.map((r) => r.effect)).toEqual(["required_field_missing", "required_field_present"]);
    expect(sim.summary.requiredFieldMissing).toBe(1);
  });

  it("refuses a body that gives both or neither of rule and ruleId, or facts outside the context", async () => {
    const p = newPrincipal();
    const draft = { condition: CONDITION, action: { type: "refer" as const } };
    expect(errorOf(await market.simulateRule(p, { context: {} }))).toMatchObject({ code: "validation_failed", details: { field: "ruleId", rule: "exclusive" } });
    expect(errorOf(await market.simulateRule(p, { rule: draft }))).toMatchObject({ details: { field: "context", rule: "exclusive" } });
    expect(errorOf(await market.simulateRule(p, { rule: draft, context: { submission: { revenue: 1 } } }))).toMatchObject({ details: { field: "context.submission.revenue", rule: "unknown_field" } });
    expect(errorOf(await market.simulateRule(p, { rule: draft, context: { submission: { annualRevenue: "lots" } } }))).toMatchObject({ details: { field: "context.submission.annualRevenue", rule: "type" } });
    expect(errorOf(await market.simulateRule(p, { rule: { ...draft, condition: { method: [] } }, context: {} }))).toMatchObject({ details: { field: "rule.condition.method", rule: "operator" } });
  });
});

describe("rule studio: execute", () => {
  it("judges the org's enabled rules by priority and combines them as quoting does", async () => {
    const p = newPrincipal();
    const refer = unwrap(await market.createRule(p, { name: "Big Florida", condition: CONDITION, action: { type: "refer", reason: "wind" }, priority: 20 }));
    const load = unwrap(await market.createRule(p, { name: "Florida load", condition: { "==": [{ var: "submission.state" }, "FL"] }, action: { type: "surcharge", factor: 1.2 }, priority: 10 }));
    unwrap(await market.createRule(p, { name: "Disabled decline", condition: true, action: { type: "decline" }, enabled: false }));
    const run = unwrap(await market.executeRules(p, { context: { submission: { state: "FL", annualRevenue: 9_000_000 } } }));
    expect(run.evaluations.map((e) => [e.name, e.matched])).toEqual([["Florida load", true], ["Big Florida", true]]);
    expect(run.decision).toEqual({
      outcome: "refer",
      declinedBy: null,
      referredBy: [{ ruleId: refer.id, version: 1, name: "Big Florida", reason: "wind" }],
      surcharges: [{ ruleId: load.id, version: 1, name: "Florida load", reason: null, factor: 1.2 }],
      required: [],
    });
    // A decline of lower priority number decides over the referral.
    const decline = unwrap(await market.createRule(p, { name: "No FL roofers", condition: { "==": [{ var: "submission.naicsCode" }, "238160"] }, action: { type: "decline" }, priority: 50 }));
    const roofer = unwrap(await market.executeRules(p, { context: { submission: { state: "FL", naicsCode: "238160", annualRevenue: 9_000_000 } } }));
    expect(roofer.decision).toMatchObject({ outcome: "decline", declinedBy: { ruleId: decline.id, version: 1 } });
    // One rule alone, enabled or not.
    const one = unwrap(await market.executeRule(p, decline.id, { context: { submission: { naicsCode: "238160" } } }));
    expect(one.evaluations).toHaveLength(1);
    expect(one.decision.outcome).toBe("decline");
    expect(errorOf(await market.executeRules(p, {}))).toMatchObject({ details: { field: "submissionId", rule: "required" } });
    expect(errorOf(await market.executeRules(p, { submissionId: "sub_01J00000000000000000000000" }))).toMatchObject({ code: "not_found", details: { field: "submissionId" } });
  });
});
