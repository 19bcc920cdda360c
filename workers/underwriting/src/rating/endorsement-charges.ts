/**
 * The annual charges of the coverage endorsements a policy can carry beside its rated exposures:
 * named additional insureds and the blanket waiver of subrogation. Like the rate tables, the
 * charges are versioned data chosen by the policy's effective date, never edited once published (a
 * change of price is a new version with a later `effectiveFrom`), and every figure comes back with
 * the inputs that recompute it. Integer cents throughout; each charge is rounded half-up once.
 *
 * A policy's annual premium is its rated premium (rate.ts, from its exposures) plus these charges;
 * an endorsement that changes either is charged pro rata like any other (transactions.ts).
 */
import { fail, ok, type Result } from "#shared/errors";
import { fromCents, mulDivRound } from "#shared/money";

/** One published version of the endorsement charges. */
export interface EndorsementChargeTable {
  /** `ENDT-{year}.{n}`. */
  readonly version: string;
  /** First policy effective date (`YYYY-MM-DD`) this version prices. */
  readonly effectiveFrom: string;
  /** Flat annual charge per named additional insured. */
  readonly additionalInsuredAnnualCents: number;
  /** Waiver of subrogation: this share of the rated annual premium (basis points, 200 = 2%)… */
  readonly waiverRateBasisPoints: number;
  /** …but never less than this a year. */
  readonly waiverMinimumAnnualCents: number;
}

/** Every version, oldest first. */
export const ENDORSEMENT_CHARGE_TABLES: readonly EndorsementChargeTable[] = [
  { version: "ENDT-2026.1", effectiveFrom: "2026-01-01", additionalInsuredAnnualCents: 15_000, waiverRateBasisPoints: 200, waiverMinimumAnnualCents: 25_000 },
];

/** The version in force for a policy effective on `effectiveDate`: the latest one that began on or before it. */
export function endorsementChargeTable(effectiveDate: string): Result<EndorsementChargeTable> {
  const table = [...ENDORSEMENT_CHARGE_TABLES].reverse().find((t) => t.effectiveFrom <= effectiveDate);
  if (!table) return fail("business_rule_violation", `No endorsement charges are published for policies effective ${effectiveDate}`, { effectiveDate });
  return ok(table);
}

/** The endorsements being priced. */
export interface EndorsementSelection {
  additionalInsuredCount: number;
  waiverOfSubrogation: boolean;
}

/** The annual charges of a selection, with the inputs that recompute them. */
export interface EndorsementCharges {
  version: string;
  additionalInsuredsAnnualCents: number;
  waiverAnnualCents: number;
  totalAnnualCents: number;
}

/**
 * The annual charges for `selection` on a policy whose rated (exposure) annual premium is
 * `ratedAnnualCents`: count × the per-insured charge, plus the waiver's share of the rated premium
 * (never below its minimum) when the waiver is carried.
 */
export function endorsementCharges(table: EndorsementChargeTable, ratedAnnualCents: number, selection: EndorsementSelection): EndorsementCharges {
  const additionalInsuredsAnnualCents = selection.additionalInsuredCount * table.additionalInsuredAnnualCents;
  const waiverAnnualCents = selection.waiverOfSubrogation
    ? Math.max(mulDivRound(ratedAnnualCents, table.waiverRateBasisPoints, 10_000), table.waiverMinimumAnnualCents)
    : 0;
  return { version: table.version, additionalInsuredsAnnualCents, waiverAnnualCents, totalAnnualCents: additionalInsuredsAnnualCents + waiverAnnualCents };
}

/** The charges as a timeline entry's `details.endorsementCharges` shows them (USD major units). */
export function describeCharges(table: EndorsementChargeTable, ratedAnnualCents: number, selection: EndorsementSelection, charges: EndorsementCharges) {
  return {
    version: table.version,
    ratedAnnualPremium: fromCents(ratedAnnualCents),
    additionalInsureds: {
      count: selection.additionalInsuredCount,
      annualChargeEach: fromCents(table.additionalInsuredAnnualCents),
      annual: fromCents(charges.additionalInsuredsAnnualCents),
    },
    waiverOfSubrogation: {
      carried: selection.waiverOfSubrogation,
      rate: `${table.waiverRateBasisPoints}/10000`,
      minimumAnnual: fromCents(table.waiverMinimumAnnualCents),
      annual: fromCents(charges.waiverAnnualCents),
    },
    totalAnnual: fromCents(charges.totalAnnualCents),
  };
}
