/**
 * The rule studio's use cases, confined to the principal's org: rules saved, listed, read, changed
 * (each change a new immutable version, written in the same batch as the rule) and deleted (kept
 * with its versions, out of every list and quote); a rule or a draft simulated on given facts or on
 * the org's recent submissions; the org's enabled rules executed on a set of facts, as quoting
 * executes them through {@link decideForQuote}. Simulate and execute change nothing.
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreateRuleRequest, ExecuteRulesRequest, Rule, RuleExecution, RuleSimulation, RuleSimulationResult, RuleVersion, SimulateRuleRequest, UpdateRuleRequest } from "#contract/types.gen";
import { principalIdOf, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, isUniqueViolation } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import type { Page } from "#shared/pagination";
import type { RuleAction, RuleContext, RuleDecision, RuleEvaluation } from "#shared/rule-context";
import type { SubmissionRuleFacts } from "#shared/rpc";
import { rules, ruleVersions, type RuleRow } from "../schema.ts";
import { decide, evaluateRule, validateAction, validateCondition, validateContext, type JudgedRule } from "./rule-logic.ts";
import { enabledRules, findRule, listRuleRows, listVersionRows, snapshotOf, toRule, type RuleFilters } from "./rules.repo.ts";

/** A rule's priority when none is given. */
export const DEFAULT_PRIORITY = 100;
const MAX_PRIORITY = 10_000;

const RULE_NOT_FOUND = () => notFound("Rule");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The stored fields of a create or update, validated; `prefix` names nested fields (`rule.condition`). */
function fieldsOf(body: Record<string, unknown>, prefix = ""): Result<Partial<Pick<RuleRow, "name" | "description" | "condition" | "action" | "priority" | "enabled">>> {
  const out: Partial<Pick<RuleRow, "name" | "description" | "condition" | "action" | "priority" | "enabled">> = {};
  if (body.name !== undefined) {
    if (typeof body.name !== "string" || !body.name || body.name.length > 200) return invalid(`${prefix}name`, "max_length", `${prefix}name must be 1 to 200 characters`);
    out.name = body.name;
  }
  if (body.description !== undefined) {
    if (body.description !== null && (typeof body.description !== "string" || body.description.length > 2000)) {
      return invalid(`${prefix}description`, "max_length", `${prefix}description must be at most 2000 characters`);
    }
    out.description = body.description as string | null;
  }
  if (body.condition !== undefined) {
    const valid = validateCondition(body.condition, `${prefix}condition`);
    if (!valid.ok) return valid;
    out.condition = body.condition;
  }
  if (body.action !== undefined) {
    const action = validateAction(body.action, `${prefix}action`);
    if (!action.ok) return action;
    out.action = action.value;
  }
  if (body.priority !== undefined) {
    if (!Number.isSafeInteger(body.priority) || (body.priority as number) < 0 || (body.priority as number) > MAX_PRIORITY) {
      return invalid(`${prefix}priority`, "range", `${prefix}priority must be a whole number from 0 to ${MAX_PRIORITY}`);
    }
    out.priority = body.priority as number;
  }
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== "boolean") return invalid(`${prefix}enabled`, "type", `${prefix}enabled must be true or false`);
    out.enabled = body.enabled;
  }
  return ok(out);
}

export async function createRule(db: DrizzleD1Database, principal: Principal, input: CreateRuleRequest): Promise<Result<Rule>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today(), ["name", "condition", "action"]);
  if (!checked.ok) return checked;
  const fields = fieldsOf(checked.value as unknown as Record<string, unknown>);
  if (!fields.ok) return fields;
  const at = clock.now().toISOString();
  const row: RuleRow = {
    id: newId("rul"),
    orgId: principal.orgId,
    name: fields.value.name!,
    description: fields.value.description ?? null,
    condition: fields.value.condition,
    action: fields.value.action!,
    priority: fields.value.priority ?? DEFAULT_PRIORITY,
    enabled: fields.value.enabled ?? true,
    version: 1,
    deletedAt: null,
    createdBy: principalIdOf(principal),
    createdAt: at,
    updatedAt: at,
  };
  await atomically(db, [
    db.insert(rules).values(row),
    db.insert(ruleVersions).values({ ruleId: row.id, version: 1, orgId: principal.orgId, snapshot: snapshotOf(row) as unknown as Record<string, unknown>, changedBy: principal.actorId, createdAt: at }),
  ]);
  return ok(toRule(row));
}

