/**
 * Rating: a submission's facts → the premium waterfall, taxes, fees and total due.
 *
 * base premium = class rate × exposure units, then the factors in a fixed order (state,
 * increased_limit, deductible_credit, loss_history, experience), then the line's minimum premium.
 * The running premium is kept as an exact rational and every reported figure is that rational
 * rounded half-up once; each factor's effect is the difference of two rounded figures, so
 * `basePremiumCents + Σ effectCents` equals the pre-minimum premium exactly, and no figure inherits
 * the rounding of an earlier one.
 */
import { fail, invalid, ok, type Result } from "#shared/errors";
import { isValidDate } from "#shared/dates";
import { fromCents } from "#shared/money";
import { compare, divInt, formatDecimal, integer, mul, parseDecimal, type Ratio, roundHalfUp, toSafeCents } from "./decimal.ts";
import { type MoneyBreakpoint, type RateTable, selectRateTable, US_STATES } from "./rate-tables.ts";
import type { RatingFactor, RatingInput, RatingResult } from "./types.ts";

/**
 * Upper bounds on the money inputs ($10 trillion of revenue or values, 100,000 vehicles): far beyond
 * any real risk, and low enough that every figure stays a safe integer of cents.
 */
const MAX_EXPOSURE_CENTS = 1_000_000_000_000_000;
const MAX_VEHICLES = 100_000;
const MAX_LIMIT_CENTS = 100_000_000_000_000;

const LINES = new Set(["GL", "PROP", "CA"]);
const STATES = new Set(US_STATES);

const isCents = (v: unknown, max = MAX_EXPOSURE_CENTS): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max;

/** Field names in failures are the public (API) names, so an integrator can find them. */
function validate(input: RatingInput): Result<null> {
  if (!LINES.has(input.lineOfBusiness)) return invalid("lineOfBusiness", "enum", "lineOfBusiness must be GL, PROP or CA");
  if (typeof input.effectiveDate !== "string" || !isValidDate(input.effectiveDate)) {
    return invalid("effectiveDate", "date", "effectiveDate must be a YYYY-MM-DD date");
  }
  if (!STATES.has(input.state)) return invalid("state", "us_state", "state must be a two-letter US state or DC code");
  if (typeof input.naicsCode !== "string" || !/^\d{2,6}$/.test(input.naicsCode)) {
    return invalid("naicsCode", "naics", "naicsCode must be a 2–6 digit NAICS code");
  }
  if (!isCents(input.annualRevenueCents)) return invalid("annualRevenue", "range", "annualRevenue must be a non-negative amount");
  if (!isCents(input.requestedLimitCents, MAX_LIMIT_CENTS) || input.requestedLimitCents === 0) {
    return invalid("requestedLimit", "range", "requestedLimit must be a positive amount");
  }
  if (input.deductibleCents !== null && !isCents(input.deductibleCents, MAX_LIMIT_CENTS)) {
    return invalid("deductible", "range", "deductible must be a non-negative amount");
  }
  if (input.lineOfBusiness === "PROP") {
    if (input.propertyValuesCents === null || input.propertyValuesCents === undefined) {
      return invalid("propertyValues", "required", "propertyValues is required for PROP");
    }
    if (!isCents(input.propertyValuesCents) || input.propertyValuesCents === 0) {
      return invalid("propertyValues", "range", "propertyValues must be a positive amount");
    }
  }
  if (input.lineOfBusiness === "CA") {
    if (input.vehicleCount === null || input.vehicleCount === undefined) {
      return invalid("vehicleCount", "required", "vehicleCount is required for CA");
    }
    if (!Number.isSafeInteger(input.vehicleCount) || input.vehicleCount < 1 || input.vehicleCount > MAX_VEHICLES) {
      return invalid("vehicleCount", "range", `vehicleCount must be a whole number from 1 to ${MAX_VEHICLES}`);
    }
  }
  if (input.yearsInBusiness !== null && !(Number.isFinite(input.yearsInBusiness) && input.yearsInBusiness >= 0)) {
    return invalid("yearsInBusiness", "range", "yearsInBusiness must be a non-negative number");
  }
  if (!Array.isArray(input.priorLosses)) return invalid("priorLosses", "array", "priorLosses must be an array");
  const effectiveYear = Number(input.effectiveDate.slice(0, 4));
  for (const loss of input.priorLosses) {
    if (!Number.isSafeInteger(loss?.year) || loss.year > effectiveYear || loss.year < 1900) {
      return invalid("priorLosses", "year", "each prior loss year must be a year no later than the effective date's");
    }
    if (!isCents(loss.amountCents)) return invalid("priorLosses", "amount", "each prior loss amount must be non-negative");
  }
  return ok(null);
}

