/**
 * The org's underwriting rules at quote (issue 17): the rule studio lives in the market worker,
 * reached at its internal entrypoint (`MarketInternal.decideRules`). Underwriting builds the rule
 * context of a submission (and its rating) here, the one place, so `POST /v1/rules/execute` on a
 * stored submission sees what quoting sees.
 *
 * Fallback policy: fail closed. When the market worker does not answer, nothing is quoted and the
 * caller gets 503 `rules_unavailable`: quoting past an org's decline rules would bind risks it has
 * told us not to write, and a retry once the worker answers is safe (nothing was recorded).
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { fail, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { MarketInternalRpc, SubmissionRuleFacts } from "#shared/rpc";
import { ruleContextOf, type RuleContext, type RuleDecision, type RuleRef } from "#shared/rule-context";
import type { ReadinessCheck } from "./intake/triage.ts";
import type { RatingAdjustment } from "./rating/rate.ts";
import type { RatingResult } from "./rating/types.ts";
import { quotes, submissions, type QuoteRow, type SubmissionRow } from "./schema.ts";

/** A quote's record of the rules that judged it (quotes.rules, migrations/underwriting/0015). */
export type QuoteRuleRecord = { ruleId: string; version: number; name: string; action: "decline" | "refer" | "surcharge" | "require"; matched: boolean };

/** Judges a rule context: the org's enabled rules, combined; `rules_unavailable` when they cannot be read. */
export type RulesJudge = (context: RuleContext) => Promise<Result<RuleDecision>>;

export const RULES_UNAVAILABLE = () =>
  fail("rules_unavailable", "The org's underwriting rules could not be read, so nothing was quoted; retry shortly (the same Idempotency-Key is safe)");

/** The judge of one org's rules over the market binding, failing closed on any throw. */
export function rulesJudge(market: Service<MarketInternalRpc>, orgId: string): RulesJudge {
  return async (context) => {
    try {
      const judged = await market.decideRules(orgId, context);
      return judged.ok ? ok(judged.value.decision) : judged;
    } catch (error) {
      console.error(JSON.stringify({ message: "market.decideRules failed; quoting fails closed", orgId, error: String(error) }));
      return RULES_UNAVAILABLE();
    }
  };
}

/** A submission row (and a rating) as its rules' context. */
export function ruleContextOfRow(sub: SubmissionRow, rating: Pick<RatingResult, "grossPremiumCents" | "basePremiumCents" | "rateTableVersion"> | null): RuleContext {
  const money = (c: number | null) => (c === null ? null : fromCents(c));
  return ruleContextOf(
    {
      id: sub.id,
      lineOfBusiness: sub.lineOfBusiness,
      naicsCode: sub.naicsCode,
      state: sub.state,
      effectiveDate: sub.effectiveDate,
      annualRevenue: fromCents(sub.annualRevenueCents),
      requestedLimit: fromCents(sub.requestedLimitCents),
      deductible: money(sub.deductibleCents),
      propertyValues: money(sub.propertyValuesCents),
      vehicleCount: sub.vehicleCount,
      hazmat: sub.hazmat,
      yearsInBusiness: sub.yearsInBusiness,
      priorLosses: sub.priorLosses.map((l) => ({ amount: fromCents(l.amountCents) })),
      insuredName: sub.insuredName,
      insuredEmail: sub.insuredEmail,
      insured: sub.insuredContact ? { phone: sub.insuredContact.phone } : null,
      producerId: sub.producerId,
    },
    rating ? { grossPremium: fromCents(rating.grossPremiumCents), basePremium: fromCents(rating.basePremiumCents), rateTableVersion: rating.rateTableVersion } : null,
  );
}

/** How a rule is named in a referral's reasons and in messages: `rule rul_… v2 "Coastal wind": reason`. */
export const ruleReason = (r: RuleRef): string => `rule ${r.ruleId} v${r.version} "${r.name}"${r.reason ? `: ${r.reason}` : ""}`;

/** The waterfall factors of a decision's surcharges, in priority order, each carrying its rule. */
export const surchargeFactors = (decision: RuleDecision): RatingAdjustment[] =>
  decision.surcharges.map((s) => ({ name: "rule_surcharge", value: String(s.factor), inputs: { ruleId: s.ruleId, ruleVersion: s.version, ruleName: s.name } }));

