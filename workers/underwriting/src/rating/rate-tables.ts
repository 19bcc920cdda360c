/**
 * Versioned rate tables, as data. Each line of business has one table per version; a quote is rated
 * with the latest version in force on its effective date (DECISIONS.md, "Insurance rules") and
 * names it (`rateTableVersion`) so the figure can be recomputed later. A published version is never
 * edited: a rate change is a new object with a later `effectiveFrom`.
 *
 * Every factor and rate is decimal text, applied exactly (see ./decimal.ts); money is integer cents.
 */
import { fail, ok, type Result } from "#shared/errors";
import type { LineOfBusiness } from "./types.ts";

/** The 50 states and DC: the states a risk may be located in (anything else fails validation). */
// prettier-ignore
export const US_STATES: readonly string[] = [
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
  "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
  "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
];

/** A factor that applies from `atLeastCents` up to the next breakpoint. */
export interface MoneyBreakpoint {
  readonly atLeastCents: number;
  readonly factor: string;
}

/**
 * One version of one line's rates. Invariants (checked by the tests): breakpoint lists ascend and
 * the deductible list starts at 0; every factor, rate and tax rate parses as a decimal; class keys
 * are 2–6 digit NAICS prefixes.
 */
export interface RateTable {
  readonly lineOfBusiness: LineOfBusiness;
  /** `{LOB}-{year}.{n}`, e.g. "GL-2026.1". */
  readonly version: string;
  /** First effective date (`YYYY-MM-DD`) this version rates. */
  readonly effectiveFrom: string;
  /**
   * What a rate is charged per. `divisor` is how many of the input's units make one rated unit:
   * revenue and property values arrive in cents, so $1,000 of revenue is 100,000 and $100 of
   * property is 10,000; vehicles are counted one by one. Always a power of ten, so the units
   * display exactly. `unitSize` is the same thing in dollars
   * (or vehicles), as reported in the quote.
   */
  readonly exposure: {
    readonly basis: "revenue" | "property_values" | "vehicles";
    readonly unitSize: string;
    readonly divisor: number;
  };
  /**
   * Dollars per exposure unit by NAICS prefix (2-digit sector to 6-digit industry). The longest
   * listed prefix of a code wins; a code with no listed prefix is not rated (no silent default:
   * an unknown class is an underwriting question, not a price).
   */
  readonly classRates: Readonly<Record<string, string>>;
  /** Territorial factor: listed states differ, every other state in {@link US_STATES} takes `default`. */
  readonly stateFactors: { readonly default: string; readonly byState: Readonly<Record<string, string>> };
  /**
   * Increased-limit factors: the highest breakpoint at or below the requested limit applies (no
   * interpolation). Below the first breakpoint or above `maximumLimitCents` is not offered.
   */
  readonly increasedLimits: { readonly maximumLimitCents: number; readonly breakpoints: readonly MoneyBreakpoint[] };
  /** Deductible credits: the highest breakpoint at or below the deductible (none = 0) applies. */
  readonly deductibleCredits: readonly MoneyBreakpoint[];
  /**
   * Loss history over the effective year and the `lookbackYears` calendar years before it (losses
   * are reported by year only, so a loss earlier in the effective year must count).
   * `countFactors[n]` applies to n losses, the last entry to that many or more. When the losses in
   * the window total more than `severityThreshold` × the base premium, `severityFactor` multiplies
   * the count factor too: one factor in the waterfall, its parts in `inputs`.
   */
  readonly lossHistory: {
    readonly lookbackYears: number;
    readonly countFactors: readonly string[];
    readonly severityThreshold: string;
    readonly severityFactor: string;
  };
  /** Years in business: the highest `atLeastYears` at or below the years applies; unknown takes `unknown`. */
  readonly experience: {
    readonly unknown: string;
    readonly breakpoints: readonly { readonly atLeastYears: number; readonly factor: string }[];
  };
  /** Written premium never goes below this (a flat amount per policy). */
  readonly minimumPremiumCents: number;
  /** State premium tax on the gross premium: listed states differ from `default`. */
  readonly premiumTax: { readonly default: string; readonly byState: Readonly<Record<string, string>> };
  /** Flat fees outside premium, charged once per policy. */
  readonly fees: readonly { readonly name: string; readonly amountCents: number }[];
}

