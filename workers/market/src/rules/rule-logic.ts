/**
 * The rule studio's logic, pure: a rule's JsonLogic condition and action validated at the door,
 * judged against a {@link RuleContext} with a trace, and the org's judged rules combined into the
 * one decision quoting applies. Conditions run on `json-logic-js`; only the operators of
 * {@link OPERATORS} and the variables of {@link RULE_CONTEXT_SCHEMA} are accepted, so a stored rule
 * can neither call `method`/`log` nor read a fact the context does not define.
 */
import jsonLogic from "json-logic-js";
import { fail, invalid, ok, type Result } from "#shared/errors";
import {
  REQUIRABLE_FIELDS,
  RULE_CONTEXT_SCHEMA,
  SURCHARGE_FACTOR_MAX,
  SURCHARGE_FACTOR_MIN,
  type RequirableField,
  type RuleAction,
  type RuleContext,
  type RuleDecision,
  type RuleEvaluation,
  type RuleTraceStep,
  type RuleVariable,
} from "#shared/rule-context";

/** The JsonLogic operators a rule may use: comparison, logic, arithmetic, strings and data access. */
export const OPERATORS = [
  "==", "===", "!=", "!==", ">", ">=", "<", "<=",
  "!", "!!", "and", "or", "if", "?:",
  "in", "cat", "substr",
  "+", "-", "*", "/", "%", "min", "max",
  "var", "missing", "missing_some",
] as const;
const OPERATOR_SET = new Set<string>(OPERATORS);

/** Deepest nesting of a condition (an operation inside an operation …). */
export const MAX_DEPTH = 32;
/** Most operations and literals in one condition. */
export const MAX_NODES = 500;
/** Longest condition, as JSON. */
export const MAX_CONDITION_BYTES = 16_384;
/** Longest string literal inside a condition. */
const MAX_LITERAL_LENGTH = 1_000;

const VARIABLES = RULE_CONTEXT_SCHEMA as Record<string, RuleVariable>;
const ACTION_TYPES = ["decline", "refer", "surcharge", "require"] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A variable name a rule may read, or the refusal naming `path`. */
function checkVariable(name: unknown, path: string): Result<null> {
  if (typeof name !== "string" || !(name in VARIABLES)) {
    return fail("validation_failed", `${path} reads ${JSON.stringify(name)}, which is not a variable of the rule context (see the context schema: ${Object.keys(VARIABLES).slice(0, 3).join(", ")}, …)`, {
      field: path,
      rule: "variable",
      variable: typeof name === "string" ? name : JSON.stringify(name) ?? null,
    });
  }
  return ok(null);
}

/**
 * A condition as the rule studio accepts it: valid JsonLogic of whitelisted operators over the
 * context's variables, at most {@link MAX_DEPTH} deep, {@link MAX_NODES} nodes and
 * {@link MAX_CONDITION_BYTES} long. A refusal is `validation_failed` whose `field` is the dotted path
 * of the offending node (`condition.and.1.var`).
 */
