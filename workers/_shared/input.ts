/**
 * The platform's input rules beyond what the contract can say (issue 10 §2). The contract carries the
 * shape, lengths, bounds and formats (typespec/**, emitted as zod, checked by the gateway); this module
 * carries the rest, once, for every domain: the gateway applies it to every write at the door and the
 * domain workers apply it again where RPC input arrives (ACORD-extracted values and overrides included),
 * so a value the door refuses can never be stored by another path.
 *
 * The rules, as README.md states them:
 * - every string is trimmed, and a blank one is missing (a required field that is blank is `required`);
 * - control characters (C0, DEL, C1; free text may keep tab and line breaks), bidirectional overrides
 *   and isolates (U+202A–U+202E, U+2066–U+2069) and lone surrogates are refused;
 * - money is at most {@link INPUT_RULES.maxMoney} with at most two decimals, never rounded;
 * - a past event's date ({@link PAST_DATE_FIELDS}) is not after the caller's today;
 * - coverage dates run from {@link INPUT_RULES.coverageDaysBack} days before the caller's today to
 *   {@link INPUT_RULES.coverageMonthsAhead} months after it (the org's sandbox clock where it has one);
 * - a deductible is below the limit it sits beside; a year is not after the current year;
 * - bodies nest at most {@link INPUT_RULES.maxDepth} levels.
 *
 * Rules are keyed by field name, so a later domain that names its money `amount` or its start
 * `effectiveDate` is covered without a line here; test/contract/input-rules.test.ts fails when a request
 * body gains a money-like or date field this module does not classify.
 */
import { addMonths, isValidDate, parseDate, formatDate } from "./dates.ts";
import type { AppError } from "./errors.ts";
import { toCents } from "./money.ts";

/** The bounds of the door, in one place (README.md "Input rules" states them). */
export const INPUT_RULES = {
  /** Largest money amount, in USD major units (1,000,000,000.00). */
  maxMoney: 1_000_000_000,
  /** Coverage dates may lie this many days before today… */
  coverageDaysBack: 60,
  /** …and this many months after it. */
  coverageMonthsAhead: 18,
  /** Earliest accepted year of a historical fact (a prior loss, a building). */
  earliestYear: 1900,
  /** Deepest nesting of objects and arrays in a body. */
  maxDepth: 16,
  /** Most issues listed in one answer: a 1 MiB body of bad values must not become a bigger error. */
  maxIssues: 20,
} as const;

/** Fields holding money in major units, wherever they appear in a body. */
export const MONEY_FIELDS: ReadonlySet<string> = new Set([
  "annualRevenue",
  "requestedLimit",
  "deductible",
  "propertyValues",
  "amount",
  "maxLimitPerRisk",
  "aggregateCap",
  // Claims: the reserves a request sets, and the reporter's estimate at FNOL.
  "indemnity",
  "expense",
  "estimatedLoss",
  // Market finder: the revenue and limit bands of an appetite, a product's limits and minimum premium.
  "minRevenue",
  "maxRevenue",
  "minLimit",
  "maxLimit",
  "minPremium",
]);

/**
 * Coverage dates (`YYYY-MM-DD`), held to the window around today; also the day a sandbox run of the
 * delinquency job is run as of (`asOf`), which lands on the coverage dates it judges.
 */
export const COVERAGE_DATE_FIELDS: ReadonlySet<string> = new Set(["effectiveDate", "expirationDate", "asOf"]);

/** Calendar days of past events (`YYYY-MM-DD`): a real day, not after today. A loss may be reported long after it happened; a payout is made through a day that has come. */
export const PAST_DATE_FIELDS: ReadonlySet<string> = new Set(["lossDate", "through"]);

/** Calendar years of past facts: not before {@link INPUT_RULES.earliestYear}, not after this year. */
export const YEAR_FIELDS: ReadonlySet<string> = new Set(["year", "yearBuilt"]);

/** Percentages (commission rates): not negative, at most 100, at most two decimals (never rounded); the contract bounds each tighter. */
export const PERCENT_FIELDS: ReadonlySet<string> = new Set(["newBusiness", "renewal", "commissionRate"]);

