import { and, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { atomically, guard, isGuardFailure, isUniqueViolation, type Statement } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { authorityGaps } from "./authority.ts";
import { newReferralRow, REFERRAL_OUTCOME } from "./referral-rows.ts";
import type { DaLedger } from "./da-ledger.do.ts";
import type { UnderwritingEnv } from "./env.ts";
import { recordEvent, type UnderwritingEventType } from "./events.ts";
import { findPolicy, latestTransactionDate, listInstallments } from "./policies.repo.ts";
import { endorsementsOf, statusAsOf, toPolicy, toTransaction } from "./policies.service.ts";
import { describeEndorsement, documentsOfPolicy, endorsementHistoryOf, issuePaperAfterCommit, paperJobStatements, type PaperEnv } from "./policy-paper.ts";
import { daUsageStatement, transactionSummary } from "./portfolio-summary.ts";
import { findQuote } from "./quotes.repo.ts";
import { prepareQuote, ratingInputOf, toQuote } from "./quotes.service.ts";
import type { RulesJudge } from "./underwriting-rules.ts";
import { describeCharges, endorsementCharges, endorsementChargeTable } from "./rating/endorsement-charges.ts";
import { rate } from "./rating/rate.ts";
import { cancellationReturn, endorsementDelta, reinstatementReversal, reinstatementWindow } from "./rating/transactions.ts";
import { toReferral } from "./referrals.service.ts";
import { daAgreements, policies, referrals, submissions, type PolicyEndorsementsRecord, type PolicyRow, type ReferralDecision, type ReferralRow, type SubmissionRow, type TransactionRow } from "./schema.ts";
import { findSubmission } from "./submissions.repo.ts";
import { buildSubmissionRow, toSubmission } from "./submissions.service.ts";
import type { CancelInput, EndorseInput, EndorsementReferred, PolicyTransactionResult, Quote, Referral, ReinstateInput, Submission } from "./types.ts";

/** What the policy transactions need beyond D1: the agreement ledgers, and the documents worker for an endorsement's paper. */
type LedgerEnv = Pick<UnderwritingEnv, "DA_LEDGER"> & PaperEnv;

/** A renewal submission in these states is still in progress: it may yet be quoted or bound. */
const PENDING_RENEWAL: SubmissionRow["status"][] = ["received", "quoted", "referred"];

interface Change {
  /** Set when the caller must know the id in advance (a cancellation records it for reinstatement). */
  transactionId?: string;
  type: TransactionRow["type"];
  effectiveDate: string;
  premiumDeltaCents: number;
  details: Record<string, unknown>;
  /** The policy's new state (without version/updatedAt, which are set here). */
  update: Partial<Pick<PolicyRow, "status" | "annualPremiumCents" | "writtenPremiumCents" | "limitCents" | "deductibleCents" | "exposure" | "cancellation" | "insuredName" | "endorsements" | "pendingCancellation">>;
  event: UnderwritingEventType | null;
  /** Statements to run in the same batch (e.g. the renewal submission and its quote). */
  alongside?: Statement[];
}

/** The transaction row and the policy after it, as {@link apply} would write them. */
async function project(db: DrizzleD1Database, principal: Principal, policy: PolicyRow, change: Change, transactionId: string) {
  const clock = clockOf(principal);
  const at = clock.now().toISOString();
  const version = policy.version + 1;
  const after: PolicyRow = { ...policy, ...change.update, version, updatedAt: at };
  const transaction: TransactionRow = {
    id: transactionId,
    orgId: principal.orgId,
    policyId: policy.id,
    seq: version,
    type: change.type,
    effectiveDate: change.effectiveDate,
    premiumDeltaCents: change.premiumDeltaCents,
    actor: principal.actorId,
    details: change.details,
    createdAt: at,
  };
  const schedule = await listInstallments(db, policy.id);
  const documents = await documentsOfPolicy(db, principal.orgId, policy.id);
  return { at, version, after, transaction, schedule, policy: toPolicy(after, schedule, clock.today(), documents) };
}

/**
 * Apply one transaction to a policy, or with `preview` compute it without writing. The policy row
 * moves from version n to n+1 and the transaction is stored with seq n+1, in one batch with its
 * event and any statements alongside. Every version is born with its transaction (bind writes
 * seq 1, each change seq n+1), so if the policy moved on since it was read, seq n+1 is taken and
 * the insert breaks the (policy_id, seq) uniqueness: the whole batch, event included, rolls back
 * and the caller gets 409. If the batch commits, this transaction is the one that did.
 *
 * Delegated authority follows the premium: on a policy bound under an agreement, the premium
 * delta goes through the agreement's ledger (keyed by the transaction id) as a bind's does.
 * Additional premium is reserved first (422 `da_limit_exceeded` when it would exceed the cap, and
 * the 85% crossing is claimed here if it is this transaction's); return premium is credited. The
 * agreement's usage row moves in the same batch; the reservation is committed after the batch
 * commits and released if it does not (the ledger's alarm settles it if this worker dies between).
 * A preview checks the cap without reserving.
 */
async function apply(
  db: DrizzleD1Database,
  env: LedgerEnv,
  principal: Principal,
  policy: PolicyRow,
  change: Change,
  preview: boolean,
): Promise<Result<PolicyTransactionResult>> {
  const transactionId = preview ? "preview" : (change.transactionId ?? newId("txn"));
  const { at, version, after, transaction, schedule, policy: shown } = await project(db, principal, policy, change, transactionId);
  const result = { preview, transaction: toTransaction(transaction), policy: shown };

  const agreement = policy.daAgreementId && change.premiumDeltaCents !== 0
    ? await db.select().from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, policy.daAgreementId))).get()
    : undefined;
  const overCap = (writtenCents: number) =>
    fail("da_limit_exceeded", "The additional premium would exceed the delegated authority's aggregate written-premium cap", {
      daAgreementId: agreement!.id,
      aggregateCap: fromCents(agreement!.aggregateCapCents),
      writtenPremium: fromCents(writtenCents),
      premium: fromCents(change.premiumDeltaCents),
    });
  if (preview) {
    if (agreement) {
      const fits = await env.DA_LEDGER.getByName(agreement.id).check(transactionId, change.premiumDeltaCents, agreement.aggregateCapCents);
      if (!fits.ok) return overCap(fits.writtenCents);
    }
    return ok(result);
  }

  let ledger: DurableObjectStub<DaLedger> | null = null;
  let crossedThreshold = false;
  if (agreement) {
    ledger = env.DA_LEDGER.getByName(agreement.id);
    const reservation = await ledger.reserve(transactionId, change.premiumDeltaCents, agreement.aggregateCapCents);
    if (!reservation.ok) return overCap(reservation.writtenCents);
    crossedThreshold = reservation.crossedThreshold;
  }

  const statements: Statement[] = [
    db
      .update(policies)
      .set({ ...change.update, version, updatedAt: at })
      .where(and(eq(policies.orgId, principal.orgId), eq(policies.id, policy.id), eq(policies.version, policy.version))),
    sql`INSERT INTO policy_transactions (id, org_id, policy_id, seq, type, effective_date, premium_delta_cents, actor, details, created_at)
      VALUES (${transaction.id}, ${principal.orgId}, ${policy.id}, ${version}, ${transaction.type}, ${transaction.effectiveDate},
        ${transaction.premiumDeltaCents}, ${transaction.actor}, ${JSON.stringify(transaction.details)}, ${at})`,
    ...(change.alongside ?? []),
    // An endorsement re-issues the policy's paper: pending rows written with it, issued after the commit.
    ...(change.type === "endorsement" ? await endorsementPaper(db, principal, after, transaction) : []),
    // The portfolio summary moves with the policy, in the same batch.
    ...(await transactionSummary(db, principal.orgId, policy, after, transaction)),
  ];
  if (agreement) {
    statements.push(daUsageStatement(principal.orgId, agreement.id, change.premiumDeltaCents, crossedThreshold ? at : null, sql`1`));
    if (crossedThreshold) {
      statements.push(
        recordEvent(db, principal.orgId, "da.limit_approaching", { daAgreementId: agreement.id, policyId: policy.id, transactionId: transaction.id, threshold: 0.85 }, at),
      );
    }
  }
  if (change.event) {
    statements.push(
      recordEvent(db, principal.orgId, change.event, {
        policyId: policy.id,
        policyNumber: policy.policyNumber,
        transactionId: transaction.id,
        effectiveDate: transaction.effectiveDate,
        premiumDelta: fromCents(transaction.premiumDeltaCents),
        currency: CURRENCY,
        ...change.details,
      }, at),
    );
  }
  try {
    await atomically(db, statements);
  } catch (error) {
    // Nothing was written: the premium is not this transaction's to hold.
    await ledger?.release(transaction.id);
    if (isUniqueViolation(error, "policy_transactions")) return fail("conflict", "The policy changed while this transaction was applied; retry", { policyId: policy.id });
    throw error;
  }
  await ledger?.commit(transaction.id);
  if (change.type === "endorsement") {
    await issuePaperAfterCommit(db, env, principal.orgId, policy.id);
    result.policy = { ...result.policy, documents: await documentsOfPolicy(db, principal.orgId, policy.id) };
  }
  // Committed: `after` is exactly the row written (a later change may already have moved it on,
  // which must not turn this success into a 409 that invites a retry).
  return ok(result);
}