export async function getRule(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Rule>> {
  const row = await findRule(db, principal.orgId, id);
  return row ? ok(toRule(row)) : RULE_NOT_FOUND();
}

export function listRules(db: DrizzleD1Database, principal: Principal, query?: Parameters<typeof listRuleRows>[2] & RuleFilters): Promise<Result<Page<Rule>>> {
  return listRuleRows(db, principal.orgId, query);
}

export async function listVersions(db: DrizzleD1Database, principal: Principal, id: string, query?: { limit?: number; cursor?: string }): Promise<Result<Page<RuleVersion>>> {
  const row = await findRule(db, principal.orgId, id);
  if (!row) return RULE_NOT_FOUND();
  return listVersionRows(db, principal.orgId, id, query);
}

/** Somebody else changed the rule between this request's read and its write. */
const CHANGED_MEANWHILE = () => fail("conflict", "The rule was changed by another request at the same time; read it again and retry", { field: "version" });

/**
 * Write version `next` of a rule (its row and the version in one batch). The version's primary key
 * (rule, version) makes two concurrent edits of the same version collide: the second is `conflict`.
 */
async function writeVersion(db: DrizzleD1Database, principal: Principal, existing: RuleRow, next: RuleRow, deleted = false): Promise<Result<RuleRow>> {
  try {
    await atomically(db, [
      db.insert(ruleVersions).values({ ruleId: existing.id, version: next.version, orgId: principal.orgId, snapshot: snapshotOf(next, deleted) as unknown as Record<string, unknown>, changedBy: principal.actorId, createdAt: next.updatedAt }),
      db
        .update(rules)
        .set({ name: next.name, description: next.description, condition: next.condition, action: next.action, priority: next.priority, enabled: next.enabled, version: next.version, deletedAt: next.deletedAt, updatedAt: next.updatedAt })
        .where(and(eq(rules.orgId, principal.orgId), eq(rules.id, existing.id), eq(rules.version, existing.version))),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) return CHANGED_MEANWHILE();
    throw error;
  }
  return ok(next);
}

/** Change a rule: the merged fields are judged as a whole and saved as the next version. */
export async function updateRule(db: DrizzleD1Database, principal: Principal, id: string, input: UpdateRuleRequest): Promise<Result<Rule>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today());
  if (!checked.ok) return checked;
  const fields = fieldsOf(checked.value as unknown as Record<string, unknown>);
  if (!fields.ok) return fields;
  const existing = await findRule(db, principal.orgId, id);
  if (!existing) return RULE_NOT_FOUND();
  if (Object.keys(fields.value).length === 0) return fail("validation_failed", "Give at least one field to change", { field: "body", rule: "required" });
  const next: RuleRow = { ...existing, ...fields.value, version: existing.version + 1, updatedAt: clock.now().toISOString() };
  const written = await writeVersion(db, principal, existing, next);
  return written.ok ? ok(toRule(written.value)) : written;
}

