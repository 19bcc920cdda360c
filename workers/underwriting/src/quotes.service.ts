import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { principalIdOf, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, isGuardFailure, type Statement } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents } from "#shared/money";
import type { ProducerAuthority } from "#shared/rpc";
import { decideAuthority } from "./authority.ts";
import { autoBindReason } from "./auto-bind.ts";
import { newReferralRow } from "./referral-rows.ts";
import { recordEvent } from "./events.ts";
import { assessReadiness, BACKDATED_REASON, blockingFailures, isBackdated } from "./intake/triage.ts";
import { listOrgAgreements, supersedeQuotes } from "./quotes.repo.ts";
import { rate } from "./rating/rate.ts";
import type { RatingInput, RatingResult } from "./rating/types.ts";
import { quotes, referrals, submissions, type QuoteRow, type ReferralRow, type SubmissionRow } from "./schema.ts";
import { findOpenReferral } from "./referrals.service.ts";
import { findSubmission, SUBMISSION_CHANGED, submissionUnchanged } from "./submissions.repo.ts";
import { toSubmission } from "./submissions.service.ts";
import type { Quote } from "./types.ts";
import { quoteRulesOf, ruleContextOfRow, ruleReason, surchargeFactors, type RulesJudge } from "./underwriting-rules.ts";
import type { RuleDecision } from "#shared/rule-context";

/** A quote is valid for 30 days (DECISIONS.md, "Submission"). */
export const QUOTE_VALIDITY_DAYS = 30;

const QUOTABLE: SubmissionRow["status"][] = ["received", "quoted", "expired", "referred"];

export function ratingInputOf(sub: Pick<SubmissionRow, "lineOfBusiness" | "naicsCode" | "state" | "effectiveDate" | "annualRevenueCents" | "requestedLimitCents" | "deductibleCents" | "propertyValuesCents" | "vehicleCount" | "yearsInBusiness" | "priorLosses">): RatingInput {
  return {
    lineOfBusiness: sub.lineOfBusiness,
    naicsCode: sub.naicsCode,
    state: sub.state,
    effectiveDate: sub.effectiveDate,
    annualRevenueCents: sub.annualRevenueCents,
    requestedLimitCents: sub.requestedLimitCents,
    deductibleCents: sub.deductibleCents,
    propertyValuesCents: sub.propertyValuesCents,
    vehicleCount: sub.vehicleCount,
    yearsInBusiness: sub.yearsInBusiness,
    priorLosses: sub.priorLosses.map((l) => ({ year: l.year, amountCents: l.amountCents })),
  };
}

/**
 * Rate a submission and record the quote. A new quote supersedes the live one. A submission whose
 * readiness has a blocking check failed is refused (`submission_not_ready`). Outside delegated
 * authority, or with cover starting before today, the quote is held (`referred`), the submission is
 * flagged `referred` and a referral is opened, all in one batch with their events.
 */
export async function createQuote(
  db: DrizzleD1Database,
  principal: Principal,
  submissionId: string,
  options: { daAgreementId?: string; autoBindMaxCents?: number; rules?: RulesJudge } = {},
  /** The submission's producer check (producer-authority.ts); a quote without one shows `producer: null`. */
  producerCheck?: (sub: SubmissionRow) => Promise<Result<ProducerAuthority | null>>,
): Promise<Result<Quote>> {
  const sub = await findSubmission(db, principal.orgId, submissionId);
  if (!sub) return notFound("Submission");
  if (!QUOTABLE.includes(sub.status)) {
    return fail("invalid_state_transition", `A ${sub.status} submission cannot be quoted`, { status: sub.status });
  }
  const producer = producerCheck ? await producerCheck(sub) : ok(null);
  if (!producer.ok) return producer;
  const open = sub.status === "referred" ? await findOpenReferral(db, principal.orgId, sub.id) : undefined;
  const prepared = await prepareQuote(db, principal, sub, { ...options, ...(open ? { openReferral: open } : {}), producerAuthority: producer.value });
  if (!prepared.ok) {
    if (prepared.error.code === "declined_by_rule") return declineByRule(db, principal, sub, prepared);
    return prepared;
  }
  try {
    // Quoted on the state just read: a bind (or another quote) committed since rolls this back.
    await atomically(db, [submissionUnchanged(sub), ...prepared.value.statements]);
  } catch (error) {
    if (isGuardFailure(error)) return SUBMISSION_CHANGED;
    throw error;
  }
  return ok(toQuote(prepared.value.quote));
}

/**
 * A rule declined the risk: the submission becomes `declined` and its live quote is retired (so it
 * can no longer be bound), on the state just read; the caller gets the 422 naming the rule.
 */