/**
 * The pending paper of an endorsement, for its batch: a new declarations page (and MCS-90 for CA)
 * as of the policy after it, numbered after the endorsements already on the timeline.
 */
async function endorsementPaper(db: DrizzleD1Database, principal: Principal, after: PolicyRow, transaction: TransactionRow): Promise<Statement[]> {
  const [earlier, quote, sub, agreement, installments] = await Promise.all([
    endorsementHistoryOf(db, principal.orgId, after.id),
    findQuote(db, principal.orgId, after.quoteId),
    findSubmission(db, principal.orgId, after.submissionId),
    after.daAgreementId
      ? db.select({ carrier: daAgreements.carrier }).from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, after.daAgreementId))).get()
      : Promise.resolve(undefined),
    listInstallments(db, after.id),
  ]);
  const number = earlier.length + 1;
  return paperJobStatements({
    orgId: principal.orgId,
    policy: after,
    insuredEmail: sub?.insuredEmail ?? null,
    transaction: { id: transaction.id, seq: transaction.seq, type: "endorsement", effectiveDate: transaction.effectiveDate },
    endorsementNumber: number,
    endorsements: [...earlier, { number, effectiveDate: transaction.effectiveDate, description: describeEndorsement(transaction.details) }],
    taxes: quote?.rating.taxes ?? [],
    fees: quote?.rating.fees ?? [],
    installments,
    carrier: agreement?.carrier ?? null,
    at: transaction.createdAt,
  });
}

