import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CreateRuleRequest } from "#contract/types.gen";
import type { MarketInternalRpc, MarketRpc } from "#shared/rpc";
import { MAX_DEPTH } from "../../workers/market/src/rules/rule-logic.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

// Typed as the RPC interfaces' plain answers: Workers' stub typings erase a value holding JSON of any shape (a rule's condition).
const entrypoints = exports as unknown as { MarketService: MarketRpc; MarketInternal: MarketInternalRpc };
const market = entrypoints.MarketService;
const internal = entrypoints.MarketInternal;

/** Refer Florida risks with more than $5M of revenue. */
const floridaLarge = (overrides: Partial<CreateRuleRequest> = {}): CreateRuleRequest => ({
  name: "Large Florida risks",
  condition: { and: [{ "==": [{ var: "submission.state" }, "FL"] }, { ">": [{ var: "submission.annualRevenue" }, 5_000_000] }] },
  action: { type: "refer", reason: "wind exposure" },
  ...overrides,
});

/** `n` nested `!` operations around a comparison: a condition `n + 1` operations deep. */
function nested(n: number): unknown {
  let node: unknown = { "==": [{ var: "submission.state" }, "FL"] };
  for (let i = 0; i < n; i++) node = { "!": [node] };
  return node;
}

describe("rule studio: rules CRUD and versions", () => {
  it("creates version 1, and every update is a new immutable version", async () => {
    const p = newPrincipal();
    const rule = unwrap(await market.createRule(p, floridaLarge()));
    expect(rule).toMatchObject({ id: expect.stringMatching(/^rul_/), version: 1, priority: 100, enabled: true, description: null, action: { type: "refer", reason: "wind exposure" } });
    expect(unwrap(await market.getRule(p, rule.id))).toEqual(rule);

    const v2 = unwrap(await market.updateRule(p, rule.id, { action: { type: "surcharge", factor: 1.25 }, priority: 10 }));
    expect(v2).toMatchObject({ id: rule.id, version: 2, priority: 10, action: { type: "surcharge", factor: 1.25 }, name: "Large Florida risks" });
    const v3 = unwrap(await market.updateRule(p, rule.id, { enabled: false }));
    expect(v3).toMatchObject({ version: 3, enabled: false, action: { type: "surcharge", factor: 1.25 } });

    const versions = unwrap(await market.listRuleVersions(p, rule.id));
    expect(versions.data.map((v) => [v.version, v.action.type, v.enabled, v.priority])).toEqual([
      [3, "surcharge", false, 10],
      [2, "surcharge", true, 10],
      [1, "refer", true, 100],
    ]);
    // Version 1 still says what it said.
    expect(versions.data[2]).toMatchObject({ condition: rule.condition, action: { type: "refer", reason: "wind exposure" }, deleted: false, changedBy: p.actorId });
    const first = unwrap(await market.listRuleVersions(p, rule.id, { limit: 2 }));
    expect(first.data.map((v) => v.version)).toEqual([3, 2]);
    expect(unwrap(await market.listRuleVersions(p, rule.id, { limit: 2, cursor: first.nextCursor! })).data.map((v) => v.version)).toEqual([1]);
  });

  it("lists with cursor pages and filters, and deletes keeping the versions", async () => {
    const p = newPrincipal();
    const a = unwrap(await market.createRule(p, floridaLarge({ name: "A" })));
    const b = unwrap(await market.createRule(p, floridaLarge({ name: "B", action: { type: "decline" }, enabled: false })));
    const c = unwrap(await market.createRule(p, floridaLarge({ name: "C", action: { type: "surcharge", factor: 1.1 } })));
    expect(unwrap(await market.listRules(p)).data.map((r) => r.name)).toEqual(["C", "B", "A"]);
    expect(unwrap(await market.listRules(p, { enabled: true })).data.map((r) => r.id)).toEqual([c.id, a.id]);
    expect(unwrap(await market.listRules(p, { actionType: "decline" })).data.map((r) => r.id)).toEqual([b.id]);
    const page = unwrap(await market.listRules(p, { limit: 2 }));
    expect(page.data).toHaveLength(2);
    expect(unwrap(await market.listRules(p, { limit: 2, cursor: page.nextCursor! })).data.map((r) => r.id)).toEqual([a.id]);

    unwrap(await market.deleteRule(p, c.id));
    expect(errorOf(await market.getRule(p, c.id))).toMatchObject({ code: "not_found" });
    expect(unwrap(await market.listRules(p)).data.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(errorOf(await market.updateRule(p, c.id, { name: "back" }))).toMatchObject({ code: "not_found" });
  });

  it("answers 404 for another org's rule on every operation, and lists none of it", async () => {
    const p = newPrincipal();
    const rule = unwrap(await market.createRule(p, floridaLarge()));
    const other = newPrincipal();
    for (const r of [
      await market.getRule(other, rule.id),
      await market.updateRule(other, rule.id, { name: "mine" }),
      await market.deleteRule(other, rule.id),
      await market.listRuleVersions(other, rule.id),
      await market.executeRule(other, rule.id, { context: { submission: { state: "FL" } } }),
      await market.simulateRule(other, { ruleId: rule.id, context: { submission: { state: "FL" } } }),
    ]) {
      expect(errorOf(r)).toMatchObject({ code: "not_found" });
    }
    expect(unwrap(await market.listRules(other)).data).toEqual([]);
    // Its rules never judge the other org's quotes.
    const decided = unwrap(await internal.decideRules(other.orgId, contextFL()));
    expect(decided.evaluations).toEqual([]);
    expect(unwrap(await internal.decideRules(p.orgId, contextFL())).decision).toMatchObject({ outcome: "refer", referredBy: [{ ruleId: rule.id, version: 1 }] });
    // Unchanged by the other org's attempts.
    expect(unwrap(await market.getRule(p, rule.id))).toEqual(rule);
  });
});

/** A Florida contractor with $9M of revenue, as a quote's context. */
function contextFL() {
  return {
    submission: {
      id: null, lineOfBusiness: "GL", naicsCode: "236220", naicsSector: "23", state: "FL", effectiveDate: "2027-01-01", annualRevenue: 9_000_000, requestedLimit: 1_000_000,
      deductible: null, propertyValues: null, vehicleCount: null, hazmat: false, yearsInBusiness: 4, priorLossCount: 0, priorLossTotal: 0, insuredName: "Gulf Builders", insuredEmail: null, insuredPhone: null, producerId: null,
    },
    quote: { grossPremium: 12_000, basePremium: 10_000, rateTableVersion: "GL-2026.1" },
  };
}

describe("rule studio: validation at the door", () => {
  it("refuses an operator outside the whitelist, naming its path", async () => {
    const p = newPrincipal();
    const e = errorOf(await market.createRule(p, floridaLarge({ condition: { and: [true, { method: [{ var: "submission.insuredName" }, "toUpperCase"] }] } })));
    expect(e).toMatchObject({ code: "validation_failed", details: { field: "condition.and.1.method", rule: "operator", operator: "method" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: { log: "x" } })))).toMatchObject({ details: { field: "condition.log", rule: "operator" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: { map: [[1], { var: "" }] } })))).toMatchObject({ details: { rule: "operator" } });
  });

  it("refuses a variable outside the context schema, naming its path", async () => {
    const p = newPrincipal();
    const e = errorOf(await market.createRule(p, floridaLarge({ condition: { or: [{ "==": [{ var: "submission.state" }, "FL"] }, { ">": [{ var: "submission.revenue" }, 1] }] } })));
    expect(e).toMatchObject({ code: "validation_failed", details: { field: "condition.or.1.>.0.var", rule: "variable", variable: "submission.revenue" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: { missing: ["submission.deductible", "secrets"] } })))).toMatchObject({ details: { field: "condition.missing.1", rule: "variable" } });
  });

  it("refuses what is not JsonLogic: two keys in one operation, a bare string", async () => {
    const p = newPrincipal();
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: { "==": [1, 1], "!=": [1, 2] } })))).toMatchObject({ details: { field: "condition.!=", rule: "jsonlogic" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: { and: [{ "==": [1, 1], deductable: 5 }] } })))).toMatchObject({ details: { field: "condition.and.0.deductable", rule: "operator" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: "FL" })))).toMatchObject({ details: { field: "condition", rule: "jsonlogic" } });
  });

  it(`accepts ${MAX_DEPTH} levels and refuses one more, naming the path`, async () => {
    const p = newPrincipal();
    unwrap(await market.createRule(p, floridaLarge({ condition: nested(MAX_DEPTH - 2) })));
    const e = errorOf(await market.createRule(p, floridaLarge({ condition: nested(MAX_DEPTH + 1) })));
    expect(e).toMatchObject({ code: "validation_failed", details: { rule: "max_depth", maximum: MAX_DEPTH } });
    expect(String((e.details as { field: string }).field)).toMatch(/^condition(\.!\.0)+/);
  });

  it("refuses a condition too large", async () => {
    const p = newPrincipal();
    const big = { in: [{ var: "submission.naicsCode" }, Array.from({ length: 600 }, (_, i) => String(100000 + i))] };
    expect(errorOf(await market.createRule(p, floridaLarge({ condition: big })))).toMatchObject({ code: "validation_failed", details: { rule: "max_size" } });
  });

  it("bounds a surcharge factor to 0.5–3.0 and a require to the documented fields", async () => {
    const p = newPrincipal();
    for (const factor of [0.49, 3.01]) {
      expect(errorOf(await market.createRule(p, floridaLarge({ action: { type: "surcharge", factor } })))).toMatchObject({ code: "validation_failed", details: { field: "action.factor", rule: "range" } });
    }
    expect(errorOf(await market.createRule(p, floridaLarge({ action: { type: "surcharge" } })))).toMatchObject({ details: { field: "action.factor", rule: "required" } });
    unwrap(await market.createRule(p, floridaLarge({ action: { type: "surcharge", factor: 0.5 } })));
    unwrap(await market.createRule(p, floridaLarge({ action: { type: "surcharge", factor: 3 } })));
    expect(errorOf(await market.createRule(p, floridaLarge({ action: { type: "require", field: "ssn" as never } })))).toMatchObject({ details: { field: "action.field", rule: "enum" } });
    expect(errorOf(await market.createRule(p, floridaLarge({ action: { type: "refer", factor: 2 } })))).toMatchObject({ details: { field: "action.factor", rule: "unknown_field" } });
    // An update is judged too, and a refused one changes nothing.
    const rule = unwrap(await market.createRule(p, floridaLarge()));
    expect(errorOf(await market.updateRule(p, rule.id, { condition: { "==": [{ var: "quote.netPremium" }, 1] } }))).toMatchObject({ details: { field: "condition.==.0.var", rule: "variable" } });
    expect(unwrap(await market.getRule(p, rule.id))).toEqual(rule);
  });
});
