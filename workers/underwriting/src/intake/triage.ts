import { daysBetween } from "#shared/dates";
import { toCents } from "#shared/money";
import type { Submission } from "../types.ts";

/**
 * Quote-readiness triage (DECISIONS.md, "Insurance rules"): a deterministic 0–100 score from the
 * submission alone and an as-of date, with every check it ran and the fields whose absence cost
 * points. Pure, so it can be recomputed on every read. Each check is named for what it finds when it
 * fails (`effective_date_in_past`), never for the passing case, since the failed names are what a
 * submission's `triage.flags` and a refused quote report.
 *
 * Deductions (score = 100 − failed points, clamped at 0; all failures together reach 215):
 * | check                              | points | blocking |
 * | `missing:<field>` (each of 7)      | 15     | yes      |
 * | `lob_exposure_missing` (PROP: propertyValues, CA: vehicleCount) | 25 | yes |
 * | `effective_date_in_past`           | 20     |          | a quote is referred (`backdated_effective_date`)
 * | `effective_date_over_60_days_past` | 10     | yes      |
 * | `effective_date_over_120_days_ahead` | 10   |          |
 * | `insured_email_missing`            | 5      |          |
 * | `years_in_business_missing`        | 5      |          |
 * | `naics_code_invalid` (not 6 digits in a known sector) | 10 | |
 * | `requested_limit_out_of_range` (outside $100,000–$10,000,000) | 10 | |
 * | `gl_revenue_not_positive` (GL only) | 10    |          |
 * | `deductible_over_10_percent` (of the limit, when present) | 5 | |
 * A blocking check refuses a quote (422 `submission_not_ready`, `createQuote`). Required fields
 * block because nothing can be rated without them; cover backdated more than
 * {@link MAX_BACKDATE_DAYS} days blocks, and cover backdated less is quoted but held for a referral.
 * `ready` is never true while a blocking check fails. A check that reads a field already failed as
 * missing passes ("not applicable") so one gap is not charged twice. Prior-loss history is not
 * scored: a submission always carries an array, and [] is an explicit "no losses".
 */

/** The fields triage reads; a full {@link Submission} (with or without its triage) satisfies it. */
export type TriageSubject = Pick<
  Submission,
  | "insuredName"
  | "naicsCode"
  | "annualRevenue"
  | "requestedLimit"
  | "deductible"
  | "effectiveDate"
  | "state"
  | "lineOfBusiness"
  | "insuredEmail"
  | "propertyValues"
  | "vehicleCount"
  | "yearsInBusiness"
>;

export interface ReadinessCheck {
  /** What the check finds when it fails, e.g. `effective_date_in_past`. */
  name: string;
  passed: boolean;
  /** Points this check costs when failed (whether or not it failed). */
  points: number;
  /** Whether failing it refuses a quote (`submission_not_ready`). */
  blocking: boolean;
  message: string;
}

export interface Readiness {
  /** 0..100. */
  score: number;
  /** score ≥ {@link READY_THRESHOLD} and no blocking check failed. */
  ready: boolean;
  /** Fields whose absence failed a check, in check order. */
  missing: string[];
  /** Every check, passed or not, in a fixed order. */
  checks: ReadinessCheck[];
  failedChecks: ReadinessCheck[];
}

export const READY_THRESHOLD = 70;
export const MAX_DAYS_AHEAD = 120;
/**
 * Cover may start at most this many days before today (on the org's clock) and still be quoted, held
 * for a referral. The same bound as the coverage dates accepted at intake, so a submission the API
 * took becomes unquotable only by its date passing, never by a second, different rule.
 */
export const MAX_BACKDATE_DAYS = 60;
/** The referral reason of a quote whose cover starts before today. */
export const BACKDATED_REASON = "backdated_effective_date";
const MIN_LIMIT_CENTS = 100_000_00;
const MAX_LIMIT_CENTS = 10_000_000_00;

/** NAICS 2017/2022 two-digit sectors (31–33, 44–45 and 48–49 are ranges). */
export const NAICS_SECTORS: ReadonlySet<string> = new Set([
  "11", "21", "22", "23", "31", "32", "33", "42", "44", "45", "48", "49",
  "51", "52", "53", "54", "55", "56", "61", "62", "71", "72", "81", "92",
]);

