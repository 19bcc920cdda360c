import { and, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { atomically, isUniqueViolation, type Statement } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { recordEvent, type UnderwritingEventType } from "./events.ts";
import { findPolicy, latestTransactionDate, listInstallments } from "./policies.repo.ts";
import { statusAsOf, toPolicy, toTransaction } from "./policies.service.ts";
import { transactionSummary } from "./portfolio-summary.ts";
import { prepareQuote, ratingInputOf, toQuote } from "./quotes.service.ts";
import { rate } from "./rating/rate.ts";
import { cancellationReturn, endorsementDelta, reinstatementReversal, reinstatementWindow } from "./rating/transactions.ts";
import { policies, submissions, type PolicyRow, type SubmissionRow, type TransactionRow } from "./schema.ts";
import { findSubmission } from "./submissions.repo.ts";
import { buildSubmissionRow, toSubmission } from "./submissions.service.ts";
import type { CancelInput, EndorseInput, PolicyTransactionResult, Quote, ReinstateInput, Submission } from "./types.ts";

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
  update: Partial<Pick<PolicyRow, "status" | "annualPremiumCents" | "writtenPremiumCents" | "limitCents" | "deductibleCents" | "exposure" | "cancellation" | "insuredName">>;
  event: UnderwritingEventType | null;
  /** Statements to run in the same batch (e.g. the renewal submission and its quote). */
  alongside?: Statement[];
}

/**
 * Apply one transaction to a policy, or with `preview` compute it without writing. The policy row
 * moves from version n to n+1 and the transaction is stored with seq n+1, in one batch with its
 * event and any statements alongside. Every version is born with its transaction (bind writes
 * seq 1, each change seq n+1), so if the policy moved on since it was read, seq n+1 is taken and
 * the insert breaks the (policy_id, seq) uniqueness: the whole batch, event included, rolls back
 * and the caller gets 409. If the batch commits, this transaction is the one that did.
 */
async function apply(db: DrizzleD1Database, principal: Principal, policy: PolicyRow, change: Change, preview: boolean): Promise<Result<PolicyTransactionResult>> {
  const clock = clockOf(principal);
  const at = clock.now().toISOString();
  const version = policy.version + 1;
  const after: PolicyRow = { ...policy, ...change.update, version, updatedAt: at };
  const transaction: TransactionRow = {
    id: preview ? "preview" : (change.transactionId ?? newId("txn")),
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
  const result = { preview, transaction: toTransaction(transaction), policy: toPolicy(after, schedule, clock.today()) };
  if (preview) return ok(result);

  const statements: Statement[] = [
    db
      .update(policies)
      .set({ ...change.update, version, updatedAt: at })
      .where(and(eq(policies.orgId, principal.orgId), eq(policies.id, policy.id), eq(policies.version, policy.version))),
    sql`INSERT INTO policy_transactions (id, org_id, policy_id, seq, type, effective_date, premium_delta_cents, actor, details, created_at)
      VALUES (${transaction.id}, ${principal.orgId}, ${policy.id}, ${version}, ${transaction.type}, ${transaction.effectiveDate},
        ${transaction.premiumDeltaCents}, ${transaction.actor}, ${JSON.stringify(transaction.details)}, ${at})`,
    ...(change.alongside ?? []),
    // The portfolio summary moves with the policy, in the same batch.
    ...(await transactionSummary(db, principal.orgId, policy, after, transaction)),
  ];
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
    if (isUniqueViolation(error, "policy_transactions")) return fail("conflict", "The policy changed while this transaction was applied; retry", { policyId: policy.id });
    throw error;
  }
  // Committed: `after` is exactly the row written (a later change may already have moved it on,
  // which must not turn this success into a 409 that invites a retry).
  return ok(result);
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

/** Mid-term change: re-rate the changed exposures on the policy's rate table, charge the difference pro rata. */
export async function endorsePolicy(db: DrizzleD1Database, principal: Principal, policyId: string, input: EndorseInput, preview: boolean): Promise<Result<PolicyTransactionResult>> {
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
  const newAnnualCents = rating.value.grossPremiumCents;
  const delta = endorsementDelta({
    oldAnnualCents: policy.annualPremiumCents,
    newAnnualCents,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    endorsementDate: input.effectiveDate,
  });
  if (!delta.ok) return delta;

  return apply(db, principal, policy, {
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
    },
    update: {
      annualPremiumCents: newAnnualCents,
      writtenPremiumCents: policy.writtenPremiumCents + delta.value.premiumDeltaCents,
      limitCents,
      deductibleCents,
      exposure,
      ...(changes.insuredName ? { insuredName: changes.insuredName.trim() } : {}),
    },
    event: "policy.endorsed",
  }, preview);
}

/** Cancel flat, pro rata or short rate, returning the unearned premium. */
export async function cancelPolicy(db: DrizzleD1Database, principal: Principal, policyId: string, input: CancelInput, preview: boolean): Promise<Result<PolicyTransactionResult>> {
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) return notFound("Policy");
  const status = statusAsOf(policy, clockOf(principal).today());
  if (status !== "active") return fail("invalid_state_transition", `A ${status} policy cannot be cancelled`, { status });
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
  return apply(db, principal, policy, {
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
export async function reinstatePolicy(db: DrizzleD1Database, principal: Principal, policyId: string, input: ReinstateInput, preview: boolean): Promise<Result<PolicyTransactionResult>> {
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
  return apply(db, principal, policy, {
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
    event: null,
  }, preview);
}

/**
 * Start the renewal: a new submission for the next term, re-rated at the rate table in force on
 * its effective date and left `quoted` (or `referred`); binding it creates the renewal policy.
 * The renewal is recorded on this policy's timeline in the same batch.
 */
export async function renewPolicy(db: DrizzleD1Database, principal: Principal, policyId: string): Promise<Result<{ submission: Submission; quote: Quote }>> {
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
      ...(original?.producerId ? { producerId: original.producerId } : {}),
      ...(policy.exposure.propertyValuesCents !== null ? { propertyValues: fromCents(policy.exposure.propertyValuesCents) } : {}),
      ...(policy.exposure.vehicleCount !== null ? { vehicleCount: policy.exposure.vehicleCount } : {}),
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
  const prepared = await prepareQuote(db, principal, sub);
  if (!prepared.ok) return prepared;
  const quote = prepared.value.quote;

  const applied = await apply(db, principal, policy, {
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