/** The longest listed prefix of the code, with its rate. */
function classRate(table: RateTable, naicsCode: string): { prefix: string; rate: string } | null {
  for (let len = naicsCode.length; len >= 2; len--) {
    const prefix = naicsCode.slice(0, len);
    const rate = table.classRates[prefix];
    if (rate !== undefined) return { prefix, rate };
  }
  return null;
}

/** The highest breakpoint at or below `cents`; null when `cents` is below the first. */
function breakpointAt(breakpoints: readonly MoneyBreakpoint[], cents: number): MoneyBreakpoint | null {
  let hit: MoneyBreakpoint | null = null;
  for (const b of breakpoints) if (b.atLeastCents <= cents) hit = b;
  return hit;
}

/** The exposure amount (in the input's own units: cents or vehicles) for the table's basis. */
function exposureAmount(table: RateTable, input: RatingInput): number {
  switch (table.exposure.basis) {
    case "revenue":
      return input.annualRevenueCents;
    case "property_values":
      return input.propertyValuesCents ?? 0;
    case "vehicles":
      return input.vehicleCount ?? 0;
  }
}

/** Rated units as a number for display (amount / divisor, formatted exactly before the conversion). */
function exposureUnits(amount: number, divisor: number): number {
  let scale = 0;
  for (let d = divisor; d % 10 === 0; d = d / 10) scale++; // divisors are powers of ten (RateTable.exposure)
  return Number(formatDecimal({ num: BigInt(amount), den: 10n ** BigInt(scale) }, 0));
}

/**
 * A factor from outside the rate table, applied after `experience` and before the minimum premium,
 * in the order given: the org's `surcharge` rules (`rule_surcharge`, its inputs naming the rule).
 * `value` is an exact decimal ("1.25").
 */
export interface RatingAdjustment {
  name: string;
  value: string;
  inputs: RatingFactor["inputs"];
}

/**
 * Rate a risk. Deterministic: the same input always gives a deep-equal result (no clock, no
 * randomness: the table is chosen by `effectiveDate`).
 *
 * Failures: `validation_failed` naming the field (`propertyValues` for PROP and `vehicleCount` for
 * CA are required); `business_rule_violation` when no table is in force, the NAICS class is not
 * rated for the line, or the requested limit is outside the limits the table offers.
 *
 * Invariants: `basePremiumCents + Σ factors[].effectCents` = the premium before the minimum;
 * `grossPremiumCents` = max(that, `minimumPremiumCents`); `totalDueCents` = gross + taxes + fees.
 */