// Shared between versions where nothing changed; each version still reads as a whole object.
const STANDARD_EXPERIENCE: RateTable["experience"] = {
  unknown: "1.10",
  breakpoints: [
    { atLeastYears: 0, factor: "1.10" },
    { atLeastYears: 3, factor: "1.00" },
    { atLeastYears: 10, factor: "0.95" },
  ],
};

const STANDARD_LOSS_HISTORY: RateTable["lossHistory"] = {
  lookbackYears: 3,
  countFactors: ["0.95", "1.00", "1.10", "1.25"],
  severityThreshold: "0.50",
  severityFactor: "1.10",
};

const PREMIUM_TAX_2026: RateTable["premiumTax"] = {
  default: "0.0300",
  byState: { CA: "0.0235", FL: "0.0175", NY: "0.0200", TX: "0.0185", KY: "0.0450" },
};

const POLICY_FEE = { name: "Policy fee", amountCents: 15_000 } as const;
const MCS90_FEE = { name: "MCS-90 filing fee", amountCents: 5_000 } as const;

/** General liability 2026: dollars per $1,000 of annual revenue. */
export const GL_2026_1: RateTable = {
  lineOfBusiness: "GL",
  version: "GL-2026.1",
  effectiveFrom: "2026-01-01",
  exposure: { basis: "revenue", unitSize: "1000", divisor: 100_000 },
  classRates: {
    "23": "6.50", // construction
    "236": "5.80", // building construction
    "237": "7.10", // heavy and civil engineering
    "2381": "9.75", // foundation, structure and exterior (roofing, framing, concrete)
    "2382": "7.25", // building equipment (electrical, plumbing, HVAC)
    "31": "3.10", // manufacturing
    "32": "3.10",
    "33": "3.10",
    "325": "4.60", // chemicals
    "336": "3.90", // transportation equipment
    "42": "1.40", // wholesale trade
    "44": "2.20", // retail trade
    "45": "2.20",
    "4451": "2.60", // grocery stores
    "48": "3.40", // transportation
    "49": "3.40", // warehousing and couriers
    "484": "4.20", // trucking
    "493": "2.10", // warehousing and storage
    "52": "0.45", // finance and insurance
    "524": "0.40", // insurance carriers and agencies
    "54": "0.85", // professional, scientific and technical services
    "5413": "1.20", // architecture and engineering
    "56": "2.90", // administrative and support services
    "5617": "4.10", // services to buildings (janitorial, landscaping)
    "62": "1.60", // health care
    "623": "3.25", // nursing and residential care
    "72": "3.80", // accommodation and food services
    "721": "2.75", // accommodation
    "722": "4.40", // restaurants
    "7224": "6.90", // drinking places
  },
  stateFactors: {
    default: "1.00",
    // prettier-ignore
    byState: {
      CA: "1.20", FL: "1.15", IL: "1.10", LA: "1.20", NJ: "1.15", NY: "1.35", TX: "1.10",
      IA: "0.85", ID: "0.85", ND: "0.85", NE: "0.88", OH: "0.92", OR: "0.95", SD: "0.85", UT: "0.92", VT: "0.90",
      WI: "0.90", WY: "0.88",
    },
  },
  increasedLimits: {
    maximumLimitCents: 500_000_000,
    breakpoints: [
      { atLeastCents: 50_000_000, factor: "0.80" },
      { atLeastCents: 100_000_000, factor: "1.00" },
      { atLeastCents: 200_000_000, factor: "1.27" },
      { atLeastCents: 300_000_000, factor: "1.42" },
      { atLeastCents: 500_000_000, factor: "1.65" },
    ],
  },
  deductibleCredits: [
    { atLeastCents: 0, factor: "1.00" },
    { atLeastCents: 100_000, factor: "0.97" },
    { atLeastCents: 250_000, factor: "0.95" },
    { atLeastCents: 500_000, factor: "0.92" },
    { atLeastCents: 1_000_000, factor: "0.88" },
    { atLeastCents: 2_500_000, factor: "0.83" },
  ],
  lossHistory: STANDARD_LOSS_HISTORY,
  experience: STANDARD_EXPERIENCE,
  minimumPremiumCents: 50_000,
  premiumTax: PREMIUM_TAX_2026,
  fees: [POLICY_FEE],
};

