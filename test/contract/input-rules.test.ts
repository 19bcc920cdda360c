/**
 * The contract and the shared validator (workers/_shared/input.ts) describe one set of input rules
 * (issue 10 §2): every request body is closed, every money field is bounded and known to the
 * validator as money, every coverage date is known as one, and every string has a length bound.
 * A later domain that adds a body field the validator would not classify fails here, not in production.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_DIR, listOperations } from "../../scripts/gen-contract.ts";
import { COVERAGE_DATE_FIELDS, EXPIRY_DATE_FIELDS, FACTOR_FIELDS, INPUT_RULES, MONEY_FIELDS, PAST_DATE_FIELDS, PERCENT_FIELDS, YEAR_FIELDS, checkInputRules, cleanInput, coverageWindow } from "../../workers/_shared/input.ts";

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  maximum?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
};

const doc = JSON.parse(readFileSync(join(GENERATED_DIR, "openapi.json"), "utf8")) as Record<string, unknown> & { components: { schemas: Record<string, Schema> } };
const resolve = (s: Schema): Schema => (s.$ref ? resolve(doc.components.schemas[decodeURIComponent(s.$ref.split("/").pop()!)]!) : s);

/** Operations mounted with `rawRoute` (workers/gateway/src/http/route.ts): their body is not the pipeline's. */
const RAW_BODY_OPERATIONS = new Set(["receiveStripeWebhook"]);

/** Every (operation, dotted field, property schema) reachable from a JSON request body, and every object schema. */
function requestFields() {
  const fields: { op: string; field: string; name: string; schema: Schema }[] = [];
  const objects: { op: string; field: string; schema: Schema }[] = [];
  const walk = (op: string, s: Schema, field: string, name: string, depth: number) => {
    if (depth > 12) return;
    const schema = resolve(s);
    for (const member of [...(schema.anyOf ?? []), ...(schema.allOf ?? []), ...(schema.oneOf ?? [])]) walk(op, member, field, name, depth + 1);
    if (schema.properties) {
      objects.push({ op, field, schema });
      for (const [key, property] of Object.entries(schema.properties)) walk(op, property, field ? `${field}.${key}` : key, key, depth + 1);
      return;
    }
    if (schema.items) return walk(op, schema.items, `${field}[]`, name, depth + 1);
    if (schema.type) fields.push({ op, field, name, schema });
  };
  for (const { op } of listOperations(doc)) {
    // A raw route's body never meets the validator: its own code reads the bytes (Stripe's signed
    // events, open by design, since Stripe adds fields and the signature covers them as sent).
    if (RAW_BODY_OPERATIONS.has(op.operationId!)) continue;
    const json = (op.requestBody?.content as Record<string, { schema: Schema }> | undefined)?.["application/json"];
    if (json) walk(op.operationId!, json.schema, "", "", 0);
  }
  return { fields, objects };
}