/**
 * Multiplicative factors (a rule studio surcharge `factor`, 0.5 to 3.0 as the contract bounds it):
 * at most four decimals, never rounded.
 */
export const FACTOR_FIELDS: ReadonlySet<string> = new Set(["factor"]);

/** Calendar days something lasts until (a license's last valid day): a real day, not before today. */
export const EXPIRY_DATE_FIELDS: ReadonlySet<string> = new Set(["expiresOn"]);

/** Free text that may span lines: tab, LF and CR are allowed here and nowhere else. */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set(["notes", "description", "reason", "body", "message", "html", "descriptionOfOperations"]);

/** One broken rule: where (`in` and a dotted `field` path) and which `rule`. */
export interface InputIssue {
  in: "body" | "query" | "path";
  field: string;
  rule: string;
  message: string;
}

const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F); free text keeps \t, \n and \r.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_IN_FREE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const fieldName = (path: readonly (string | number)[]): string => {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "";
};

const join = (part: InputIssue["in"], path: readonly (string | number)[]) => (path.length ? path.join(".") : part);

/** The issue with a string at `path` of a body (free text is known by its field name). */
const stringIssue = (value: string, path: readonly (string | number)[], part: InputIssue["in"]) =>
  characterIssue(value, join(part, path), FREE_TEXT_FIELDS.has(fieldName(path)), part);

/** The issue with a string, or null when it may be stored: no controls (but free text's line breaks), bidi overrides or lone surrogates. */
function characterIssue(value: string, field: string, freeText: boolean, part: InputIssue["in"]): InputIssue | null {
  if (LONE_SURROGATE.test(value)) return { in: part, field, rule: "unicode", message: `${field} is not valid Unicode text (a lone surrogate)` };
  if (BIDI.test(value)) return { in: part, field, rule: "bidi_control", message: `${field} must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)` };
  const control = freeText ? CONTROL_IN_FREE_TEXT : CONTROL;
  if (control.test(value)) return { in: part, field, rule: "control_character", message: `${field} must not contain control characters` };
  return null;
}

/**
 * The character rules for one string that arrives outside a JSON body (a socket frame, a form field):
 * the issue naming `field`, or null. `freeText` keeps tab and line breaks.
 */
export function textIssue(value: string, field: string, freeText = false): InputIssue | null {
  return characterIssue(value, field, freeText, "body");
}

/**
 * Fields whose value is a tree with a deeper bound of its own, judged by the domain that owns it: a
 * rule's JsonLogic `condition` may nest 32 operations (each an object and its argument list, two
 * levels), which the rule studio checks and names by path. Inside one, the body may nest
 * {@link OWN_DEPTH_LIMIT} levels instead of {@link INPUT_RULES.maxDepth}.
 */
export const OWN_DEPTH_FIELDS: ReadonlySet<string> = new Set(["condition"]);
export const OWN_DEPTH_LIMIT = 80;

const depthBoundOf = (path: readonly (string | number)[]): number =>
  path.some((k) => typeof k === "string" && OWN_DEPTH_FIELDS.has(k)) ? OWN_DEPTH_LIMIT : INPUT_RULES.maxDepth;

/**
 * A parsed JSON value with every string trimmed and every blank string dropped from its object (a
 * blank is missing), plus the issues of strings that may not be stored at all. Keys are copied as own
 * data properties, so `__proto__` stays a key (which the strict contract then refuses by name).
 */