/**
 * Changes apply in date order. An endorsement or cancellation dated before the policy's latest
 * transaction would be priced on a premium that was not yet in force on its date (a pro-rata return
 * computed on an annual premium an endorsement raised later), so it is refused rather than
 * mis-priced; out-of-sequence re-rating is not supported.
 */
async function requireInSequence(db: DrizzleD1Database, principal: Principal, policy: PolicyRow, date: string): Promise<Result<null>> {
  const latest = await latestTransactionDate(db, principal.orgId, policy.id);
  if (latest !== null && date < latest) {
    return fail("business_rule_violation", `effectiveDate must be on or after ${latest}, the date of the policy's latest transaction`, {
      field: "effectiveDate",
      latestTransactionDate: latest,
    });
  }
  return ok(null);
}

function requireWithinTerm(policy: PolicyRow, date: string, field = "effectiveDate"): Result<null> {
  if (!isValidDate(date)) return invalid(field, "date", `${field} must be a calendar date (YYYY-MM-DD)`);
  if (date < policy.effectiveDate || date >= policy.expirationDate) {
    return invalid(field, "within_term", `${field} must fall within the policy term ${policy.effectiveDate} to ${policy.expirationDate}`);
  }
  return ok(null);
}

/** An endorsement ready to apply: the policy it was priced on, the change, and the changed risk authority is judged on. */
interface PreparedEndorsement {
  policy: PolicyRow;
  change: Change;
  limitCents: number;
  naicsCode: string;
}

/**
 * Check and price an endorsement against the policy as it stands: re-rate the changed exposures on
 * the policy's rate table and charge the difference pro rata. Writes nothing.
 */