describe("the contract carries the input rules", () => {
  const { fields, objects } = requestFields();

  it("finds the request bodies", () => {
    expect(objects.length).toBeGreaterThan(20);
    expect(fields.some((f) => f.op === "createSubmission" && f.field === "priorLosses[].amount")).toBe(true);
  });

  it("every object a request body can hold is closed: an unknown field is refused, not dropped", () => {
    expect(objects.filter((o) => o.schema.additionalProperties !== false).map((o) => `${o.op}: ${o.field || "body"}`)).toEqual([]);
  });

  it("every fractional number in a request body is money the validator knows, bounded by the contract at the stated maximum", () => {
    const numbers = fields.filter((f) => f.schema.type === "number");
    expect(numbers.length).toBeGreaterThan(5);
    for (const f of numbers) {
      // Percentages (commission rates) are the validator's too, within 0-100 and bounded tighter by the contract.
      if (PERCENT_FIELDS.has(f.name)) {
        expect(f.schema.minimum, `${f.op}: ${f.field}`).toBe(0);
        expect(f.schema.maximum, `${f.op}: ${f.field}`).toBeLessThanOrEqual(100);
        continue;
      }
      // Factors (a rule's surcharge) are the validator's too (four decimals), bounded by the contract to 0.5-3.
      if (FACTOR_FIELDS.has(f.name)) {
        expect(f.schema.minimum, `${f.op}: ${f.field}`).toBe(0.5);
        expect(f.schema.maximum, `${f.op}: ${f.field}`).toBe(3);
        continue;
      }
      expect(MONEY_FIELDS.has(f.name), `${f.op}: ${f.field} is a number the validator does not know as money`).toBe(true);
      expect(f.schema.maximum, `${f.op}: ${f.field}`).toBe(INPUT_RULES.maxMoney);
      expect((f.schema.minimum ?? f.schema.exclusiveMinimum) === 0, `${f.op}: ${f.field} has no lower bound`).toBe(true);
    }
  });

  it("every integer in a request body has both bounds", () => {
    for (const f of fields.filter((x) => x.schema.type === "integer")) {
      expect(f.schema.maximum, `${f.op}: ${f.field}`).toBeTypeOf("number");
      expect(f.schema.minimum ?? f.schema.exclusiveMinimum, `${f.op}: ${f.field}`).toBeTypeOf("number");
      if (YEAR_FIELDS.has(f.name)) expect(f.schema.minimum, `${f.op}: ${f.field}`).toBe(INPUT_RULES.earliestYear);
    }
  });

  it("every date in a request body is a coverage date the validator holds to its window, or a past event's date held to today", () => {
    for (const f of fields.filter((x) => x.schema.format === "date")) {
      expect(COVERAGE_DATE_FIELDS.has(f.name) || PAST_DATE_FIELDS.has(f.name) || EXPIRY_DATE_FIELDS.has(f.name), `${f.op}: ${f.field} is a date the validator does not know`).toBe(true);
    }
  });

  it("every string in a request body has a length bound (a maximum, an enum, a pattern or a fixed format)", () => {
    const unbounded = fields
      .filter((f) => f.schema.type === "string")
      .filter((f) => f.schema.maxLength === undefined && !f.schema.enum && !f.schema.pattern && !["date", "date-time"].includes(f.schema.format ?? ""));
    expect(unbounded.map((f) => `${f.op}: ${f.field}`)).toEqual([]);
  });

  it("the API description states the rules the validator applies", () => {
    const description = (doc.info as { description?: string }).description ?? "";
    expect(description).toContain("## Input rules");
    expect(description).toContain("1,000,000,000.00");
    expect(description).toContain("Received unknown parameter");
  });
});

describe("the shared validator", () => {
  it("trims, drops blanks, and refuses controls, bidi overrides and lone surrogates", () => {
    expect(cleanInput({ a: "  x  ", b: "   ", c: ["y "], d: { e: "" } })).toEqual({ value: { a: "x", c: ["y"], d: {} }, issues: [] });
    for (const bad of ["a\u0000", "\u202E", "\u2069", "\u0085", "\u007F", "\uD800x"]) {
      expect(cleanInput({ insuredName: bad }).issues.map((i) => i.field)).toEqual(["insuredName"]);
    }
    expect(cleanInput({ notes: "a\n\tb\r\n" }).issues).toEqual([]);
    expect(cleanInput({ insuredName: "a\nb" }).issues[0]?.rule).toBe("control_character");
    const proto = cleanInput(JSON.parse('{"__proto__": {"polluted": 1}}')).value as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("lists a bounded number of issues however many a body breaks", () => {
    const { issues } = cleanInput({ names: Array.from({ length: 10_000 }, () => "a\u0000") });
    expect(issues).toHaveLength(INPUT_RULES.maxIssues);
    let deep: unknown = "x";
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(cleanInput(deep).issues).toEqual([expect.objectContaining({ rule: "depth" })]);
  });

  it("holds money, coverage dates, years and the deductible to their bounds", () => {
    const today = "2026-12-01";
    expect(coverageWindow(today)).toEqual({ earliest: "2026-10-02", latest: "2028-06-01" });
    const rules = (body: unknown) => checkInputRules(body, today).map((i) => `${i.field}:${i.rule}`);
    expect(rules({ annualRevenue: 1_000_000_000, deductible: 999.99, requestedLimit: 1000, effectiveDate: "2026-10-02" })).toEqual([]);
    expect(rules({ annualRevenue: 1_000_000_000.01 })).toEqual(["annualRevenue:money_max"]);
    expect(rules({ annualRevenue: 1.005 })).toEqual(["annualRevenue:money_precision"]);
    expect(rules({ effectiveDate: "2026-10-01" })).toEqual(["effectiveDate:coverage_window"]);
    expect(rules({ effectiveDate: "2028-06-02" })).toEqual(["effectiveDate:coverage_window"]);
    expect(rules({ deductible: 1000, requestedLimit: 1000 })).toEqual(["deductible:deductible_below_limit"]);
    expect(rules({ priorLosses: [{ year: 2027, amount: 1 }] })).toEqual(["priorLosses.0.year:year_range"]);
    expect(rules({ changes: { deductible: 5, requestedLimit: 4 } })).toEqual(["changes.deductible:deductible_below_limit"]);
  });
});