/** Delete a rule: it leaves every list and quote; the last version records the deletion. */
export async function deleteRule(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<null>> {
  const existing = await findRule(db, principal.orgId, id);
  if (!existing) return RULE_NOT_FOUND();
  const at = clockOf(principal).now().toISOString();
  const written = await writeVersion(db, principal, existing, { ...existing, enabled: false, version: existing.version + 1, deletedAt: at, updatedAt: at }, true);
  return written.ok ? ok(null) : written;
}

const judged = (row: RuleRow): JudgedRule => ({ id: row.id, version: row.version, name: row.name, priority: row.priority, condition: row.condition, action: row.action as JudgedRule["action"] });

/** The org's enabled rules judged on `context` and combined into the decision a quote applies. */
export async function decideForQuote(db: DrizzleD1Database, orgId: string, context: RuleContext): Promise<Result<{ decision: RuleDecision; evaluations: RuleEvaluation[] }>> {
  const evaluations = (await enabledRules(db, orgId)).map((row) => evaluateRule(judged(row), context));
  return ok({ decision: decide(evaluations, context), evaluations });
}

/** The facts of an execute or simulate body: given ones validated, or the stored submission's. */
function factsOf(body: { context?: unknown; submissionId?: unknown }, subject: SubmissionRuleFacts | undefined): Result<{ submissionId: string | null; context: RuleContext }> {
  if (body.context !== undefined && body.submissionId !== undefined) return invalid("context", "exclusive", "Give either submissionId or context, not both");
  if (body.submissionId !== undefined) {
    if (!subject) return fail("not_found", "Submission not found", { field: "submissionId" });
    return ok({ submissionId: subject.submissionId, context: subject.context });
  }
  if (body.context === undefined) return invalid("submissionId", "required", "Give submissionId (a stored submission) or context (facts)");
  const context = validateContext(body.context);
  return context.ok ? ok({ submissionId: null, context: context.value }) : context;
}

/** The org's enabled rules, by priority, on a stored submission or given facts: what a quote would do. */
export async function executeRules(db: DrizzleD1Database, principal: Principal, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts): Promise<Result<RuleExecution>> {
  const facts = factsOf(input ?? {}, subject);
  if (!facts.ok) return facts;
  const judgedRules = await decideForQuote(db, principal.orgId, facts.value.context);
  if (!judgedRules.ok) return judgedRules;
  const { decision, evaluations } = judgedRules.value;
  return ok({ submissionId: facts.value.submissionId, evaluations, decision: publicDecision(decision) });
}

/** One rule (enabled or not) on a stored submission or given facts. */
export async function executeRule(db: DrizzleD1Database, principal: Principal, id: string, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts): Promise<Result<RuleExecution>> {
  const row = await findRule(db, principal.orgId, id);
  if (!row) return RULE_NOT_FOUND();
  const facts = factsOf(input ?? {}, subject);
  if (!facts.ok) return facts;
  const evaluation = evaluateRule(judged(row), facts.value.context);
  return ok({ submissionId: facts.value.submissionId, evaluations: [evaluation], decision: publicDecision(decide([evaluation], facts.value.context)) });
}

/** The decision as the API shows it (the per-rule list is `evaluations` beside it). */
function publicDecision(d: RuleDecision): RuleExecution["decision"] {
  return { outcome: d.outcome, declinedBy: d.declinedBy, referredBy: d.referredBy, surcharges: d.surcharges, required: d.required };
}

/** `grossPremium × factor`, rounded half-up to the cent once, in integers. */
export function surchargedPremium(grossPremium: number, factor: number): number {
  const cents = BigInt(Math.round(grossPremium * 100));
  const f = BigInt(Math.round(factor * 10_000));
  return Number((cents * f + 5_000n) / 10_000n) / 100;
}

/** What a matching rule would do to one risk. */
function effectOf(evaluation: RuleEvaluation, context: RuleContext): RuleSimulationResult["effect"] {
  if (!evaluation.matched) return "none";
  switch (evaluation.action.type) {
    case "decline":
      return "declined";
    case "refer":
      return "referred";
    case "surcharge":
      return "surcharged";
    case "require": {
      const value = (context.submission as Record<string, unknown>)[evaluation.action.field];
      return value === null || value === undefined || value === "" ? "required_field_missing" : "required_field_present";
    }
  }
}

/**
 * Judge one rule (stored, at its current version, or a draft) on given facts or on the org's recent
 * submissions (`recent`, read by the gateway from underwriting). Nothing is written.
 */
export async function simulateRule(db: DrizzleD1Database, principal: Principal, input: SimulateRuleRequest, recent?: SubmissionRuleFacts[]): Promise<Result<RuleSimulation>> {
  const body = (isObject(input) ? input : {}) as Record<string, unknown>;
  if ((body.ruleId === undefined) === (body.rule === undefined)) return invalid("ruleId", "exclusive", "Give exactly one of ruleId (a stored rule) and rule (a draft)");
  if ((body.context === undefined) === (body.against === undefined)) return invalid("context", "exclusive", "Give exactly one of context (facts) and against (\"recent_submissions\")");
  let rule: JudgedRule;
  if (body.ruleId !== undefined) {
    const row = typeof body.ruleId === "string" ? await findRule(db, principal.orgId, body.ruleId) : undefined;
    if (!row) return fail("not_found", "Rule not found", { field: "ruleId" });
    rule = judged(row);
  } else {
    const draft = body.rule;
    if (!isObject(draft)) return invalid("rule", "object", "rule must be a draft {condition, action, name?, priority?}");
    const unknown = Object.keys(draft).find((k) => !["name", "condition", "action", "priority"].includes(k));
    if (unknown) return fail("validation_failed", `Received unknown parameter: rule.${unknown}`, { field: `rule.${unknown}`, rule: "unknown_field" });
    if (draft.condition === undefined) return invalid("rule.condition", "required", "rule.condition is required");
    if (draft.action === undefined) return invalid("rule.action", "required", "rule.action is required");
    const fields = fieldsOf(draft, "rule.");
    if (!fields.ok) return fields;
    rule = { id: null, version: null, name: fields.value.name ?? "Draft rule", priority: fields.value.priority ?? DEFAULT_PRIORITY, condition: fields.value.condition, action: fields.value.action as RuleAction };
  }

  let subjects: { submissionId: string | null; insuredName: string | null; status: RuleSimulationResult["status"]; grossPremium: number | null; context: RuleContext }[];
  if (body.context !== undefined) {
    const context = validateContext(body.context);
    if (!context.ok) return context;
    subjects = [{ submissionId: null, insuredName: null, status: null, grossPremium: context.value.quote.grossPremium, context: context.value }];
  } else {
    if (body.against !== "recent_submissions") return invalid("against", "enum", "against must be \"recent_submissions\"");
    subjects = (recent ?? []).map((s) => ({ submissionId: s.submissionId, insuredName: s.insuredName, status: s.status as RuleSimulationResult["status"], grossPremium: s.grossPremium, context: s.context }));
  }

  const results: RuleSimulationResult[] = subjects.map((s) => {
    const evaluation = evaluateRule(rule, s.context);
    const effect = effectOf(evaluation, s.context);
    const simulated = effect === "surcharged" && s.grossPremium !== null && rule.action.type === "surcharge" ? surchargedPremium(s.grossPremium, rule.action.factor) : null;
    return { submissionId: s.submissionId, insuredName: s.insuredName, status: s.status, matched: evaluation.matched, effect, grossPremium: s.grossPremium, simulatedGrossPremium: simulated, trace: evaluation.trace };
  });
  const count = (e: RuleSimulationResult["effect"]) => results.filter((r) => r.effect === e).length;
  return ok({
    rule: { ruleId: rule.id, version: rule.version, name: rule.name, action: rule.action },
    summary: {
      evaluated: results.length,
      matched: results.filter((r) => r.matched).length,
      declined: count("declined"),
      referred: count("referred"),
      surcharged: count("surcharged"),
      requiredFieldMissing: count("required_field_missing"),
    },
    results,
    dryRun: true,
  });
}