async function declineByRule(db: DrizzleD1Database, principal: Principal, sub: SubmissionRow, declined: Result<never>): Promise<Result<Quote>> {
  const at = clockOf(principal).now().toISOString();
  try {
    await atomically(db, [
      submissionUnchanged(sub),
      supersedeQuotes(db, principal.orgId, sub.id, at),
      db.update(submissions).set({ status: "declined", updatedAt: at }).where(and(eq(submissions.orgId, principal.orgId), eq(submissions.id, sub.id))),
    ]);
  } catch (error) {
    if (isGuardFailure(error)) return SUBMISSION_CHANGED;
    throw error;
  }
  return declined;
}

/**
 * The readiness gate of every quote, on the org's clock: a blocking check failed refuses it, naming
 * the checks; otherwise it answers whether the cover is backdated (and the quote must be referred).
 */
export function quoteReadiness(principal: Principal, sub: SubmissionRow): Result<{ backdated: boolean }> {
  const today = clockOf(principal).today();
  const blocked = blockingFailures(assessReadiness(toSubmission(sub, today), today));
  if (blocked.length > 0) {
    return fail("submission_not_ready", `The submission cannot be quoted: ${blocked.map((c) => c.message).join("; ")}`, {
      failedChecks: blocked.map((c) => c.name),
      checks: blocked.map((c) => ({ name: c.name, message: c.message })),
    });
  }
  return ok({ backdated: isBackdated(sub.effectiveDate, today) });
}

/**
 * Rate `sub` and build (without running) the statements that record its quote, the submission's
 * new status, a referral when outside authority or backdated, and their events. Renewals add these
 * to the batch that creates the renewal submission, so they pass the same readiness gate.
 */
export async function prepareQuote(
  db: DrizzleD1Database,
  principal: Principal,
  sub: SubmissionRow,
  options: {
    daAgreementId?: string;
    openReferral?: Pick<ReferralRow, "id" | "reasons">;
    producerAuthority?: ProducerAuthority | null;
    /** The org's auto-bind maximum (auto-bind.ts), in cents: a premium above it is held too. Absent: not judged here (bind judges it). */
    autoBindMaxCents?: number;
    /** The org's underwriting rules (underwriting-rules.ts). Absent: none judge. */
    rules?: RulesJudge;
  } = {},
): Promise<Result<{ quote: QuoteRow; statements: Statement[] }>> {
  const readiness = quoteReadiness(principal, sub);
  if (!readiness.ok) return readiness;
  const rated = await rateUnderRules(sub, options.rules);
  if (!rated.ok) return rated;
  const { rating, decision } = rated.value;
  const delegated = decideAuthority(await listOrgAgreements(db, principal.orgId), sub, options.daAgreementId);
  if (options.daAgreementId && !delegated.agreement) return notFound("Delegated authority agreement");
  // The org's own limit on what binds without an underwriter is one more authority check.
  const premiumHeld = options.autoBindMaxCents !== undefined && rating.grossPremiumCents > options.autoBindMaxCents;
  const authority = premiumHeld
    ? { ...delegated, withinAuthority: false, reasons: [...delegated.reasons, autoBindReason(rating.grossPremiumCents, options.autoBindMaxCents!)] }
    : delegated;

  // Validity runs on the org's clock, so a sandbox clock moved past it expires the quote.
  const now = clockOf(principal).now();
  const at = now.toISOString();
  // A referral still open holds every new quote too, whatever the authority says: only its decision
  // releases the submission for binding. Outside authority or backdated with none open, a new
  // referral opens; backdated cover is referred whatever the authority, as underwriters must see it.
  const open = options.openReferral;
  const ruleReasons = (decision?.referredBy ?? []).map(ruleReason);
  const referralReasons = [...authority.reasons, ...(readiness.value.backdated ? [BACKDATED_REASON] : []), ...ruleReasons];
  const mustRefer = referralReasons.length > 0 || !authority.withinAuthority;
  const held = mustRefer || open !== undefined;
  const newReferralId = !mustRefer || open ? null : newId("ref");
  const referralId = open?.id ?? newReferralId;
  const row: QuoteRow = {
    id: newId("qte"),
    orgId: principal.orgId,
    submissionId: sub.id,
    status: held ? "referred" : "active",
    lineOfBusiness: sub.lineOfBusiness,
    grossPremiumCents: rating.grossPremiumCents,
    totalDueCents: rating.totalDueCents,
    rating,
    rateTableVersion: rating.rateTableVersion,
    validUntil: new Date(now.getTime() + QUOTE_VALIDITY_DAYS * 86_400_000).toISOString(),
    daAgreementId: authority.agreement?.id ?? null,
    withinAuthority: authority.withinAuthority,
    authorityReasons: authority.reasons,
    referralId,
    createdBy: principal.actorId,
    createdByPrincipal: principalIdOf(principal),
    createdAt: at,
    updatedAt: at,
    producerAuthority: options.producerAuthority ?? null,
    rules: quoteRulesOf(decision),
  };
  const statements: Statement[] = [
    supersedeQuotes(db, principal.orgId, sub.id, at),
    db.insert(quotes).values(row),
    db
      .update(submissions)
      .set({ status: held ? "referred" : "quoted", currentQuoteId: row.id, updatedAt: at })
      .where(and(eq(submissions.orgId, principal.orgId), eq(submissions.id, sub.id))),
    recordEvent(db, principal.orgId, "submission.quoted", {
      submissionId: sub.id,
      quoteId: row.id,
      grossPremium: fromCents(row.grossPremiumCents),
      currency: CURRENCY,
      withinAuthority: authority.withinAuthority,
    }, at),
  ];
  if (open) {
    // The open referral now holds this quote, and answers for its authority gaps and backdating too.
    const reasons = [...new Set([...open.reasons, ...referralReasons])];
    statements.push(db.update(referrals).set({ quoteId: row.id, reasons }).where(and(eq(referrals.orgId, principal.orgId), eq(referrals.id, open.id))));
  }
  if (newReferralId) {
    statements.push(
      db.insert(referrals).values(newReferralRow(principal, at, { id: newReferralId, submissionId: sub.id, quoteId: row.id, reasons: referralReasons })),
      recordEvent(db, principal.orgId, "referral.created", { referralId: newReferralId, submissionId: sub.id, quoteId: row.id, reasons: referralReasons }, at),
    );
  }
  return ok({ quote: row, statements });
}