export function validateCondition(condition: unknown, field = "condition"): Result<null> {
  if (condition === undefined) return invalid(field, "required", `${field} is required`);
  const json = JSON.stringify(condition);
  if (json === undefined) return invalid(field, "jsonlogic", `${field} must be JSON`);
  if (new TextEncoder().encode(json).length > MAX_CONDITION_BYTES) {
    return fail("validation_failed", `${field} is longer than ${MAX_CONDITION_BYTES} bytes of JSON`, { field, rule: "max_size", maximum: MAX_CONDITION_BYTES });
  }
  if (!isPlainObject(condition) && typeof condition !== "boolean") {
    return invalid(field, "jsonlogic", `${field} must be a JsonLogic operation such as {"==": [{"var": "submission.state"}, "FL"]}`);
  }
  let nodes = 0;
  const walk = (node: unknown, path: string, depth: number): Result<null> => {
    if (++nodes > MAX_NODES) return fail("validation_failed", `${field} has more than ${MAX_NODES} operations and values`, { field: path, rule: "max_size", maximum: MAX_NODES });
    if (depth > MAX_DEPTH) return fail("validation_failed", `${path} nests deeper than ${MAX_DEPTH} levels`, { field: path, rule: "max_depth", maximum: MAX_DEPTH });
    if (node === null || typeof node === "boolean") return ok(null);
    if (typeof node === "number") return Number.isFinite(node) ? ok(null) : invalid(path, "number", `${path} must be a finite number`);
    if (typeof node === "string") {
      return node.length <= MAX_LITERAL_LENGTH ? ok(null) : invalid(path, "max_length", `${path} is longer than ${MAX_LITERAL_LENGTH} characters`);
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const r = walk(node[i], `${path}.${i}`, depth + 1);
        if (!r.ok) return r;
      }
      return ok(null);
    }
    if (!isPlainObject(node)) return invalid(path, "jsonlogic", `${path} is not JSON`);
    const keys = Object.keys(node);
    if (keys.length === 0) return invalid(path, "jsonlogic", `${path} must be one operation: an object with exactly one key (found none)`);
    if (keys.length > 1) {
      // Name the key that is wrong: one that is no operator at all, else the second operation.
      const stray = keys.find((k) => !OPERATOR_SET.has(k)) ?? keys[1]!;
      return fail("validation_failed", `${path} must be one operation: an object with exactly one key (found ${keys.map((k) => JSON.stringify(k)).join(", ")}); ${JSON.stringify(stray)} is not allowed here`, {
        field: `${path}.${stray}`,
        rule: OPERATOR_SET.has(stray) ? "jsonlogic" : "operator",
      });
    }
    const op = keys[0]!;
    const at = `${path}.${op}`;
    if (!OPERATOR_SET.has(op)) {
      return fail("validation_failed", `${at}: the operator ${JSON.stringify(op)} is not allowed; use one of ${OPERATORS.join(" ")}`, { field: at, rule: "operator", operator: op });
    }
    const raw = node[op];
    const args = Array.isArray(raw) ? raw : [raw];
    if (op === "var") {
      if (args.length < 1 || args.length > 2) return invalid(at, "jsonlogic", `${at} takes a variable name and an optional default`);
      const v = checkVariable(args[0], Array.isArray(raw) ? `${at}.0` : at);
      if (!v.ok) return v;
      return args.length === 2 ? walk(args[1], `${at}.1`, depth + 1) : ok(null);
    }
    if (op === "missing") {
      for (let i = 0; i < args.length; i++) {
        const v = checkVariable(args[i], Array.isArray(raw) ? `${at}.${i}` : at);
        if (!v.ok) return v;
      }
      return ok(null);
    }
    if (op === "missing_some") {
      const [need, names] = args;
      if (!Number.isInteger(need) || !Array.isArray(names)) return invalid(at, "jsonlogic", `${at} takes [count, ["variable", …]]`);
      for (let i = 0; i < names.length; i++) {
        const v = checkVariable(names[i], `${at}.1.${i}`);
        if (!v.ok) return v;
      }
      return ok(null);
    }
    for (let i = 0; i < args.length; i++) {
      const r = walk(args[i], Array.isArray(raw) ? `${at}.${i}` : at, depth + 1);
      if (!r.ok) return r;
    }
    return ok(null);
  };
  return walk(condition, field, 1);
}