async function prepareEndorsement(db: DrizzleD1Database, principal: Principal, policyId: string, input: EndorseInput): Promise<Result<PreparedEndorsement>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  const status = statusAsOf(policy, clockOf(principal).today());
  if (status !== "active") return fail("invalid_state_transition", `A ${status} policy cannot be endorsed`, { status });
  const within = requireWithinTerm(policy, input.effectiveDate);
  if (!within.ok) return within;
  const inSequence = await requireInSequence(db, principal, policy, input.effectiveDate);
  if (!inSequence.ok) return inSequence;
  const changes = input.changes ?? {};
  if (Object.keys(changes).length === 0) return invalid("changes", "non_empty", "An endorsement needs at least one change");

  const money = (field: "requestedLimit" | "deductible" | "annualRevenue" | "propertyValues"): Result<number | undefined> => {
    const value = changes[field];
    if (value === undefined) return ok(undefined);
    const cents = toCents(value);
    if (cents === null || cents < 0) return invalid(`changes.${field}`, "money", `${field} must be a non-negative amount with at most two decimals`);
    return ok(cents);
  };
  const limit = money("requestedLimit");
  if (!limit.ok) return limit;
  if (limit.value === 0) return invalid("changes.requestedLimit", "positive", "requestedLimit must be greater than zero");
  const deductible = money("deductible");
  if (!deductible.ok) return deductible;
  const revenue = money("annualRevenue");
  if (!revenue.ok) return revenue;
  const property = money("propertyValues");
  if (!property.ok) return property;

  const exposure = {
    ...policy.exposure,
    annualRevenueCents: revenue.value ?? policy.exposure.annualRevenueCents,
    propertyValuesCents: property.value ?? policy.exposure.propertyValuesCents,
    vehicleCount: changes.vehicleCount ?? policy.exposure.vehicleCount,
  };
  const limitCents = limit.value ?? policy.limitCents;
  const deductibleCents = deductible.value ?? policy.deductibleCents;
  if (deductibleCents !== null && deductibleCents >= limitCents) {
    return invalid(deductible.value !== undefined ? "changes.deductible" : "changes.requestedLimit", "deductible_below_limit", "The deductible must be below the policy's limit after the endorsement");
  }
  const rating = rate({
    lineOfBusiness: policy.lineOfBusiness,
    naicsCode: exposure.naicsCode,
    state: policy.state,
    effectiveDate: policy.effectiveDate,
    annualRevenueCents: exposure.annualRevenueCents,
    requestedLimitCents: limitCents,
    deductibleCents,
    propertyValuesCents: exposure.propertyValuesCents,
    vehicleCount: exposure.vehicleCount,
    yearsInBusiness: exposure.yearsInBusiness,
    priorLosses: exposure.priorLosses,
  });
  if (!rating.ok) return rating;
  const endorsements = endorsementsAfter(policy, changes);
  if (!endorsements.ok) return endorsements;
  // The annual premium is the rated premium plus the coverage endorsements' charges, priced on
  // the version in force at the policy's effective date, so every endorsement (whatever it
  // changes) carries the additional insureds and waiver forward at their price.
  const chargeTable = endorsementChargeTable(policy.effectiveDate);
  if (!chargeTable.ok) return chargeTable;
  const selection = { additionalInsuredCount: endorsements.value.additionalInsureds.length, waiverOfSubrogation: endorsements.value.waiverOfSubrogation };
  const charges = endorsementCharges(chargeTable.value, rating.value.grossPremiumCents, selection);
  const newAnnualCents = rating.value.grossPremiumCents + charges.totalAnnualCents;
  const delta = endorsementDelta({
    oldAnnualCents: policy.annualPremiumCents,
    newAnnualCents,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    endorsementDate: input.effectiveDate,
  });
  if (!delta.ok) return delta;

  const change: Change = {
    type: "endorsement",
    effectiveDate: input.effectiveDate,
    premiumDeltaCents: delta.value.premiumDeltaCents,
    details: {
      description: input.description ?? null,
      changes,
      previousAnnualPremium: fromCents(policy.annualPremiumCents),
      newAnnualPremium: fromCents(newAnnualCents),
      remainingDays: delta.value.remainingDays,
      termDays: delta.value.termDays,
      rateTableVersion: rating.value.rateTableVersion,
      method: "pro_rata",
      endorsementCharges: describeCharges(chargeTable.value, rating.value.grossPremiumCents, selection, charges),
    },
    update: {
      endorsements: endorsements.value,
      annualPremiumCents: newAnnualCents,
      writtenPremiumCents: policy.writtenPremiumCents + delta.value.premiumDeltaCents,
      limitCents,
      deductibleCents,
      exposure,
      ...(changes.insuredName ? { insuredName: changes.insuredName.trim() } : {}),
    },
    event: "policy.endorsed",
  };
  return ok({ policy, change, limitCents, naicsCode: exposure.naicsCode });
}