const REQUIRED = ["insuredName", "naicsCode", "annualRevenue", "requestedLimit", "effectiveDate", "state", "lineOfBusiness"] as const;
const BLOCKING: ReadonlySet<string> = new Set(["lob_exposure_missing", "effective_date_over_60_days_past", ...REQUIRED.map((f) => `missing:${f}`)]);
const LINES = new Set(["GL", "PROP", "CA"]);

const hasText = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const hasNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function isPresent(sub: TriageSubject, field: (typeof REQUIRED)[number]): boolean {
  const v: unknown = sub[field];
  switch (field) {
    case "annualRevenue":
    case "requestedLimit":
      return hasNumber(v);
    case "effectiveDate":
      return hasText(v) && isCalendarDate(v);
    case "lineOfBusiness":
      return typeof v === "string" && LINES.has(v);
    default:
      return hasText(v);
  }
}

/** Scores a submission's readiness to quote as of `asOf` (YYYY-MM-DD); throws only on a bad `asOf`. */
export function assessReadiness(sub: TriageSubject, asOf: string): Readiness {
  if (!isCalendarDate(asOf)) throw new RangeError(`asOf must be a YYYY-MM-DD calendar date, got ${asOf}`);
  const checks: ReadinessCheck[] = [];
  const missing: string[] = [];
  const check = (name: string, points: number, passed: boolean, message: string, missingField?: string) => {
    checks.push({ name, passed, points, blocking: BLOCKING.has(name), message });
    if (!passed && missingField) missing.push(missingField);
  };
  const na = (why: string) => `not applicable: ${why}`;

  const present = new Set<string>();
  for (const field of REQUIRED) {
    const ok = isPresent(sub, field);
    if (ok) present.add(field);
    check(`missing:${field}`, 15, ok, ok ? `${field} is present` : `${field} is missing or not usable`, field);
  }

  // Exposure the line is rated on.
  if (!present.has("lineOfBusiness")) check("lob_exposure_missing", 25, true, na("lineOfBusiness is missing"));
  else if (sub.lineOfBusiness === "PROP") {
    const ok = hasNumber(sub.propertyValues) && sub.propertyValues > 0;
    check("lob_exposure_missing", 25, ok, ok ? "propertyValues present for PROP" : "PROP needs propertyValues (total insured value)", "propertyValues");
  } else if (sub.lineOfBusiness === "CA") {
    const ok = hasNumber(sub.vehicleCount) && sub.vehicleCount > 0;
    check("lob_exposure_missing", 25, ok, ok ? "vehicleCount present for CA" : "CA needs vehicleCount", "vehicleCount");
  } else check("lob_exposure_missing", 25, true, "GL is rated on revenue; no extra exposure needed");

  if (!present.has("effectiveDate")) {
    check("effective_date_in_past", 20, true, na("effectiveDate is missing"));
    check("effective_date_over_60_days_past", 10, true, na("effectiveDate is missing"));
    check("effective_date_over_120_days_ahead", 10, true, na("effectiveDate is missing"));
  } else {
    const ahead = daysBetween(asOf, sub.effectiveDate);
    check(
      "effective_date_in_past",
      20,
      ahead >= 0,
      ahead >= 0 ? "effectiveDate is not in the past" : `effectiveDate is ${-ahead} days before ${asOf}: a quote is referred (${BACKDATED_REASON})`,
    );
    check(
      "effective_date_over_60_days_past",
      10,
      -ahead <= MAX_BACKDATE_DAYS,
      -ahead <= MAX_BACKDATE_DAYS
        ? `effectiveDate is at most ${MAX_BACKDATE_DAYS} days before ${asOf}`
        : `effectiveDate is ${-ahead} days before ${asOf}: cover cannot be backdated more than ${MAX_BACKDATE_DAYS} days`,
    );
    check(
      "effective_date_over_120_days_ahead",
      10,
      ahead <= MAX_DAYS_AHEAD,
      ahead <= MAX_DAYS_AHEAD ? `effectiveDate is within ${MAX_DAYS_AHEAD} days` : `effectiveDate is ${ahead} days ahead (more than ${MAX_DAYS_AHEAD})`,
    );
  }

  const email = hasText(sub.insuredEmail);
  check("insured_email_missing", 5, email, email ? "insuredEmail is present" : "insuredEmail is missing", "insuredEmail");
  const years = hasNumber(sub.yearsInBusiness);
  check("years_in_business_missing", 5, years, years ? "yearsInBusiness is known" : "yearsInBusiness is missing", "yearsInBusiness");

  if (!present.has("naicsCode")) check("naics_code_invalid", 10, true, na("naicsCode is missing"));
  else {
    const ok = /^\d{6}$/.test(sub.naicsCode) && NAICS_SECTORS.has(sub.naicsCode.slice(0, 2));
    check("naics_code_invalid", 10, ok, ok ? "naicsCode is a 6-digit code in a known sector" : `naicsCode ${sub.naicsCode} is not a 6-digit code in a known NAICS sector`);
  }

  const limitCents = present.has("requestedLimit") ? toCents(sub.requestedLimit) : null;
  if (!present.has("requestedLimit")) check("requested_limit_out_of_range", 10, true, na("requestedLimit is missing"));
  else {
    const ok = limitCents !== null && limitCents >= MIN_LIMIT_CENTS && limitCents <= MAX_LIMIT_CENTS;
    check("requested_limit_out_of_range", 10, ok, ok ? "requestedLimit is within $100,000–$10,000,000" : "requestedLimit must be between $100,000 and $10,000,000");
  }

  if (sub.lineOfBusiness !== "GL") check("gl_revenue_not_positive", 10, true, na("not a GL submission"));
  else if (!present.has("annualRevenue")) check("gl_revenue_not_positive", 10, true, na("annualRevenue is missing"));
  else {
    const ok = sub.annualRevenue > 0;
    check("gl_revenue_not_positive", 10, ok, ok ? "annualRevenue is positive" : "GL is rated on revenue; annualRevenue must be greater than zero");
  }

  if (sub.deductible === null || sub.deductible === undefined) check("deductible_over_10_percent", 5, true, na("no deductible requested"));
  else if (limitCents === null) check("deductible_over_10_percent", 5, true, na("requestedLimit is missing"));
  else {
    // In integer cents: deductible ≤ limit / 10 ⇔ 10 × deductible ≤ limit, with no division.
    const deductibleCents = toCents(sub.deductible);
    const ok = deductibleCents !== null && deductibleCents * 10 <= limitCents;
    check("deductible_over_10_percent", 5, ok, ok ? "deductible is at most 10% of requestedLimit" : "deductible exceeds 10% of requestedLimit");
  }

  const failedChecks = checks.filter((c) => !c.passed);
  const score = Math.max(0, 100 - failedChecks.reduce((sum, c) => sum + c.points, 0));
  const ready = score >= READY_THRESHOLD && !failedChecks.some((c) => c.blocking);
  return { score, ready, missing, checks, failedChecks };
}

/** The failed checks that refuse a quote (empty when it may be quoted). */
export const blockingFailures = (r: Readiness): ReadinessCheck[] => r.failedChecks.filter((c) => c.blocking);

/** Whether cover starting on `effectiveDate` starts before `asOf`: a quote of it is referred. */
export const isBackdated = (effectiveDate: string, asOf: string): boolean => daysBetween(asOf, effectiveDate) < 0;

/** The compact form embedded in a submission (`triage`): flags are the failed check names. */
export function triageSummary(sub: TriageSubject, asOf: string): { score: number; ready: boolean; flags: string[] } {
  const r = assessReadiness(sub, asOf);
  return { score: r.score, ready: r.ready, flags: r.failedChecks.map((c) => c.name) };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * YYYY-MM-DD naming a real (proleptic Gregorian) calendar day. Checked by hand because
 * `isValidDate` in #shared/dates throws a RangeError on an impossible month such as 2027-13-01.
 */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
  return days !== undefined && d >= 1 && d <= days;
}