/** General liability 2027: a rate revision (most classes up ~4%, higher ILFs, FL and a new IT class). */
export const GL_2027_1: RateTable = {
  lineOfBusiness: "GL",
  version: "GL-2027.1",
  effectiveFrom: "2027-01-01",
  exposure: { basis: "revenue", unitSize: "1000", divisor: 100_000 },
  classRates: {
    "23": "6.75",
    "236": "6.05",
    "237": "7.40",
    "2381": "10.20",
    "2382": "7.55",
    "31": "3.20",
    "32": "3.20",
    "33": "3.20",
    "325": "4.80",
    "336": "4.05",
    "42": "1.45",
    "44": "2.30",
    "45": "2.30",
    "4451": "2.70",
    "48": "3.55",
    "49": "3.55",
    "484": "4.45",
    "493": "2.20",
    "52": "0.45",
    "524": "0.40",
    "54": "0.90",
    "5413": "1.25",
    "5415": "0.70", // computer systems design (new in 2027)
    "56": "3.00",
    "5617": "4.30",
    "62": "1.65",
    "623": "3.40",
    "72": "3.95",
    "721": "2.85",
    "722": "4.60",
    "7224": "7.25",
  },
  stateFactors: {
    default: "1.00",
    // prettier-ignore
    byState: {
      CA: "1.20", FL: "1.20", IL: "1.10", LA: "1.20", NJ: "1.15", NY: "1.35", TX: "1.10",
      IA: "0.85", ID: "0.85", ND: "0.85", NE: "0.88", OH: "0.92", OR: "0.95", SD: "0.85", UT: "0.92", VT: "0.90",
      WI: "0.90", WY: "0.88",
    },
  },
  increasedLimits: {
    maximumLimitCents: 500_000_000,
    breakpoints: [
      { atLeastCents: 50_000_000, factor: "0.80" },
      { atLeastCents: 100_000_000, factor: "1.00" },
      { atLeastCents: 200_000_000, factor: "1.30" },
      { atLeastCents: 300_000_000, factor: "1.46" },
      { atLeastCents: 500_000_000, factor: "1.70" },
    ],
  },
  deductibleCredits: [
    { atLeastCents: 0, factor: "1.00" },
    { atLeastCents: 100_000, factor: "0.97" },
    { atLeastCents: 250_000, factor: "0.95" },
    { atLeastCents: 500_000, factor: "0.92" },
    { atLeastCents: 1_000_000, factor: "0.88" },
    { atLeastCents: 2_500_000, factor: "0.83" },
  ],
  lossHistory: STANDARD_LOSS_HISTORY,
  experience: STANDARD_EXPERIENCE,
  minimumPremiumCents: 55_000,
  premiumTax: PREMIUM_TAX_2026,
  fees: [POLICY_FEE],
};

/**
 * Commercial property 2026: dollars per $100 of total insured value. The premium follows the
 * values, so the limit factor is flat (1.00) and only bounds the limits offered; a zero deductible
 * is surcharged because property is normally written with one.
 */
export const PROP_2026_1: RateTable = {
  lineOfBusiness: "PROP",
  version: "PROP-2026.1",
  effectiveFrom: "2026-01-01",
  exposure: { basis: "property_values", unitSize: "100", divisor: 10_000 },
  classRates: {
    "23": "0.42",
    "31": "0.38",
    "32": "0.38",
    "33": "0.38",
    "325": "0.62", // chemicals: fire load
    "42": "0.30",
    "44": "0.34",
    "45": "0.34",
    "48": "0.36",
    "49": "0.36",
    "493": "0.40", // warehouses: concentration of stock
    "52": "0.18",
    "54": "0.20",
    "56": "0.32",
    "62": "0.28",
    "72": "0.48",
    "722": "0.55", // cooking exposure
  },
  stateFactors: {
    default: "1.00",
    byState: { FL: "1.45", LA: "1.40", TX: "1.25", CA: "1.15", OK: "1.20", KS: "1.15", SC: "1.15", NC: "1.10", AL: "1.15", MS: "1.15" },
  },
  increasedLimits: {
    maximumLimitCents: 5_000_000_000,
    breakpoints: [{ atLeastCents: 10_000_000, factor: "1.00" }],
  },
  deductibleCredits: [
    { atLeastCents: 0, factor: "1.05" },
    { atLeastCents: 100_000, factor: "1.00" },
    { atLeastCents: 250_000, factor: "0.96" },
    { atLeastCents: 500_000, factor: "0.92" },
    { atLeastCents: 1_000_000, factor: "0.87" },
    { atLeastCents: 2_500_000, factor: "0.80" },
  ],
  lossHistory: STANDARD_LOSS_HISTORY,
  experience: STANDARD_EXPERIENCE,
  minimumPremiumCents: 75_000,
  premiumTax: PREMIUM_TAX_2026,
  fees: [POLICY_FEE],
};

