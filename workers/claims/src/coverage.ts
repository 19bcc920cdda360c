/**
 * Whether a policy covered a loss on a given day, judged from its term and timeline alone (pure, so
 * the rules are table-tested): cover runs from `effectiveDate` up to but not including
 * `expirationDate`; a cancellation stops it from its effective date; a reinstatement resumes it from
 * its own effective date, so a loss between the two fell in a lapse. The platform's reinstatements
 * take effect on the cancellation's date (continuous cover), and then there is no lapse at all.
 */
import type { ClaimPolicyFacts } from "#shared/rpc";

/** Which rule refused the loss. */
export type CoverageRule = "before_inception" | "after_expiration" | "after_cancellation" | "lapse";

export type CoverageDecision =
  | { covered: true }
  | {
      covered: false;
      rule: CoverageRule;
      /** The dates that decided it, named as the API names them (the 422's `details`). */
      dates: { lossDate: string; effectiveDate: string; expirationDate: string; cancellationEffectiveDate?: string; reinstatementEffectiveDate?: string };
    };

/** The cancellations still in force and the lapses a reinstatement closed, in timeline order. */
function cancellationsOf(timeline: ClaimPolicyFacts["timeline"]): { open: string | null; lapses: { from: string; to: string }[] } {
  let open: string | null = null;
  const lapses: { from: string; to: string }[] = [];
  for (const entry of timeline) {
    if (entry.type === "cancellation") open = entry.effectiveDate;
    else if (entry.type === "reinstatement" && open !== null) {
      if (entry.effectiveDate > open) lapses.push({ from: open, to: entry.effectiveDate });
      open = null;
    }
  }
  return { open, lapses };
}

/** The decision for a loss on `lossDate` (`YYYY-MM-DD`) under `policy`. */
export function judgeCoverage(policy: Pick<ClaimPolicyFacts, "effectiveDate" | "expirationDate" | "timeline">, lossDate: string): CoverageDecision {
  const base = { lossDate, effectiveDate: policy.effectiveDate, expirationDate: policy.expirationDate };
  if (lossDate < policy.effectiveDate) return { covered: false, rule: "before_inception", dates: base };
  if (lossDate >= policy.expirationDate) return { covered: false, rule: "after_expiration", dates: base };
  const { open, lapses } = cancellationsOf(policy.timeline);
  if (open !== null && lossDate >= open) return { covered: false, rule: "after_cancellation", dates: { ...base, cancellationEffectiveDate: open } };
  const lapse = lapses.find((l) => lossDate >= l.from && lossDate < l.to);
  if (lapse) return { covered: false, rule: "lapse", dates: { ...base, cancellationEffectiveDate: lapse.from, reinstatementEffectiveDate: lapse.to } };
  return { covered: true };
}

/** What the 422 says, in words. */
export function coverageMessage(decision: Extract<CoverageDecision, { covered: false }>): string {
  const d = decision.dates;
  switch (decision.rule) {
    case "before_inception":
      return `The loss date ${d.lossDate} is before the policy's effective date ${d.effectiveDate}`;
    case "after_expiration":
      return `The loss date ${d.lossDate} is on or after the policy's expiration date ${d.expirationDate}`;
    case "after_cancellation":
      return `The loss date ${d.lossDate} is on or after the policy's cancellation, effective ${d.cancellationEffectiveDate}`;
    case "lapse":
      return `The loss date ${d.lossDate} falls in the lapse between the cancellation effective ${d.cancellationEffectiveDate} and the reinstatement effective ${d.reinstatementEffectiveDate}`;
  }
}