export function cleanInput(value: unknown, part: InputIssue["in"] = "body"): { value: unknown; issues: InputIssue[] } {
  const found: InputIssue[] = [];
  const issues = { push: (issue: InputIssue) => void (found.length < INPUT_RULES.maxIssues && found.push(issue)) };
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (path.length > depthBoundOf(path)) {
      issues.push({ in: part, field: join(part, path), rule: "depth", message: `${part} nests deeper than ${INPUT_RULES.maxDepth} levels` });
      return undefined;
    }
    if (typeof v === "string") {
      const issue = stringIssue(v, path, part);
      if (issue) issues.push(issue);
      return v.trim();
    }
    if (Array.isArray(v)) {
      return v.map((item, i) => {
        const cleaned = walk(item, [...path, i]);
        if (cleaned === "") issues.push({ in: part, field: join(part, [...path, i]), rule: "blank", message: `${join(part, [...path, i])} must not be blank` });
        return cleaned;
      });
    }
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        const cleaned = walk(item, [...path, key]);
        if (cleaned === "" || cleaned === undefined) continue;
        Object.defineProperty(out, key, { value: cleaned, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  const cleaned = walk(value, []);
  return { value: cleaned === "" ? undefined : cleaned, issues: found };
}

/** Money's own issue: at most two decimals (never rounded), not negative, at most the maximum. */
export function moneyIssue(value: number, field: string, part: InputIssue["in"] = "body"): InputIssue | null {
  const cents = toCents(value);
  if (cents === null) return { in: part, field, rule: "money_precision", message: `${field} must be an amount with at most two decimals (it is never rounded)` };
  if (cents < 0) return { in: part, field, rule: "money_negative", message: `${field} must not be negative` };
  if (cents > INPUT_RULES.maxMoney * 100) return { in: part, field, rule: "money_max", message: `${field} must be at most ${INPUT_RULES.maxMoney.toLocaleString("en-US")}.00` };
  return null;
}

/** The first and last coverage date accepted on `today`: 60 days back to 18 months ahead. */
export function coverageWindow(today: string): { earliest: string; latest: string } {
  const earliest = formatDate(new Date(parseDate(today).getTime() - INPUT_RULES.coverageDaysBack * 86_400_000));
  return { earliest, latest: addMonths(today, INPUT_RULES.coverageMonthsAhead) };
}

/** A coverage date's issue: a real calendar day inside {@link coverageWindow}. */
export function coverageDateIssue(value: string, field: string, today: string, part: InputIssue["in"] = "body"): InputIssue | null {
  if (!isValidDate(value)) return { in: part, field, rule: "date", message: `${field} must be a calendar date (YYYY-MM-DD)` };
  const { earliest, latest } = coverageWindow(today);
  if (value < earliest || value > latest) {
    return {
      in: part,
      field,
      rule: "coverage_window",
      message: `${field} must be from ${earliest} to ${latest} (${INPUT_RULES.coverageDaysBack} days back to ${INPUT_RULES.coverageMonthsAhead} months ahead of ${today})`,
    };
  }
  return null;
}

/** A past event's date issue: a real calendar day, not after `today`. */
export function pastDateIssue(value: string, field: string, today: string, part: InputIssue["in"] = "body"): InputIssue | null {
  if (!isValidDate(value)) return { in: part, field, rule: "date", message: `${field} must be a calendar date (YYYY-MM-DD)` };
  if (value > today) return { in: part, field, rule: "not_future", message: `${field} must not be after today (${today})` };
  return null;
}

/** A percentage's issue: at most two decimals (never rounded), from 0 to 100. */
/** A factor's own issue: at most four decimals (never rounded); its range is the contract's. */
export function factorIssue(value: number, field: string, part: InputIssue["in"] = "body"): InputIssue | null {
  if (!Number.isFinite(value) || Math.abs(Math.round(value * 10_000) - value * 10_000) > 1e-6) {
    return { in: part, field, rule: "factor_precision", message: `${field} must be a factor with at most four decimals (it is never rounded)` };
  }
  return null;
}

export function percentIssue(value: number, field: string, part: InputIssue["in"] = "body"): InputIssue | null {
  if (!Number.isFinite(value) || Math.abs(Math.round(value * 100) - value * 100) > 1e-6) {
    return { in: part, field, rule: "percent_precision", message: `${field} must be a percentage with at most two decimals (it is never rounded)` };
  }
  if (value < 0) return { in: part, field, rule: "too_small", message: `${field} must not be negative` };
  if (value > 100) return { in: part, field, rule: "too_big", message: `${field} must be at most 100 (percent)` };
  return null;
}

/** An expiry date's issue: a real calendar day, not before `today`. */
export function expiryDateIssue(value: string, field: string, today: string, part: InputIssue["in"] = "body"): InputIssue | null {
  if (!isValidDate(value)) return { in: part, field, rule: "date", message: `${field} must be a calendar date (YYYY-MM-DD)` };
  if (value < today) return { in: part, field, rule: "not_past", message: `${field} (${value}) is already past (today is ${today})` };
  return null;
}

/** A deductible's issue against the limit it applies to (both in major units). */
export function deductibleIssue(deductible: number, limit: number, field = "deductible", part: InputIssue["in"] = "body"): InputIssue | null {
  const d = toCents(deductible);
  const l = toCents(limit);
  if (d === null || l === null || d < l) return null;
  return { in: part, field, rule: "deductible_below_limit", message: `${field} must be below the limit (${limit})` };
}

/**
 * The rules that need a field's meaning or the caller's today, applied by field name at every depth
 * of a (cleaned) body: money, coverage dates, years, and a deductible beside its limit.
 */
export function checkInputRules(value: unknown, today: string, part: InputIssue["in"] = "body"): InputIssue[] {
  const issues: InputIssue[] = [];
  const thisYear = Number(today.slice(0, 4));
  const walk = (v: unknown, path: (string | number)[]) => {
    if (Array.isArray(v)) return v.forEach((item, i) => walk(item, [...path, i]));
    if (!isPlainObject(v)) return;
    for (const [key, item] of Object.entries(v)) {
      const at = [...path, key];
      const field = join(part, at);
      let issue: InputIssue | null = null;
      if (typeof item === "number" && MONEY_FIELDS.has(key)) issue = moneyIssue(item, field, part);
      else if (typeof item === "string" && COVERAGE_DATE_FIELDS.has(key)) issue = coverageDateIssue(item, field, today, part);
      else if (typeof item === "string" && PAST_DATE_FIELDS.has(key)) issue = pastDateIssue(item, field, today, part);
      else if (typeof item === "number" && PERCENT_FIELDS.has(key)) issue = percentIssue(item, field, part);
      else if (typeof item === "number" && FACTOR_FIELDS.has(key)) issue = factorIssue(item, field, part);
      else if (typeof item === "string" && EXPIRY_DATE_FIELDS.has(key)) issue = expiryDateIssue(item, field, today, part);
      else if (typeof item === "number" && YEAR_FIELDS.has(key) && (item < INPUT_RULES.earliestYear || item > thisYear)) {
        issue = { in: part, field, rule: "year_range", message: `${field} must be from ${INPUT_RULES.earliestYear} to ${thisYear}` };
      }
      if (issue) issues.push(issue);
      walk(item, at);
    }
    if (typeof v.deductible === "number" && typeof v.requestedLimit === "number") {
      const issue = deductibleIssue(v.deductible, v.requestedLimit, join(part, [...path, "deductible"]), part);
      if (issue) issues.push(issue);
    }
  };
  walk(value, []);
  return issues;
}

/** Issues as the platform's `validation_failed`: the first names the field and rule, all are listed. */
export function inputError(issues: readonly InputIssue[]): AppError {
  const first = issues[0] ?? { in: "body", field: "body", rule: "invalid", message: "Request is invalid" };
  return {
    code: "validation_failed",
    message: first.message,
    details: { field: first.field, rule: first.rule, issues: issues.slice(0, INPUT_RULES.maxIssues).map((i) => ({ in: i.in, field: i.field, rule: i.rule, message: i.message })) },
  };
}

/**
 * Every rule of this module at once, for a worker receiving RPC input: the input cleaned (trimmed,
 * blanks dropped) or the `validation_failed` naming what broke. `required` names the top-level
 * fields the worker cannot do without, so a blank one is `required` here too, not a crash later.
 */
export function checkInput<T>(value: T, today: string, required: readonly string[] = []): { ok: true; value: T } | { ok: false; error: AppError } {
  const cleaned = cleanInput(value);
  const body = isPlainObject(cleaned.value) ? cleaned.value : {};
  const missing: InputIssue[] = required
    .filter((field) => body[field] === undefined || body[field] === null)
    .map((field) => ({ in: "body", field, rule: "required", message: `Missing required field: ${field}` }));
  const issues = [...cleaned.issues, ...missing, ...checkInputRules(cleaned.value, today)];
  return issues.length ? { ok: false, error: inputError(issues) } : { ok: true, value: cleaned.value as T };
}
