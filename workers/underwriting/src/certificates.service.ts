/**
 * What a certificate of insurance may say about a policy (DECISIONS.md, "Documents"): whether the
 * policy is in force on the org's today, whether it carries the endorsements a certificate's
 * additional-insured and waiver boxes claim, and the ACORD 25 data set of its line. The documents
 * worker lays the facts out and stores the PDF; nothing here writes.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { daysBetween } from "#shared/dates";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { CertificateCoverage, CertificateFacts, CertificateFactsRequest, InsuredCertificateFacts } from "#shared/rpc";
import { insurerOf } from "./carriers.ts";
import { endorsementsOf } from "./policies.service.ts";
import { daAgreements, policies, policyTransactions, submissions, type LineOfBusiness, type PolicyRow } from "./schema.ts";

/** A certificate may evidence cover that starts at most this many days after today (a contract signed ahead of the job). */
export const CERTIFICATE_LEAD_DAYS = 60;

const TITLES: Record<LineOfBusiness, string> = {
  GL: "Commercial General Liability (occurrence)",
  CA: "Commercial Automobile Liability (any auto)",
  PROP: "Commercial Property",
};

/**
 * The ACORD 25 limits of a line, derived from the policy's limit of liability (`limit`, the each
 * occurrence / combined single / total insured value figure it was rated on) by one rule:
 *
 * - GL, the standard ISO CG 00 01 proportions: each occurrence = limit; damage to rented premises
 *   = 10% of it; medical expense = 0.5% of it, at most $10,000; personal and advertising injury =
 *   limit; general aggregate = 2 × limit; products-completed operations aggregate = 2 × limit.
 * - CA: combined single limit = limit.
 * - PROP: the limit is the blanket total insured value, allotted 70% to the building and 30% to
 *   business personal property (contents), in whole dollars, the two summing to the limit exactly.
 *
 * Cents, each figure rounded half-up once; `fromCents` at the edge.
 */
export function coverageLimits(line: LineOfBusiness, limitCents: number): { label: string; amount: number }[] {
  const round = (n: number, num: number, den: number) => Number((BigInt(n) * BigInt(num) * 2n + BigInt(den)) / (2n * BigInt(den)));
  switch (line) {
    case "GL":
      return [
        { label: "Each occurrence", amount: fromCents(limitCents) },
        { label: "Damage to rented premises (each occurrence)", amount: fromCents(round(limitCents, 1, 10)) },
        { label: "Medical expense (any one person)", amount: fromCents(Math.min(round(limitCents, 5, 1000), 1_000_000)) },
        { label: "Personal and advertising injury", amount: fromCents(limitCents) },
        { label: "General aggregate", amount: fromCents(limitCents * 2) },
        { label: "Products - completed operations aggregate", amount: fromCents(limitCents * 2) },
      ];
    case "CA":
      return [{ label: "Combined single limit (each accident)", amount: fromCents(limitCents) }];
    case "PROP": {
      // Whole dollars: 70% of the limit rounded half-up to the dollar, the contents take the rest.
      const buildingCents = round(limitCents, 7, 1000) * 100;
      return [
        { label: "Building", amount: fromCents(buildingCents) },
        { label: "Business personal property (contents)", amount: fromCents(limitCents - buildingCents) },
      ];
    }
  }
}

/**
 * The policy, its timeline (transactions in order) and its insured's email, read in one D1 batch:
 * one round trip instead of three in a row (the submission is found through the policy).
 */
async function certificateSources(db: DrizzleD1Database, orgId: string, policyId: string) {
  const [found, timeline, insured] = await db.batch([
    db.select().from(policies).where(and(eq(policies.orgId, orgId), eq(policies.id, policyId))).limit(1),
    db
      .select({ type: policyTransactions.type, effectiveDate: policyTransactions.effectiveDate })
      .from(policyTransactions)
      .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId)))
      .orderBy(asc(policyTransactions.seq)),
    db
      .select({ email: submissions.insuredEmail })
      .from(policies)
      .innerJoin(submissions, and(eq(submissions.orgId, policies.orgId), eq(submissions.id, policies.submissionId)))
      .where(and(eq(policies.orgId, orgId), eq(policies.id, policyId)))
      .limit(1),
  ]);
  return { policy: found[0], timeline, insuredEmail: insured[0]?.email ?? null };
}

/** Whether the policy is in force for a certificate issued on `today`, judged from its timeline (its transactions in order). */
function inForceOn(policy: PolicyRow, rows: readonly { type: string; effectiveDate: string }[], today: string): Result<{ cancellationEffectiveDate: string | null }> {
  // The timeline decides, not the status column alone: a cancellation dated ahead leaves the policy
  // in force until that date, and a reinstatement undoes the cancellation it reverses.
  let cancelledFrom: string | null = null;
  for (const row of rows) {
    if (row.type === "cancellation") cancelledFrom = row.effectiveDate;
    else if (row.type === "reinstatement") cancelledFrom = null;
  }
  const dates = { asOf: today, effectiveDate: policy.effectiveDate, expirationDate: policy.expirationDate, status: policy.status };
  if (cancelledFrom !== null && cancelledFrom <= today) {
    return fail("policy_not_in_force", `The policy was cancelled effective ${cancelledFrom}: it gets no certificate`, { reason: "cancelled", cancellationEffectiveDate: cancelledFrom, ...dates });
  }
  if (policy.expirationDate <= today) {
    return fail("policy_not_in_force", `The policy expired on ${policy.expirationDate}: it gets no certificate`, { reason: "expired", ...dates });
  }
  const lead = daysBetween(today, policy.effectiveDate);
  if (lead > CERTIFICATE_LEAD_DAYS) {
    return fail("policy_not_in_force", `The policy takes effect on ${policy.effectiveDate}, ${lead} days from today; a certificate is issued at most ${CERTIFICATE_LEAD_DAYS} days ahead`, {
      reason: "not_yet_effective",
      daysUntilEffective: lead,
      maxLeadDays: CERTIFICATE_LEAD_DAYS,
      ...dates,
    });
  }
  return ok({ cancellationEffectiveDate: cancelledFrom });
}

