import type { DaAgreementRow, SubmissionRow } from "./schema.ts";

export interface AuthorityDecision {
  /** The agreement the risk is written under; null when the org has none (its own paper). */
  agreement: DaAgreementRow | null;
  withinAuthority: boolean;
  /** Why the risk falls outside authority (empty when within). */
  reasons: string[];
}

/** The risk authority is judged on: a submission's, or a policy's as an endorsement would leave it. */
export type AuthorityRisk = Pick<SubmissionRow, "lineOfBusiness" | "state" | "naicsCode" | "requestedLimitCents">;

/** Reasons `submission` falls outside `agreement` (empty when it fits). Aggregate caps are checked by the ledger. */
export function authorityGaps(agreement: DaAgreementRow, submission: AuthorityRisk): string[] {
  const reasons: string[] = [];
  if (agreement.lineOfBusiness && agreement.lineOfBusiness !== submission.lineOfBusiness) {
    reasons.push(`line of business ${submission.lineOfBusiness} is outside the agreement (${agreement.lineOfBusiness})`);
  }
  if (!agreement.states.includes(submission.state)) reasons.push(`state ${submission.state} is not delegated`);
  if (!agreement.naicsPrefixes.some((p) => submission.naicsCode.startsWith(p))) {
    reasons.push(`NAICS ${submission.naicsCode} is outside the delegated classes`);
  }
  if (submission.requestedLimitCents > agreement.maxLimitPerRiskCents) {
    reasons.push(`requested limit ${submission.requestedLimitCents / 100} exceeds the per-risk maximum ${agreement.maxLimitPerRiskCents / 100}`);
  }
  return reasons;
}

/**
 * Delegated authority for a quote. With a named agreement, the risk must fit it. Otherwise the
 * first of the org's agreements the risk fits is used; if the org has agreements but the risk fits
 * none, it is referred with the gaps against the closest one (same line, fewest gaps). An org with
 * no agreements writes on its own authority.
 */
export function decideAuthority(agreements: DaAgreementRow[], submission: SubmissionRow, requestedId?: string): AuthorityDecision {
  if (requestedId) {
    const named = agreements.find((a) => a.id === requestedId);
    if (!named) return { agreement: null, withinAuthority: false, reasons: [`delegated authority agreement ${requestedId} not found`] };
    const reasons = authorityGaps(named, submission);
    return { agreement: named, withinAuthority: reasons.length === 0, reasons };
  }
  if (agreements.length === 0) return { agreement: null, withinAuthority: true, reasons: [] };
  const ranked = agreements
    .map((agreement) => ({ agreement, reasons: authorityGaps(agreement, submission) }))
    .sort((a, b) => a.reasons.length - b.reasons.length);
  const best = ranked[0]!;
  return { agreement: best.agreement, withinAuthority: best.reasons.length === 0, reasons: best.reasons };
}
