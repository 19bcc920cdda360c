/**
 * Mid-term premium math: cancellation returns, endorsement deltas and reinstatement reversals
 * (DECISIONS.md, "Insurance rules"). Pure functions on integer cents and `YYYY-MM-DD` dates; each
 * figure is rounded half-up once, at its last step, and returned with the inputs that recompute it.
 */
import { fail, invalid, ok, type Result } from "#shared/errors";
import { daysBetween, isValidDate } from "#shared/dates";
import { mulDivRound } from "#shared/money";
import type { CancellationMethod } from "./types.ts";

/** Short rate keeps a 10% penalty: the return is 9/10 of the pro-rata return. */
const SHORT_RATE_NUMERATOR = 9;
const SHORT_RATE_DENOMINATOR = 10;

/** Days a cancelled policy may be reinstated after the cancellation takes effect. */
export const REINSTATEMENT_WINDOW_DAYS = 30;

const isCents = (v: number) => Number.isSafeInteger(v) && v >= 0;

/**
 * The policy's term in days after checking its dates, and that `date` (the transaction's effective
 * date, the `effectiveDate` of the request) lies within [policy effective, policy expiration).
 */
function termAndPosition(
  policyEffective: string,
  policyExpiration: string,
  date: string,
): Result<{ termDays: number; remainingDays: number }> {
  if (!isValidDate(policyEffective)) return invalid("policy.effectiveDate", "date", "the policy's effectiveDate is not a date");
  if (!isValidDate(policyExpiration) || policyExpiration <= policyEffective) {
    return invalid("policy.expirationDate", "after_effective", "the policy's expirationDate must follow its effectiveDate");
  }
  if (!isValidDate(date)) return invalid("effectiveDate", "date", "effectiveDate must be a YYYY-MM-DD date");
  if (date < policyEffective || date >= policyExpiration) {
    return invalid("effectiveDate", "within_term", `effectiveDate must be on or after ${policyEffective} and before ${policyExpiration}`);
  }
  return ok({ termDays: daysBetween(policyEffective, policyExpiration), remainingDays: daysBetween(date, policyExpiration) });
}

/** What a cancellation needs: the policy's premium and term, and the cancellation's effective date. */
export interface CancellationInput {
  method: CancellationMethod;
  /** Premium currently in force (written plus endorsements), the base of pro-rata and short-rate returns. */
  premiumInForceCents: number;
  /** Premium written at inception: what a flat cancellation returns. */
  writtenPremiumCents: number;
  effectiveDate: string;
  expirationDate: string;
  cancellationDate: string;
}

/** A cancellation's return premium with the figures that recompute it. */
export interface CancellationReturn {
  returnPremiumCents: number;
  termDays: number;
  unexpiredDays: number;
  /**
   * The exact fraction of premium returned, as text: "1" (flat), "unexpired/term" (pro rata, e.g.
   * "245/365") or "9×unexpired/(10×term)" multiplied out (short rate, e.g. "2205/3650"). Unreduced,
   * so the day counts stay visible and the figure recomputes as premium × numerator / denominator.
   */
  factor: string;
  method: CancellationMethod;
}

/**
 * The premium returned on cancellation.
 * - `flat`: only when the cancellation takes effect at inception (else `business_rule_violation`);
 *   returns the full written premium.
 * - `pro_rata`: premium in force × unexpired days / term days.
 * - `short_rate`: 90% of the pro-rata return, taken from the exact pro-rata value
 *   (premium × unexpired × 9 / (term × 10)) and rounded once. Rounding the pro-rata return first
 *   and then taking 90% would round twice: on $12,000 with 245 of 365 days unexpired the exact
 *   return is $7,249.3150…, which rounds to $7,249.32, whereas 90% of the rounded $8,054.79 is
 *   $7,249.311 → $7,249.31.
 *
 * `cancellationDate` must lie in [effectiveDate, expirationDate), else `validation_failed` naming
 * `effectiveDate` (the cancellation request's field). termDays is 365 or 366 for a 12-month term.
 * Invariant: 0 ≤ short_rate ≤ pro_rata ≤ premium in force, and the return never grows as the
 * cancellation date moves later.
 */