/**
 * The policy's coverage endorsements after `changes`: `additionalInsureds`, when given, is the
 * whole new list (names trimmed, unique case-insensitively); `waiverOfSubrogation`, when given,
 * adds or removes the waiver. Anything not given stays as it is.
 */
function endorsementsAfter(policy: PolicyRow, changes: EndorseInput["changes"]): Result<PolicyEndorsementsRecord> {
  const current = endorsementsOf(policy);
  let additionalInsureds = current.additionalInsureds;
  if (changes.additionalInsureds !== undefined) {
    if (!Array.isArray(changes.additionalInsureds) || changes.additionalInsureds.length > 50) {
      return invalid("changes.additionalInsureds", "max_items", "additionalInsureds is a list of at most 50");
    }
    const seen = new Set<string>();
    additionalInsureds = [];
    for (const [i, insured] of changes.additionalInsureds.entries()) {
      const name = typeof insured?.name === "string" ? insured.name.trim().replace(/\s+/g, " ") : "";
      if (!name) return invalid(`changes.additionalInsureds.${i}.name`, "required", "Each additional insured needs a name");
      if (name.length > 200) return invalid(`changes.additionalInsureds.${i}.name`, "max_length", "An additional insured's name is at most 200 characters");
      const key = name.toLowerCase();
      if (seen.has(key)) return invalid(`changes.additionalInsureds.${i}.name`, "unique", `${name} is listed twice`);
      seen.add(key);
      const address = typeof insured.address === "string" && insured.address.trim() ? insured.address.trim() : null;
      if (address && address.length > 500) return invalid(`changes.additionalInsureds.${i}.address`, "max_length", "An additional insured's address is at most 500 characters");
      additionalInsureds.push({ name, address });
    }
  }
  const waiverOfSubrogation = changes.waiverOfSubrogation ?? current.waiverOfSubrogation;
  return ok({ additionalInsureds, waiverOfSubrogation });
}

/**
 * Mid-term change: re-rate the changed exposures on the policy's rate table, charge the difference
 * pro rata. On a policy bound under a delegated authority agreement, the changed risk must still
 * fit the agreement (per-risk limit, states, classes, line); one that does not is held as a
 * referral (`EndorsementReferred`, nothing applied) and applied only if the referral is approved.
 * A preview answers the same without creating the referral.
 */
export async function endorsePolicy(
  db: DrizzleD1Database,
  env: LedgerEnv,
  principal: Principal,
  policyId: string,
  input: EndorseInput,
  preview: boolean,
): Promise<Result<PolicyTransactionResult | EndorsementReferred>> {
  const prepared = await prepareEndorsement(db, principal, policyId, input);
  if (!prepared.ok) return prepared;
  const { policy, change } = prepared.value;
  const gaps = await endorsementAuthorityGaps(db, principal, prepared.value);
  if (gaps) return holdEndorsement(db, principal, policy, change, input, gaps, preview);
  return apply(db, env, principal, policy, change, preview);
}

/** Why the endorsed risk falls outside the policy's agreement; null when it fits or the policy has none. */
async function endorsementAuthorityGaps(db: DrizzleD1Database, principal: Principal, prepared: PreparedEndorsement) {
  const { policy } = prepared;
  if (!policy.daAgreementId) return null;
  const agreement = await db.select().from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, policy.daAgreementId))).get();
  if (!agreement) return null;
  const reasons = authorityGaps(agreement, {
    lineOfBusiness: policy.lineOfBusiness,
    state: policy.state,
    naicsCode: prepared.naicsCode,
    requestedLimitCents: prepared.limitCents,
  });
  return reasons.length > 0 ? { daAgreementId: agreement.id, reasons } : null;
}

/**
 * Hold an endorsement outside authority: a pending referral naming the policy and carrying the
 * request, with its `referral.created` event, in one batch. The policy is not touched and nothing
 * is reserved against the cap (that happens when an approval applies it). With `preview`, only the answer.
 */