/** A rule's action as the studio accepts it (the surcharge factor within its bounds, a requirable field). */
export function validateAction(action: unknown, field = "action"): Result<RuleAction> {
  if (!isPlainObject(action)) return invalid(field, "required", `${field} must be an object such as {"type": "refer"}`);
  const type = action.type;
  if (typeof type !== "string" || !(ACTION_TYPES as readonly string[]).includes(type)) {
    return invalid(`${field}.type`, "enum", `${field}.type must be one of ${ACTION_TYPES.join(", ")}`);
  }
  const allowed = new Set(["type", "reason", ...(type === "surcharge" ? ["factor"] : []), ...(type === "require" ? ["field"] : [])]);
  const unknown = Object.keys(action).find((k) => !allowed.has(k));
  if (unknown) return fail("validation_failed", `Received unknown parameter: ${field}.${unknown} (a ${type} action takes ${[...allowed].join(", ")})`, { field: `${field}.${unknown}`, rule: "unknown_field" });
  const reason = action.reason;
  if (reason !== undefined && (typeof reason !== "string" || reason.trim() === "" || reason.length > 500)) {
    return invalid(`${field}.reason`, "max_length", `${field}.reason must be 1 to 500 characters`);
  }
  const why = reason === undefined ? {} : { reason: (reason as string).trim() };
  switch (type) {
    case "decline":
    case "refer":
      return ok({ type, ...why });
    case "surcharge": {
      const factor = action.factor;
      if (typeof factor !== "number" || !Number.isFinite(factor)) return invalid(`${field}.factor`, "required", `${field}.factor is required: a number from ${SURCHARGE_FACTOR_MIN} to ${SURCHARGE_FACTOR_MAX}`);
      if (factor < SURCHARGE_FACTOR_MIN || factor > SURCHARGE_FACTOR_MAX) {
        return fail("validation_failed", `${field}.factor must be from ${SURCHARGE_FACTOR_MIN} to ${SURCHARGE_FACTOR_MAX} (got ${factor})`, { field: `${field}.factor`, rule: "range", minimum: SURCHARGE_FACTOR_MIN, maximum: SURCHARGE_FACTOR_MAX });
      }
      if (Math.abs(Math.round(factor * 10_000) - factor * 10_000) > 1e-6) {
        return invalid(`${field}.factor`, "decimals", `${field}.factor has at most four decimals`);
      }
      return ok({ type, factor, ...why });
    }
    default: {
      const f = action.field;
      if (typeof f !== "string" || !(REQUIRABLE_FIELDS as readonly string[]).includes(f)) {
        return invalid(`${field}.field`, "enum", `${field}.field must be one of ${REQUIRABLE_FIELDS.join(", ")}`);
      }
      return ok({ type: "require", field: f as RequirableField, ...why });
    }
  }
}

/**
 * A context a caller sent (simulate, execute): each variable of the schema with its type, any left
 * out read as null. Unknown keys are refused naming them (`context.submission.revenue`).
 */
export function validateContext(input: unknown, field = "context"): Result<RuleContext> {
  if (!isPlainObject(input)) return invalid(field, "required", `${field} must be an object {submission: {...}, quote?: {...}}`);
  const out: Record<string, Record<string, unknown>> = { submission: {}, quote: {} };
  for (const [group, values] of Object.entries(input)) {
    if (group !== "submission" && group !== "quote") return fail("validation_failed", `Received unknown parameter: ${field}.${group}`, { field: `${field}.${group}`, rule: "unknown_field" });
    if (!isPlainObject(values)) return invalid(`${field}.${group}`, "object", `${field}.${group} must be an object`);
    for (const [name, value] of Object.entries(values)) {
      const variable = VARIABLES[`${group}.${name}`];
      const at = `${field}.${group}.${name}`;
      if (!variable) {
        if (group === "submission" && name === "id" && (value === null || typeof value === "string")) {
          out[group]![name] = value;
          continue;
        }
        return fail("validation_failed", `Received unknown parameter: ${at} (not a variable of the rule context)`, { field: at, rule: "unknown_field" });
      }
      if (value === null ? !variable.nullable : typeof value !== variable.type || (typeof value === "number" && !Number.isFinite(value))) {
        return invalid(at, "type", `${at} must be a ${variable.type}${variable.nullable ? " or null" : ""}`);
      }
      out[group]![name] = value;
    }
  }
  for (const name of Object.keys(VARIABLES)) {
    const [group, key] = name.split(".") as ["submission" | "quote", string];
    if (!(key in out[group]!)) out[group]![key] = null;
  }
  if (!("id" in out.submission!)) out.submission!.id = null;
  return ok(out as unknown as RuleContext);
}

type Scalar = string | number | boolean | null;

/** A JsonLogic value as a trace shows it: scalars as they are, NaN as null, lists and objects as JSON. */
function scalar(value: unknown): Scalar {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  return JSON.stringify(value) ?? null;
}