export function rate(input: RatingInput, adjustments: readonly RatingAdjustment[] = []): Result<RatingResult> {
  const valid = validate(input);
  if (!valid.ok) return valid;

  const selected = selectRateTable(input.lineOfBusiness, input.effectiveDate);
  if (!selected.ok) return selected;
  const table = selected.value;

  const cls = classRate(table, input.naicsCode);
  if (!cls) {
    return fail("business_rule_violation", `NAICS class ${input.naicsCode} is not rated for ${input.lineOfBusiness}`, {
      naicsCode: input.naicsCode,
      lineOfBusiness: input.lineOfBusiness,
      rateTableVersion: table.version,
    });
  }

  const limit = breakpointAt(table.increasedLimits.breakpoints, input.requestedLimitCents);
  if (!limit || input.requestedLimitCents > table.increasedLimits.maximumLimitCents) {
    const first = fromCents(table.increasedLimits.breakpoints[0]?.atLeastCents ?? 0);
    const maximum = fromCents(table.increasedLimits.maximumLimitCents);
    return fail("business_rule_violation", `requestedLimit must be between ${first} and ${maximum} for ${input.lineOfBusiness}`, {
      field: "requestedLimit",
      minimum: first,
      maximum,
      rateTableVersion: table.version,
    });
  }

  // Base: dollars per unit × 100 (cents) × amount / divisor, exact.
  const amount = exposureAmount(table, input);
  const baseExact = divInt(mul(mul(parseDecimal(cls.rate), integer(100)), integer(amount)), table.exposure.divisor);
  const basePremiumCents = toSafeCents(roundHalfUp(baseExact));

  const factors: RatingFactor[] = [];
  let running: Ratio = baseExact;
  let runningCents = basePremiumCents;
  const apply = (name: string, value: Ratio, inputs: RatingFactor["inputs"]) => {
    running = mul(running, value);
    const cents = toSafeCents(roundHalfUp(running));
    factors.push({ name, value: formatDecimal(value), effectCents: cents - runningCents, inputs });
    runningCents = cents;
  };

  const stateListed = table.stateFactors.byState[input.state];
  apply("state", parseDecimal(stateListed ?? table.stateFactors.default), {
    state: input.state,
    source: stateListed === undefined ? "default" : "table",
  });

  apply("increased_limit", parseDecimal(limit.factor), {
    limit: fromCents(input.requestedLimitCents),
    breakpoint: fromCents(limit.atLeastCents),
    ilf: limit.factor,
  });

  const deductibleCents = input.deductibleCents ?? 0;
  // The deductible tables start at 0, so every non-negative deductible finds a breakpoint.
  const deductible = breakpointAt(table.deductibleCredits, deductibleCents) ?? { atLeastCents: 0, factor: "1.00" };
  apply("deductible_credit", parseDecimal(deductible.factor), {
    deductible: fromCents(deductibleCents),
    breakpoint: fromCents(deductible.atLeastCents),
  });

  const lh = table.lossHistory;
  const effectiveYear = Number(input.effectiveDate.slice(0, 4));
  const inWindow = input.priorLosses.filter((l) => l.year >= effectiveYear - lh.lookbackYears && l.year <= effectiveYear);
  const lossCount = inWindow.length;
  const lossTotalCents = inWindow.reduce((sum, l) => sum + BigInt(l.amountCents), 0n);
  const countFactor = lh.countFactors[Math.min(lossCount, lh.countFactors.length - 1)] ?? "1.00";
  // Severity is judged against the exact base premium, so it never depends on a rounded figure.
  const severe = compare(integer(lossTotalCents), mul(baseExact, parseDecimal(lh.severityThreshold))) > 0;
  const severityFactor = severe ? lh.severityFactor : "1.00";
  apply("loss_history", mul(parseDecimal(countFactor), parseDecimal(severityFactor)), {
    fromYear: effectiveYear - lh.lookbackYears,
    toYear: effectiveYear,
    lossCount,
    lossTotal: fromCents(toSafeCents(lossTotalCents)),
    countFactor,
    severityFactor,
  });

  const years = input.yearsInBusiness;
  let experience = table.experience.unknown;
  if (years !== null) for (const b of table.experience.breakpoints) if (b.atLeastYears <= years) experience = b.factor;
  apply("experience", parseDecimal(experience), { yearsInBusiness: years });
  for (const a of adjustments) apply(a.name, parseDecimal(a.value), a.inputs);

  const minimumPremiumApplied = runningCents < table.minimumPremiumCents;
  const grossPremiumCents = minimumPremiumApplied ? table.minimumPremiumCents : runningCents;

  const taxRate = table.premiumTax.byState[input.state] ?? table.premiumTax.default;
  const taxes = [
    {
      name: `State premium tax (${input.state})`,
      rate: taxRate,
      amountCents: toSafeCents(roundHalfUp(mul(integer(grossPremiumCents), parseDecimal(taxRate)))),
    },
  ];
  const fees = table.fees.map((f) => ({ name: f.name, amountCents: f.amountCents }));
  const totalDueCents = grossPremiumCents + taxes.reduce((s, t) => s + t.amountCents, 0) + fees.reduce((s, f) => s + f.amountCents, 0);

  return ok({
    lineOfBusiness: table.lineOfBusiness,
    rateTableVersion: table.version,
    exposure: {
      basis: table.exposure.basis,
      units: exposureUnits(amount, table.exposure.divisor),
      unitSize: table.exposure.unitSize,
      rate: cls.rate,
    },
    basePremiumCents,
    factors,
    minimumPremiumCents: table.minimumPremiumCents,
    minimumPremiumApplied,
    grossPremiumCents,
    taxes,
    fees,
    totalDueCents,
  });
}