/** The rules a quote records: every one judged, with the version read. */
export const quoteRulesOf = (decision: RuleDecision | null): QuoteRuleRecord[] =>
  (decision?.evaluated ?? []).flatMap((e) => (e.ruleId !== null && e.version !== null ? [{ ruleId: e.ruleId, version: e.version, name: e.name, action: e.action, matched: e.matched }] : []));

/** The live quote of a submission (active or referred), if any. */
async function liveQuote(db: DrizzleD1Database, orgId: string, sub: SubmissionRow): Promise<QuoteRow | undefined> {
  if (!sub.currentQuoteId) return undefined;
  return db
    .select()
    .from(quotes)
    .where(and(eq(quotes.orgId, orgId), eq(quotes.id, sub.currentQuoteId), inArray(quotes.status, ["active", "referred"])))
    .get();
}

/** A stored submission as its rules see it, with its live quote's rating (before that quote's surcharges). */
export async function ruleFactsOfRow(db: DrizzleD1Database, orgId: string, sub: SubmissionRow): Promise<SubmissionRuleFacts> {
  const quote = await liveQuote(db, orgId, sub);
  const base = quote ? unsurcharged(quote.rating) : null;
  return {
    submissionId: sub.id,
    insuredName: sub.insuredName,
    status: sub.status,
    grossPremium: quote ? fromCents(quote.grossPremiumCents) : null,
    context: ruleContextOfRow(sub, base),
  };
}

/**
 * The rating a quote's rules were judged on: its premium before its own `rule_surcharge` factors
 * (the waterfall's running premium just before the first of them), so re-judging a quoted risk reads
 * what the quote's rules read.
 */
function unsurcharged(rating: RatingResult): Pick<RatingResult, "grossPremiumCents" | "basePremiumCents" | "rateTableVersion"> {
  const first = rating.factors.findIndex((f) => f.name === "rule_surcharge");
  if (first === -1) return rating;
  const beforeSurcharges = rating.basePremiumCents + rating.factors.slice(0, first).reduce((s, f) => s + f.effectCents, 0);
  return { basePremiumCents: rating.basePremiumCents, rateTableVersion: rating.rateTableVersion, grossPremiumCents: Math.max(beforeSurcharges, rating.minimumPremiumCents) };
}

/** The org's most recent submissions (newest first, at most `limit`) as their rules see them; a producer's book when `producerId` is given. */
export async function recentRuleFactsOf(db: DrizzleD1Database, orgId: string, limit: number, producerId?: string): Promise<SubmissionRuleFacts[]> {
  const size = Math.min(Math.max(Math.trunc(limit) || 25, 1), 100);
  const rows = await db
    .select()
    .from(submissions)
    .where(and(eq(submissions.orgId, orgId), producerId === undefined ? undefined : eq(submissions.producerId, producerId)))
    .orderBy(desc(submissions.createdAt), desc(submissions.id))
    .limit(size)
    .all();
  return Promise.all(rows.map((row) => ruleFactsOfRow(db, orgId, row)));
}

/**
 * Quote-readiness with the org's `require` rules: each matching one whose field is empty adds a
 * failed blocking check `required_by_rule:<field>` (no points: the score is the submission's own)
 * and lists the field as missing, so the readiness says what the quote would refuse. The rules are
 * judged on the submission and its live quote's rating, as a re-quote would read them.
 */
export async function applyRuleRequirements<R extends { ready: boolean; missing: string[]; checks: ReadinessCheck[]; failedChecks: ReadinessCheck[] }>(
  db: DrizzleD1Database,
  orgId: string,
  submissionId: string,
  readiness: R,
  judge: RulesJudge,
): Promise<Result<R>> {
  const sub = await db.select().from(submissions).where(and(eq(submissions.orgId, orgId), eq(submissions.id, submissionId))).get();
  if (!sub) return ok(readiness);
  const facts = await ruleFactsOfRow(db, orgId, sub);
  const judged = await judge(facts.context);
  if (!judged.ok) return judged;
  const added: ReadinessCheck[] = judged.value.required
    .filter((r) => !r.satisfied)
    .map((r) => ({ name: `required_by_rule:${r.field}`, passed: false, points: 0, blocking: true, message: `${r.field} is required by ${ruleReason(r)}` }));
  if (added.length === 0) return ok(readiness);
  return ok({
    ...readiness,
    ready: false,
    missing: [...readiness.missing, ...judged.value.required.filter((r) => !r.satisfied && !readiness.missing.includes(r.field)).map((r) => r.field)],
    checks: [...readiness.checks, ...added],
    failedChecks: [...readiness.failedChecks, ...added],
  });
}