const sameName = (a: string, b: string) => a.trim().replace(/\s+/g, " ").toLowerCase() === b.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * The facts of a certificate for `policyId` of `principal`'s org (another org's is `not_found`):
 * refused with `policy_not_in_force` when the policy is cancelled or expired on the org's today or
 * starts more than 60 days after it, and with `endorsement_required` when `additionalInsured` is
 * asked and the policy names no additional insured called as the holder, or `waiverOfSubrogation`
 * is asked of a policy without the waiver.
 */
export async function certificateFacts(db: DrizzleD1Database, principal: Principal, policyId: string, request: CertificateFactsRequest): Promise<Result<CertificateFacts>> {
  const holderName = typeof request.holderName === "string" ? request.holderName.trim() : "";
  if (!holderName) return invalid("holder.name", "required", "The certificate holder's name is required");
  const { policy, timeline, insuredEmail } = await certificateSources(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  const today = clockOf(principal).today();
  const inForce = inForceOn(policy, timeline, today);
  if (!inForce.ok) return inForce;

  const endorsements = endorsementsOf(policy);
  const additionalInsured = request.additionalInsured === true;
  const waiverOfSubrogation = request.waiverOfSubrogation === true;
  if (additionalInsured && !endorsements.additionalInsureds.some((a) => sameName(a.name, holderName))) {
    return fail("endorsement_required", `The policy has no additional insured endorsement naming ${holderName}; endorse the policy with it first`, {
      endorsement: "additional_insured",
      holder: holderName,
      additionalInsureds: endorsements.additionalInsureds.map((a) => a.name),
    });
  }
  if (waiverOfSubrogation && !endorsements.waiverOfSubrogation) {
    return fail("endorsement_required", "The policy carries no waiver of subrogation endorsement; endorse the policy with it first", { endorsement: "waiver_of_subrogation" });
  }

  const agreement = policy.daAgreementId
    ? await db.select({ carrier: daAgreements.carrier }).from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, policy.daAgreementId))).get()
    : undefined;
  const insurer = insurerOf(policy.lineOfBusiness, agreement?.carrier ?? null);
  const coverage: CertificateCoverage = {
    lineOfBusiness: policy.lineOfBusiness,
    title: TITLES[policy.lineOfBusiness],
    insurerLetter: "A",
    policyNumber: policy.policyNumber,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    limits: coverageLimits(policy.lineOfBusiness, policy.limitCents),
    additionalInsured,
    waiverOfSubrogation,
  };
  return ok({
    asOf: today,
    policy: {
      id: policy.id,
      policyNumber: policy.policyNumber,
      lineOfBusiness: policy.lineOfBusiness,
      effectiveDate: policy.effectiveDate,
      expirationDate: policy.expirationDate,
      cancellationEffectiveDate: inForce.value.cancellationEffectiveDate,
    },
    insured: { name: policy.insuredName, state: policy.state, email: insuredEmail },
    insurer: { letter: "A", name: insurer.name, naic: insurer.naic },
    coverages: [coverage],
    additionalInsured,
    waiverOfSubrogation,
  });
}

/**
 * The facts of a certificate a policyholder asks for themselves (the portal): `principal` is the
 * gateway's insured principal, the policy must be linked to that insured (anyone else's, in the same
 * org too, is `not_found`), and the insured is the holder. `version` names the policy's latest
 * transaction (its sequence and id): every endorsement, cancellation, reinstatement or renewal
 * changes it, so the portal issues a new certificate exactly when the policy changed.
 */
export async function insuredCertificateFacts(db: DrizzleD1Database, principal: Principal, policyId: string): Promise<Result<InsuredCertificateFacts>> {
  if (principal?.kind !== "insured" || typeof principal.actorId !== "string" || !principal.actorId.startsWith("ins_")) return notFound("Policy");
  const linked = await db
    .select({ id: policies.id, insuredName: policies.insuredName })
    .from(policies)
    .where(and(eq(policies.orgId, principal.orgId), eq(policies.id, String(policyId)), eq(policies.insuredId, principal.actorId)))
    .get();
  if (!linked) return notFound("Policy");
  const facts = await certificateFacts(db, principal, linked.id, { holderName: linked.insuredName });
  if (!facts.ok) return facts;
  const last = await db
    .select({ id: policyTransactions.id, seq: policyTransactions.seq })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, principal.orgId), eq(policyTransactions.policyId, linked.id)))
    .orderBy(desc(policyTransactions.seq))
    .limit(1)
    .get();
  return ok({ facts: facts.value, version: last ? `${last.seq}.${last.id}` : "0" });
}