async function holdEndorsement(
  db: DrizzleD1Database,
  principal: Principal,
  policy: PolicyRow,
  change: Change,
  input: EndorseInput,
  gaps: { daAgreementId: string; reasons: string[] },
  preview: boolean,
): Promise<Result<EndorsementReferred>> {
  const projected = await project(db, principal, policy, change, "preview");
  const unchanged = toPolicy(policy, await listInstallments(db, policy.id), clockOf(principal).today(), await documentsOfPolicy(db, principal.orgId, policy.id));
  const answer = (referral: Referral | null): EndorsementReferred => ({
    preview,
    status: "referred",
    referral,
    daAgreementId: gaps.daAgreementId,
    reasons: gaps.reasons,
    transaction: toTransaction(projected.transaction),
    policy: unchanged,
  });
  if (preview) return ok(answer(null));
  const at = projected.at;
  const row = newReferralRow(principal, at, { submissionId: policy.submissionId, quoteId: null, reasons: gaps.reasons, policyId: policy.id, endorsement: input });
  await atomically(db, [
    db.insert(referrals).values(row),
    recordEvent(db, principal.orgId, "referral.created", { referralId: row.id, submissionId: row.submissionId, quoteId: null, policyId: policy.id, reasons: row.reasons }, at),
  ]);
  return ok(answer(toReferral(row)));
}

/**
 * Decide an endorsement referral (one with a `policyId`; referrals.service.ts hands it here). Approval
 * applies the held endorsement to the policy as it stands now, re-rated now (not the premium shown
 * when it was held: the policy may have changed since), with its premium through the agreement's
 * ledger like any endorsement, in the same batch as the decision: if the endorsement can no longer
 * be applied (policy cancelled, out of sequence, cap exceeded), the decision fails and the referral
 * stays open. Rejection and a request for information change only the referral.
 */
export async function decideEndorsementReferral(
  db: DrizzleD1Database,
  env: LedgerEnv,
  principal: Principal,
  referral: ReferralRow,
  input: { decision: ReferralDecision; notes?: string },
): Promise<Result<Referral>> {
  const at = clockOf(principal).now().toISOString();
  const status = REFERRAL_OUTCOME[input.decision];
  const transactionId = input.decision === "approve" ? newId("txn") : null;
  const decided: ReferralRow = { ...referral, status, decision: input.decision, decidedBy: principal.actorId, notes: input.notes ?? null, decidedAt: at, transactionId };
  const decision: Statement[] = [
    // Decided once: of two concurrent decisions, the second finds the referral no longer open and
    // its whole batch (the endorsement included) rolls back.
    guard("referral_open", sql`EXISTS (SELECT 1 FROM referrals WHERE id = ${referral.id} AND status = ${referral.status})`),
    db
      .update(referrals)
      .set({ status, decision: input.decision, decidedBy: principal.actorId, notes: decided.notes, decidedAt: at, transactionId })
      .where(and(eq(referrals.id, referral.id), eq(referrals.status, referral.status))),
    recordEvent(db, principal.orgId, "referral.decided", {
      referralId: referral.id,
      submissionId: referral.submissionId,
      decision: input.decision,
      status,
      policyId: referral.policyId,
      ...(transactionId ? { transactionId } : {}),
    }, at),
  ];
  try {
    if (input.decision !== "approve") {
      await atomically(db, decision);
      return ok(toReferral(decided));
    }
    if (!referral.policyId || !referral.endorsement) throw new Error(`referral ${referral.id} holds no endorsement`);
    const prepared = await prepareEndorsement(db, principal, referral.policyId, referral.endorsement);
    if (!prepared.ok) return prepared;
    const { policy, change } = prepared.value;
    const applied = await apply(db, env, principal, policy, {
      ...change,
      transactionId: transactionId!,
      details: { ...change.details, referralId: referral.id },
      alongside: [...(change.alongside ?? []), ...decision],
    }, false);
    if (!applied.ok) return applied;
    return ok(toReferral(decided));
  } catch (error) {
    if (!isGuardFailure(error)) throw error;
    const now = await db.select({ status: referrals.status }).from(referrals).where(eq(referrals.id, referral.id)).get();
    return fail("invalid_state_transition", `The referral is already ${now?.status ?? "decided"}`, { status: now?.status ?? "decided" });
  }
}