export function cancellationReturn(input: CancellationInput): Result<CancellationReturn> {
  const { method, premiumInForceCents, writtenPremiumCents, effectiveDate, expirationDate, cancellationDate } = input;
  if (!isCents(premiumInForceCents)) return invalid("premiumInForce", "range", "premium in force must be non-negative cents");
  if (!isCents(writtenPremiumCents)) return invalid("writtenPremium", "range", "written premium must be non-negative cents");
  const position = termAndPosition(effectiveDate, expirationDate, cancellationDate);
  if (!position.ok) return position;
  const { termDays, remainingDays: unexpiredDays } = position.value;

  switch (method) {
    case "flat":
      if (cancellationDate !== effectiveDate) {
        return fail("business_rule_violation", "A flat cancellation must take effect on the policy's effective date", {
          field: "method",
          effectiveDate,
          cancellationDate,
        });
      }
      return ok({ returnPremiumCents: writtenPremiumCents, termDays, unexpiredDays, factor: "1", method });
    case "pro_rata":
      return ok({
        returnPremiumCents: mulDivRound(premiumInForceCents, unexpiredDays, termDays),
        termDays,
        unexpiredDays,
        factor: `${unexpiredDays}/${termDays}`,
        method,
      });
    case "short_rate": {
      const numerator = unexpiredDays * SHORT_RATE_NUMERATOR;
      const denominator = termDays * SHORT_RATE_DENOMINATOR;
      return ok({
        returnPremiumCents: mulDivRound(premiumInForceCents, numerator, denominator),
        termDays,
        unexpiredDays,
        factor: `${numerator}/${denominator}`,
        method,
      });
    }
    default:
      return invalid("method", "enum", "method must be flat, pro_rata or short_rate");
  }
}

/** What an endorsement needs: the annual premium before and after, the policy term, and its date. */
export interface EndorsementInput {
  oldAnnualCents: number;
  newAnnualCents: number;
  /** The policy's effective date. */
  effectiveDate: string;
  expirationDate: string;
  /** When the change takes effect (the endorsement request's `effectiveDate`). */
  endorsementDate: string;
}

/** An endorsement's premium change with the day counts that recompute it. */
export interface EndorsementDelta {
  premiumDeltaCents: number;
  remainingDays: number;
  termDays: number;
}

/**
 * The premium an endorsement adds (or returns, when negative): (new annual − old annual) × remaining
 * days / term days, rounded once, half-up on the absolute value so a decrease mirrors the same
 * increase exactly. `endorsementDate` must lie in [effectiveDate, expirationDate), else
 * `validation_failed` naming `effectiveDate`.
 */
export function endorsementDelta(input: EndorsementInput): Result<EndorsementDelta> {
  const { oldAnnualCents, newAnnualCents, effectiveDate, expirationDate, endorsementDate } = input;
  if (!isCents(oldAnnualCents)) return invalid("oldAnnualPremium", "range", "the old annual premium must be non-negative cents");
  if (!isCents(newAnnualCents)) return invalid("newAnnualPremium", "range", "the new annual premium must be non-negative cents");
  const position = termAndPosition(effectiveDate, expirationDate, endorsementDate);
  if (!position.ok) return position;
  const { termDays, remainingDays } = position.value;
  return ok({ premiumDeltaCents: mulDivRound(newAnnualCents - oldAnnualCents, remainingDays, termDays), remainingDays, termDays });
}

/**
 * The premium delta of a reinstatement: it reverses the cancellation, so the premium the
 * cancellation returned is charged back in full (+returnPremium), with no re-proration: coverage
 * continues as if never cancelled. Throws on a negative or fractional amount (a stored figure, so a bug).
 */
export function reinstatementReversal(returnPremiumCents: number): number {
  if (!isCents(returnPremiumCents)) throw new RangeError("returnPremiumCents must be non-negative integer cents");
  return returnPremiumCents;
}

/**
 * Whether a cancellation effective on `cancellationDate` may still be reinstated on
 * `reinstatementDate`: no later than {@link REINSTATEMENT_WINDOW_DAYS} days after it, else
 * `business_rule_violation` (422). A request before the effective date rescinds a cancellation that
 * has not yet taken effect, and is allowed. Returns the days elapsed (negative before the date).
 */
export function reinstatementWindow(cancellationDate: string, reinstatementDate: string): Result<{ daysSinceCancellation: number }> {
  if (!isValidDate(cancellationDate)) return invalid("cancellation.effectiveDate", "date", "the cancellation's date is not a date");
  if (!isValidDate(reinstatementDate)) return invalid("effectiveDate", "date", "effectiveDate must be a YYYY-MM-DD date");
  const days = daysBetween(cancellationDate, reinstatementDate);
  if (days > REINSTATEMENT_WINDOW_DAYS) {
    return fail(
      "business_rule_violation",
      `A cancellation can be reinstated only within ${REINSTATEMENT_WINDOW_DAYS} days of its effective date (${cancellationDate})`,
      { cancellationDate, reinstatementDate, windowDays: REINSTATEMENT_WINDOW_DAYS },
    );
  }
  return ok({ daysSinceCancellation: days });
}
