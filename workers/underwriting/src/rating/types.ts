/**
 * The insurance-math contract of the underwriting worker: pure inputs and outputs, integer cents
 * throughout, every figure rounded half-up once at its last step and returned with its inputs.
 */
import type { LineOfBusiness } from "../schema.ts";

export type { LineOfBusiness };

/** What rating needs from a submission (money in cents). */
export interface RatingInput {
  lineOfBusiness: LineOfBusiness;
  naicsCode: string;
  state: string;
  effectiveDate: string;
  annualRevenueCents: number;
  requestedLimitCents: number;
  deductibleCents: number | null;
  propertyValuesCents: number | null;
  vehicleCount: number | null;
  yearsInBusiness: number | null;
  priorLosses: { year: number; amountCents: number }[];
}

/** One step of the waterfall: `value` is the exact decimal factor as text ("1.15"); `effectCents` the change it made. */
export interface RatingFactor {
  name: string;
  value: string;
  effectCents: number;
  /** Why this value: e.g. `{state: "OR"}`, `{limit: 2000000, ilf: "1.27"}`. */
  inputs: Record<string, string | number | null>;
}

export interface RatingResult {
  lineOfBusiness: LineOfBusiness;
  rateTableVersion: string;
  exposure: { basis: "revenue" | "property_values" | "vehicles"; units: number; unitSize: string; rate: string };
  basePremiumCents: number;
  factors: RatingFactor[];
  minimumPremiumCents: number;
  minimumPremiumApplied: boolean;
  /** Written premium for the term, before taxes and fees. */
  grossPremiumCents: number;
  taxes: { name: string; rate: string; amountCents: number }[];
  fees: { name: string; amountCents: number }[];
  /** grossPremiumCents + taxes + fees. */
  totalDueCents: number;
}

export type InstallmentPlan = "PIF" | "TWO_PAY" | "QUARTERLY" | "MONTHLY_10" | "MONTHLY_12";

export interface Installment {
  number: number;
  dueDate: string;
  premiumCents: number;
  feeCents: number;
}

export type CancellationMethod = "flat" | "pro_rata" | "short_rate";
export type CancellationReason = "insured_request" | "non_payment" | "underwriting" | "fraud" | "other";