/** Cancel flat, pro rata or short rate, returning the unearned premium. */
export async function cancelPolicy(db: DrizzleD1Database, env: LedgerEnv, principal: Principal, policyId: string, input: CancelInput, preview: boolean): Promise<Result<PolicyTransactionResult>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  const status = statusAsOf(policy, clockOf(principal).today());
  // A policy pending cancellation for non-payment is still in force: it can be cancelled (for
  // non-payment by billing's delinquency job, or for any reason by hand).
  if (status !== "active" && status !== "pending_cancellation") return fail("invalid_state_transition", `A ${status} policy cannot be cancelled`, { status });
  const within = requireWithinTerm(policy, input.effectiveDate);
  if (!within.ok) return within;
  const inSequence = await requireInSequence(db, principal, policy, input.effectiveDate);
  if (!inSequence.ok) return inSequence;
  const returned = cancellationReturn({
    method: input.method,
    premiumInForceCents: policy.annualPremiumCents,
    writtenPremiumCents: policy.writtenPremiumCents,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    cancellationDate: input.effectiveDate,
  });
  if (!returned.ok) return returned;
  const r = returned.value;
  const transactionId = preview ? "preview" : newId("txn");
  return apply(db, env, principal, policy, {
    transactionId,
    type: "cancellation",
    effectiveDate: input.effectiveDate,
    premiumDeltaCents: -r.returnPremiumCents,
    details: {
      method: r.method,
      reason: input.reason,
      notes: input.notes ?? null,
      returnPremium: fromCents(r.returnPremiumCents),
      premiumInForce: fromCents(policy.annualPremiumCents),
      termDays: r.termDays,
      unexpiredDays: r.unexpiredDays,
      factor: r.factor,
    },
    update: {
      status: "cancelled",
      writtenPremiumCents: policy.writtenPremiumCents - r.returnPremiumCents,
      cancellation: { effectiveDate: input.effectiveDate, method: r.method, reason: input.reason, returnPremiumCents: r.returnPremiumCents, transactionId },
      // Cancelled is final for the delinquency mark: a reinstatement brings the policy back active.
      pendingCancellation: null,
    },
    event: "policy.cancelled",
    alongside: [withdrawPendingRenewal(db, principal, policy, clockOf(principal).now().toISOString())],
  }, preview);
}

/** A cancelled policy has no next term: its renewal in progress (not yet bound) is withdrawn with the cancellation. */
function withdrawPendingRenewal(db: DrizzleD1Database, principal: Principal, policy: PolicyRow, at: string): Statement {
  return db
    .update(submissions)
    .set({ status: "withdrawn", updatedAt: at })
    .where(and(eq(submissions.orgId, principal.orgId), eq(submissions.renewalOfPolicyId, policy.id), inArray(submissions.status, PENDING_RENEWAL)));
}

/** Undo a cancellation within 30 days of its effective date, charging back the returned premium. */
export async function reinstatePolicy(db: DrizzleD1Database, env: LedgerEnv, principal: Principal, policyId: string, input: ReinstateInput, preview: boolean): Promise<Result<PolicyTransactionResult>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  if (policy.status !== "cancelled" || !policy.cancellation) {
    return fail("invalid_state_transition", `A ${policy.status} policy cannot be reinstated`, { status: policy.status });
  }
  // The window is judged by the org's clock, not the request: a requested date may be later than
  // today, never earlier, so a client cannot backdate its way back into the window.
  const now = clockOf(principal).today();
  const asOf = input.effectiveDate !== undefined && input.effectiveDate > now ? input.effectiveDate : now;
  const cancellation = policy.cancellation;
  const window = reinstatementWindow(cancellation.effectiveDate, asOf);
  if (!window.ok) return window;
  const daysSince = window.value.daysSinceCancellation;
  return apply(db, env, principal, policy, {
    type: "reinstatement",
    effectiveDate: cancellation.effectiveDate,
    premiumDeltaCents: reinstatementReversal(cancellation.returnPremiumCents),
    details: {
      reversesTransactionId: cancellation.transactionId,
      reversedReturnPremium: fromCents(cancellation.returnPremiumCents),
      cancellationMethod: cancellation.method,
      requestedOn: asOf,
      daysSinceCancellation: daysSince,
      notes: input.notes ?? null,
    },
    update: { status: "active", cancellation: null, writtenPremiumCents: policy.writtenPremiumCents + cancellation.returnPremiumCents },
    event: "policy.reinstated",
  }, preview);
}

/**
 * Start the renewal: a new submission for the next term, re-rated at the rate table in force on
 * its effective date and left `quoted` (or `referred`); binding it creates the renewal policy.
 * The renewal is recorded on this policy's timeline in the same batch.
 */