/** The value of a dotted variable in the context. */
function read(context: RuleContext, name: string): Scalar {
  const [group, key] = name.split(".") as [keyof RuleContext, string];
  return scalar((context[group] as Record<string, unknown>)[key]);
}

/** Most steps a trace keeps (the condition's first operations, in reading order). */
const MAX_TRACE = 200;

/**
 * Judge a condition on a context: whether it held, and the value of every operation in it (in
 * reading order, with the variables each read directly), so an underwriter sees which parts held.
 * Each operation is evaluated on its own, so a branch `and`/`or` would skip is still shown.
 */
export function evaluateCondition(condition: unknown, context: RuleContext): { matched: boolean; trace: RuleTraceStep[] } {
  const trace: RuleTraceStep[] = [];
  const visit = (node: unknown, path: string) => {
    if (trace.length >= MAX_TRACE) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => visit(child, path ? `${path}.${i}` : String(i)));
      return;
    }
    if (!isPlainObject(node)) return;
    const op = Object.keys(node)[0]!;
    if (op === "var") return;
    const raw = node[op];
    const args = Array.isArray(raw) ? raw : [raw];
    const vars: Record<string, Scalar> = {};
    for (const a of args) {
      if (isPlainObject(a) && "var" in a) {
        const name = Array.isArray(a.var) ? a.var[0] : a.var;
        if (typeof name === "string") vars[name] = read(context, name);
      }
    }
    trace.push({ path, operator: op, result: scalar(jsonLogic.apply(node as never, context)), ...(Object.keys(vars).length ? { variables: vars } : {}) });
    if (op === "missing" || op === "missing_some") return;
    const at = path ? `${path}.${op}` : op;
    if (Array.isArray(raw)) raw.forEach((child, i) => visit(child, `${at}.${i}`));
    else visit(raw, at);
  };
  visit(condition, "");
  const matched = jsonLogic.truthy(jsonLogic.apply(condition as never, context));
  return { matched, trace };
}

/** A stored rule (or a draft) as the evaluator reads it. */
export interface JudgedRule {
  id: string | null;
  version: number | null;
  name: string;
  priority: number;
  condition: unknown;
  action: RuleAction;
}

export function evaluateRule(rule: JudgedRule, context: RuleContext): RuleEvaluation {
  const { matched, trace } = evaluateCondition(rule.condition, context);
  return { ruleId: rule.id, version: rule.version, name: rule.name, priority: rule.priority, action: rule.action, matched, trace };
}

const submissionField = (context: RuleContext, field: string): unknown => (context.submission as Record<string, unknown>)[field];

/**
 * The org's judged rules combined (they arrive in priority order: lowest `priority` first): the
 * first matching `decline` declines; otherwise a matching `require` whose field is empty makes the
 * quote not ready; otherwise every matching `refer` refers; every matching `surcharge` is a factor,
 * in priority order.
 */
export function decide(evaluations: RuleEvaluation[], context: RuleContext): RuleDecision {
  const ref = (e: RuleEvaluation) => ({ ruleId: e.ruleId, version: e.version, name: e.name, reason: e.action.reason ?? null });
  const hits = evaluations.filter((e) => e.matched);
  const decline = hits.find((e) => e.action.type === "decline");
  const required = hits.flatMap((e) => {
    if (e.action.type !== "require") return [];
    const value = submissionField(context, e.action.field);
    return [{ ...ref(e), field: e.action.field, satisfied: value !== null && value !== undefined && value !== "" }];
  });
  const referredBy = hits.filter((e) => e.action.type === "refer").map(ref);
  const surcharges = hits.flatMap((e) => (e.action.type === "surcharge" ? [{ ...ref(e), factor: e.action.factor }] : []));
  const outcome = decline ? "decline" : required.some((r) => !r.satisfied) ? "not_ready" : referredBy.length ? "refer" : "quote";
  return {
    outcome,
    declinedBy: decline ? ref(decline) : null,
    referredBy,
    surcharges,
    required,
    evaluated: evaluations.map((e) => ({ ruleId: e.ruleId, version: e.version, name: e.name, action: e.action.type, matched: e.matched })),
  };
}