/** Commercial auto 2026: dollars per vehicle by the business's class; MCS-90 filing fee applies. */
export const CA_2026_1: RateTable = {
  lineOfBusiness: "CA",
  version: "CA-2026.1",
  effectiveFrom: "2026-01-01",
  exposure: { basis: "vehicles", unitSize: "1", divisor: 1 },
  classRates: {
    "23": "2150.00",
    "31": "1650.00",
    "32": "1650.00",
    "33": "1650.00",
    "42": "1800.00",
    "44": "1450.00",
    "45": "1450.00",
    "48": "2900.00",
    "49": "2900.00",
    "484": "4200.00", // trucking
    "4853": "3600.00", // taxi and limousine
    "492": "2600.00", // couriers
    "52": "1100.00",
    "54": "1150.00",
    "56": "1700.00",
    "5617": "1850.00",
    "62": "1500.00",
    "6219": "3100.00", // ambulance and other ambulatory care
    "72": "1600.00",
  },
  stateFactors: {
    default: "1.00",
    byState: {
      CA: "1.25",
      FL: "1.30",
      LA: "1.40",
      MI: "1.35",
      NJ: "1.25",
      NY: "1.30",
      TX: "1.10",
      ID: "0.85",
      ME: "0.85",
      VT: "0.85",
      IA: "0.88",
    },
  },
  increasedLimits: {
    maximumLimitCents: 500_000_000,
    breakpoints: [
      { atLeastCents: 50_000_000, factor: "0.88" },
      { atLeastCents: 100_000_000, factor: "1.00" },
      { atLeastCents: 200_000_000, factor: "1.18" },
      { atLeastCents: 500_000_000, factor: "1.40" },
    ],
  },
  deductibleCredits: [
    { atLeastCents: 0, factor: "1.00" },
    { atLeastCents: 50_000, factor: "0.97" },
    { atLeastCents: 100_000, factor: "0.94" },
    { atLeastCents: 250_000, factor: "0.90" },
    { atLeastCents: 500_000, factor: "0.86" },
  ],
  lossHistory: STANDARD_LOSS_HISTORY,
  experience: STANDARD_EXPERIENCE,
  minimumPremiumCents: 150_000,
  premiumTax: PREMIUM_TAX_2026,
  fees: [POLICY_FEE, MCS90_FEE],
};

/** Every published table, any order; selection is by line and date. */
export const RATE_TABLES: readonly RateTable[] = [GL_2026_1, GL_2027_1, PROP_2026_1, CA_2026_1];

/**
 * The table in force for `lineOfBusiness` on `effectiveDate`: the latest version whose
 * `effectiveFrom` ≤ `effectiveDate`. No such version (a date before the line's first table) is a
 * `business_rule_violation`, since the date itself is well-formed.
 */
export function selectRateTable(lineOfBusiness: LineOfBusiness, effectiveDate: string): Result<RateTable> {
  let best: RateTable | undefined;
  for (const table of RATE_TABLES) {
    if (table.lineOfBusiness !== lineOfBusiness || table.effectiveFrom > effectiveDate) continue; // ISO dates sort as text
    if (!best || table.effectiveFrom > best.effectiveFrom) best = table;
  }
  if (!best) {
    return fail("business_rule_violation", `No ${lineOfBusiness} rate table is in force on ${effectiveDate}`, {
      lineOfBusiness,
      effectiveDate,
    });
  }
  return ok(best);
}

/** A table by its version (to recompute a stored quote with `rateTableVersion`); undefined when unknown. */
export const findRateTable = (version: string): RateTable | undefined => RATE_TABLES.find((t) => t.version === version);