export async function renewPolicy(
  db: DrizzleD1Database,
  env: LedgerEnv,
  principal: Principal,
  policyId: string,
  /** The org's underwriting rules (underwriting-rules.ts): they judge the renewal's quote as any other; a decline refuses the renewal, writing nothing. */
  rules?: RulesJudge,
): Promise<Result<{ submission: Submission; quote: Quote }>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  if (policy.status !== "active" && policy.status !== "expired") {
    return fail("invalid_state_transition", `A ${policy.status} policy cannot be renewed`, { status: policy.status });
  }
  if (policy.renewedByPolicyId) return fail("invalid_state_transition", "Policy is already renewed", { renewedByPolicyId: policy.renewedByPolicyId });
  const pending = await db
    .select({ id: submissions.id })
    .from(submissions)
    .where(and(eq(submissions.orgId, principal.orgId), eq(submissions.renewalOfPolicyId, policy.id), inArray(submissions.status, PENDING_RENEWAL)))
    .get();
  if (pending) return fail("invalid_state_transition", "A renewal of this policy is already in progress", { submissionId: pending.id });

  const original = await findSubmission(db, principal.orgId, policy.submissionId);
  const built = buildSubmissionRow(
    principal,
    {
      insuredName: policy.insuredName,
      naicsCode: policy.exposure.naicsCode,
      annualRevenue: fromCents(policy.exposure.annualRevenueCents),
      requestedLimit: fromCents(policy.limitCents),
      effectiveDate: policy.expirationDate,
      state: policy.state,
      lineOfBusiness: policy.lineOfBusiness,
      ...(policy.deductibleCents !== null ? { deductible: fromCents(policy.deductibleCents) } : {}),
      ...(original?.insuredEmail ? { insuredEmail: original.insuredEmail } : {}),
      // The renewal keeps the insured's contact, so its bind links the same insured.
      ...(original?.insuredEmail && original.insuredContact
        ? { insured: { email: original.insuredEmail, ...(original.insuredContact.phone ? { phone: original.insuredContact.phone } : {}), ...(original.insuredContact.mailingAddress ? { mailingAddress: original.insuredContact.mailingAddress } : {}) } }
        : {}),
      ...(original?.producerId ? { producerId: original.producerId } : {}),
      ...(policy.exposure.propertyValuesCents !== null ? { propertyValues: fromCents(policy.exposure.propertyValuesCents) } : {}),
      ...(policy.exposure.vehicleCount !== null ? { vehicleCount: policy.exposure.vehicleCount } : {}),
      ...(policy.exposure.hazmat ? { hazmat: true } : {}),
      ...(policy.exposure.yearsInBusiness !== null ? { yearsInBusiness: policy.exposure.yearsInBusiness + 1 } : {}),
      priorLosses: policy.exposure.priorLosses.map((l) => ({ year: l.year, amount: fromCents(l.amountCents) })),
      notes: `Renewal of ${policy.policyNumber}`,
    },
    { renewalOfPolicyId: policy.id },
  );
  if (!built.ok) return built;
  const sub: SubmissionRow = built.value;
  // Built before the quote's statements so its event id (a ULID) orders before submission.quoted.
  const created = recordEvent(db, principal.orgId, "submission.created", { submissionId: sub.id, lineOfBusiness: sub.lineOfBusiness, insuredName: sub.insuredName, renewalOfPolicyId: policy.id }, sub.createdAt);
  const prepared = await prepareQuote(db, principal, sub, rules ? { rules } : {});
  if (!prepared.ok) return prepared;
  const quote = prepared.value.quote;

  const applied = await apply(db, env, principal, policy, {
    type: "renewal",
    effectiveDate: policy.expirationDate,
    premiumDeltaCents: 0,
    details: {
      renewalSubmissionId: sub.id,
      quoteId: quote.id,
      renewalPremium: fromCents(quote.grossPremiumCents),
      rateTableVersion: quote.rateTableVersion,
      expiringPremium: fromCents(policy.annualPremiumCents),
    },
    update: {},
    event: null,
    alongside: [
      db.insert(submissions).values(sub),
      created,
      ...prepared.value.statements,
    ],
  }, false);
  if (!applied.ok) return applied;
  const stored = await findSubmission(db, principal.orgId, sub.id);
  const storedQuote = { ...quote };
  return ok({ submission: toSubmission(stored ?? sub, clockOf(principal).today()), quote: toQuote(storedQuote) });
}