/**
 * Rate `sub`, then let the org's rules judge the rated risk: a decline is `declined_by_rule` naming
 * the rule, an empty field a matching `require` names is `submission_not_ready`, and each matching
 * surcharge re-rates the risk with a `rule_surcharge` factor after the table's own. Without `rules`
 * the table's rating stands.
 */
async function rateUnderRules(sub: SubmissionRow, rules: RulesJudge | undefined): Promise<Result<{ rating: RatingResult; decision: RuleDecision | null }>> {
  const input = ratingInputOf(sub);
  const base = rate(input);
  if (!base.ok) return base;
  if (!rules) return ok({ rating: base.value, decision: null });
  const judged = await rules(ruleContextOfRow(sub, base.value));
  if (!judged.ok) return judged;
  const decision = judged.value;
  if (decision.outcome === "decline" && decision.declinedBy) {
    const by = decision.declinedBy;
    return fail("declined_by_rule", `The submission is declined by ${ruleReason(by)}`, { ruleId: by.ruleId, ruleVersion: by.version, ruleName: by.name, reason: by.reason });
  }
  const missing = decision.required.filter((r) => !r.satisfied);
  if (missing.length > 0) {
    return fail("submission_not_ready", `The submission cannot be quoted: ${missing.map((r) => `${r.field} is required by ${ruleReason(r)}`).join("; ")}`, {
      failedChecks: missing.map((r) => `required_by_rule:${r.field}`),
      missing: missing.map((r) => r.field),
      checks: missing.map((r) => ({ name: `required_by_rule:${r.field}`, message: `${r.field} is required by ${ruleReason(r)}`, ruleId: r.ruleId, ruleVersion: r.version })),
    });
  }
  if (decision.surcharges.length === 0) return ok({ rating: base.value, decision });
  const surcharged = rate(input, surchargeFactors(decision));
  return surcharged.ok ? ok({ rating: surcharged.value, decision }) : surcharged;
}

export function toQuote(row: QuoteRow): Quote {
  const r = row.rating;
  return {
    id: row.id,
    submissionId: row.submissionId,
    status: row.status,
    lineOfBusiness: row.lineOfBusiness,
    grossPremium: fromCents(row.grossPremiumCents),
    currency: CURRENCY,
    breakdown: {
      basePremium: fromCents(r.basePremiumCents),
      exposure: r.exposure,
      factors: r.factors.map((f) => ({ name: f.name, value: f.value, effect: fromCents(f.effectCents), inputs: f.inputs })),
      minimumPremium: fromCents(r.minimumPremiumCents),
      minimumPremiumApplied: r.minimumPremiumApplied,
    },
    taxes: r.taxes.map((t) => ({ name: t.name, rate: t.rate, amount: fromCents(t.amountCents) })),
    fees: r.fees.map((f) => ({ name: f.name, amount: fromCents(f.amountCents) })),
    totalDue: fromCents(row.totalDueCents),
    rateTableVersion: row.rateTableVersion,
    validUntil: row.validUntil,
    authority: { daAgreementId: row.daAgreementId, withinAuthority: row.withinAuthority, reasons: row.authorityReasons, producer: row.producerAuthority ?? null },
    referralId: row.referralId,
    rules: row.rules ?? [],
    createdAt: row.createdAt,
  };
}
