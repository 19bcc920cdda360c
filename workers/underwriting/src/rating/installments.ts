/**
 * Installment plans at bind (DECISIONS.md, "Insurance rules"). Payments split the written premium
 * exactly; installment fees sit beside premium, never inside it.
 */
import { addMonths } from "#shared/dates";
import type { Installment, InstallmentPlan } from "./types.ts";

/** One plan's terms: the down payment at month 0, then each later payment's share and month. */
export interface InstallmentPlanTerms {
  /** Later payments as `[month offset, share numerator]` over `denominator`. */
  readonly later: readonly (readonly [month: number, share: number])[];
  readonly denominator: number;
  /** Fee in cents on each payment after the down payment. */
  readonly feeCents: number;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The plans as data. The down payment's share is whatever the later shares leave (1/2, 1/4, 20%,
 * 1/12), which is also why it is the payment that absorbs the rounding remainder.
 */
export const INSTALLMENT_PLANS: Readonly<Record<InstallmentPlan, InstallmentPlanTerms>> = {
  PIF: { later: [], denominator: 1, feeCents: 0 },
  TWO_PAY: { later: [[6, 1]], denominator: 2, feeCents: 0 },
  QUARTERLY: { later: [3, 6, 9].map((m) => [m, 1] as const), denominator: 4, feeCents: 500 },
  MONTHLY_10: { later: range(2, 9).map((m) => [m, 1] as const), denominator: 10, feeCents: 800 },
  MONTHLY_12: { later: range(1, 11).map((m) => [m, 1] as const), denominator: 12, feeCents: 800 },
};

/**
 * The payment schedule for `grossPremiumCents` (a non-negative integer) written on `effectiveDate`.
 *
 * Each later payment is floor(premium × share), computed exactly in BigInt; the down payment (number
 * 1, due on `effectiveDate`) is the premium minus the later payments. So the premiums sum to
 * `grossPremiumCents` exactly, every payment is non-negative, and the down payment is at least each
 * later one. Payment N is due `effectiveDate` + its month offset (clamped to month end by
 * `addMonths`). `feeCents` is the plan's installment fee on every payment but the down payment.
 *
 * Throws on a negative or fractional premium or an unknown plan: callers pass a rated premium and a
 * validated plan, so either is a bug.
 */
export function installmentSchedule(plan: InstallmentPlan, grossPremiumCents: number, effectiveDate: string): Installment[] {
  const terms = INSTALLMENT_PLANS[plan];
  if (!terms) throw new RangeError(`unknown installment plan: ${plan}`);
  if (!Number.isSafeInteger(grossPremiumCents) || grossPremiumCents < 0) {
    throw new RangeError("grossPremiumCents must be a non-negative safe integer");
  }
  const premium = BigInt(grossPremiumCents);
  // Floor, not half-up: rounding a later payment up could push the total past the premium; the
  // down payment then takes the few cents left over.
  const later = terms.later.map(([month, share]) => ({
    month,
    cents: Number((premium * BigInt(share)) / BigInt(terms.denominator)),
  }));
  const down = grossPremiumCents - later.reduce((sum, p) => sum + p.cents, 0);
  return [
    { number: 1, dueDate: effectiveDate, premiumCents: down, feeCents: 0 },
    ...later.map((p, i) => ({
      number: i + 2,
      dueDate: addMonths(effectiveDate, p.month),
      premiumCents: p.cents,
      feeCents: terms.feeCents,
    })),
  ];
}
