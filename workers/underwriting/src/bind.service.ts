import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, type Statement } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents } from "#shared/money";
import { autoBindHold, holdBind } from "./auto-bind.ts";
import type { DaLedger } from "./da-ledger.do.ts";
import type { UnderwritingEnv } from "./env.ts";
import { findPolicy, findPolicyBySubmission } from "./policies.repo.ts";
import { toPolicyWithInstallments } from "./policies.service.ts";
import { issuePaperAfterCommit, paperJobStatements, type PaperEnv } from "./policy-paper.ts";
import { daUsageStatement, summaryDelta, summaryStatements } from "./portfolio-summary.ts";
import { producerGate } from "./producer-authority.ts";
import { findQuote } from "./quotes.repo.ts";
import { installmentSchedule } from "./rating/installments.ts";
import type { Installment, InstallmentPlan } from "./rating/types.ts";
import { daAgreements, quotes, submissions, type PolicyExposure, type QuoteRow, type SubmissionRow } from "./schema.ts";
import { findSubmission } from "./submissions.repo.ts";
import type { BindPreview, BindResult } from "./types.ts";

export interface BindInput {
  installmentPlan: InstallmentPlan;
  quoteId?: string;
}

/** The quote a bind would use, or why the submission cannot be bound. */
async function bindableQuote(db: DrizzleD1Database, principal: Principal, sub: SubmissionRow, quoteId?: string): Promise<Result<QuoteRow>> {
  if (sub.status === "bound") {
    return fail("invalid_state_transition", "Submission is already bound", { status: sub.status, policyId: sub.policyId });
  }
  if (sub.status === "referred") return fail("invalid_state_transition", "Submission is awaiting a referral decision", { status: sub.status });
  if (sub.status !== "quoted" || !sub.currentQuoteId) {
    return fail("invalid_state_transition", `A ${sub.status} submission cannot be bound; quote it first`, { status: sub.status });
  }
  if (quoteId && quoteId !== sub.currentQuoteId) {
    const named = await findQuote(db, principal.orgId, quoteId);
    if (!named || named.submissionId !== sub.id) return notFound("Quote");
    return fail("invalid_state_transition", "That quote was superseded by a newer one", { quoteId, currentQuoteId: sub.currentQuoteId });
  }
  const quote = await findQuote(db, principal.orgId, sub.currentQuoteId);
  if (!quote || quote.status !== "active") {
    return fail("invalid_state_transition", "The submission has no active quote", { quoteStatus: quote?.status ?? null });
  }
  return ok(quote);
}

/**
 * The policy's link to its insured, in the bind's batch: the org's insured with the submission's
 * email is created the first time (a later policy fills in a phone or address it lacked, never
 * overwrites one), and the new policy points at it. The unique `(org_id, email)` makes two binds of
 * one address meet on one insured, however they interleave; a bind that writes no policy links nothing.
 */
function linkInsured(orgId: string, sub: SubmissionRow, policyId: string, at: string, policyExists: SQL): Statement[] {
  if (!sub.insuredEmail) return [];
  const address = sub.insuredContact?.mailingAddress ? JSON.stringify(sub.insuredContact.mailingAddress) : null;
  return [
    sql`INSERT INTO insureds (id, org_id, name, email, phone, mailing_address, created_at, updated_at)
      SELECT ${newId("ins")}, ${orgId}, ${sub.insuredName}, ${sub.insuredEmail}, ${sub.insuredContact?.phone ?? null}, ${address}, ${at}, ${at}
      WHERE ${policyExists}
      ON CONFLICT (org_id, email) DO UPDATE SET
        phone = COALESCE(insureds.phone, excluded.phone),
        mailing_address = COALESCE(insureds.mailing_address, excluded.mailing_address),
        updated_at = CASE WHEN (insureds.phone IS NULL AND excluded.phone IS NOT NULL) OR (insureds.mailing_address IS NULL AND excluded.mailing_address IS NOT NULL)
          THEN excluded.updated_at ELSE insureds.updated_at END`,
    sql`UPDATE policies SET insured_id = (SELECT id FROM insureds WHERE org_id = ${orgId} AND email = ${sub.insuredEmail})
      WHERE id = ${policyId} AND org_id = ${orgId}`,
  ];
}

export function toInstallments(schedule: Installment[]) {
  return schedule.map((i) => ({ number: i.number, dueDate: i.dueDate, premium: fromCents(i.premiumCents), fee: fromCents(i.feeCents), currency: CURRENCY }));
}

/**
 * Bind the submission's current quote into a policy. Everything the bind writes (the policy and
 * its gap-free number, installments, the new-business transaction, status changes and events)
 * is one D1 batch whose every statement is guarded by "this submission is still quoted with this
 * quote": a concurrent or retried bind finds nothing to do, so there is one policy whatever happens,
 * and a bind that does not commit consumes no policy number. A delegated-authority aggregate is
 * reserved in its ledger first and released if the batch does not bind. The answer says which it
 * is: a `BoundPolicy` (`preview: false`) or, with `preview`, a `BindPreview` (`preview: true`).
 */
export async function bindSubmission(
  db: DrizzleD1Database,
  env: Pick<UnderwritingEnv, "DA_LEDGER" | "PRODUCERS" | "WORKSPACE"> & PaperEnv,
  principal: Principal,
  submissionId: string,
  input: BindInput,
  preview: boolean,
): Promise<Result<BindResult>> {
  const sub = await findSubmission(db, principal.orgId, submissionId);
  if (!sub) return notFound("Submission");
  const quoteResult = await bindableQuote(db, principal, sub, input.quoteId);
  if (!quoteResult.ok) return quoteResult;
  const quote = quoteResult.value;
  if (sub.renewalOfPolicyId) {
    // A renewal continues a policy: one cancelled meanwhile has no term to renew.
    const expiring = await findPolicy(db, principal.orgId, sub.renewalOfPolicyId);
    if (expiring?.status === "cancelled") {
      return fail("invalid_state_transition", "The policy this submission renews is cancelled; its renewal cannot be bound", { renewalOfPolicyId: sub.renewalOfPolicyId, status: "cancelled" });
    }
  }
  const now = clockOf(principal).now();
  const at = now.toISOString();
  if (Date.parse(quote.validUntil) <= now.getTime()) {
    // Recording the expiry is a side effect; a preview only reports it.
    if (!preview) await db.batch([
      db.update(quotes).set({ status: "expired", updatedAt: at }).where(and(eq(quotes.id, quote.id), eq(quotes.status, "active"))),
      db.update(submissions).set({ status: "expired", updatedAt: at }).where(and(eq(submissions.id, sub.id), eq(submissions.status, "quoted"))),
    ]);
    return fail("quote_expired", `The quote expired at ${quote.validUntil}; request a new quote`, { quoteId: quote.id, validUntil: quote.validUntil });
  }
  // Distribution authority, judged now (a license or appointment may have changed since the quote), preview included.
  const producer = await producerGate(env.PRODUCERS, principal.orgId, sub);
  if (!producer.ok) return producer;
  // The org's auto-bind premium limit, read now: above it, a referral opens instead (preview included).
  const hold = await autoBindHold(db, env.PRODUCERS, principal.orgId, quote);
  if (hold) return holdBind(db, principal, sub, quote, hold, preview, at);

  const schedule = installmentSchedule(input.installmentPlan, quote.grossPremiumCents, sub.effectiveDate);
  const feeCents = schedule.reduce((n, i) => n + i.feeCents, 0);
  const agreement = quote.daAgreementId
    ? await db.select().from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, quote.daAgreementId))).get()
    : undefined;
  const overCap = (writtenCents: number) =>
    fail("da_limit_exceeded", "Binding would exceed the delegated authority's aggregate written-premium cap", {
      daAgreementId: agreement!.id,
      aggregateCap: fromCents(agreement!.aggregateCapCents),
      writtenPremium: fromCents(writtenCents),
      premium: fromCents(quote.grossPremiumCents),
    });
  if (preview) {
    // The same answer a bind would give now, the cap and the plan's policies_bound included, without reserving anything.
    if (agreement) {
      const fits = await env.DA_LEDGER.getByName(agreement.id).check(sub.id, quote.grossPremiumCents, agreement.aggregateCapCents);
      if (!fits.ok) return overCap(fits.writtenCents);
    }
    const metered = await env.WORKSPACE.checkUsage(principal, "policies_bound");
    if (!metered.ok) return metered;
    return ok({
      preview: true,
      policyNumber: null,
      lineOfBusiness: sub.lineOfBusiness,
      grossPremium: fromCents(quote.grossPremiumCents),
      currency: CURRENCY,
      effectiveDate: sub.effectiveDate,
      expirationDate: sub.expirationDate,
      installmentPlan: input.installmentPlan,
      installments: toInstallments(schedule),
      installmentFees: fromCents(feeCents),
      totalDue: fromCents(quote.totalDueCents + feeCents),
    } satisfies BindPreview);
  }

  // Delegated authority: the aggregate is checked and taken atomically in the agreement's ledger.
  let ledger: DurableObjectStub<DaLedger> | null = null;
  let crossedThreshold = false;
  if (agreement) {
    ledger = env.DA_LEDGER.getByName(agreement.id);
    const reservation = await ledger.reserve(sub.id, quote.grossPremiumCents, agreement.aggregateCapCents);
    if (!reservation.ok) return overCap(reservation.writtenCents);
    crossedThreshold = reservation.crossedThreshold;
  }
  // The plan's policies_bound, counted in the org's usage meter before anything is written: past the
  // limit the bind is refused (403 feature_limit_reached) having changed nothing. Keyed by the
  // submission like the ledger, so a concurrent or retried bind of it counts once.
  const metered = await env.WORKSPACE.reserveUsage(principal, "policies_bound", sub.id);
  if (!metered.ok) {
    await ledger?.release(sub.id);
    return metered;
  }

  const policyId = newId("pol");
  const year = Number(sub.effectiveDate.slice(0, 4));
  const lob = sub.lineOfBusiness;
  const exposure: PolicyExposure = {
    naicsCode: sub.naicsCode,
    annualRevenueCents: sub.annualRevenueCents,
    propertyValuesCents: sub.propertyValuesCents,
    vehicleCount: sub.vehicleCount,
    // Only commercial auto carries it (the submission refuses it elsewhere); it sets the MCS-90's limit.
    ...(lob === "CA" ? { hazmat: sub.hazmat } : {}),
    yearsInBusiness: sub.yearsInBusiness,
    priorLosses: sub.priorLosses.map((l) => ({ year: l.year, amountCents: l.amountCents })),
  };
  // Every statement below runs only while the submission is still quoted with this quote.
  // (A cancellation withdraws its policy's pending renewal in its own batch, so a renewal stops being
  // quoted the moment its expiring policy is cancelled: this guard settles that race too.)
  const stillBindable = sql`EXISTS (SELECT 1 FROM submissions WHERE id = ${sub.id} AND org_id = ${principal.orgId} AND status = 'quoted' AND current_quote_id = ${quote.id})`;
  const policyExists = sql`EXISTS (SELECT 1 FROM policies WHERE id = ${policyId})`;
  const isRenewal = sub.renewalOfPolicyId !== null;
  const transactionType = isRenewal ? "renewal" : "new_business";
  const transactionId = newId("txn");
  const installmentValues = sql.join(
    schedule.map((i) => sql`(${policyId}, ${i.number}, ${i.dueDate}, ${i.premiumCents}, ${i.feeCents})`),
    sql`, `,
  );
  const eventData = (type: string) => sql`json_object('policyId', id, 'policyNumber', policy_number, 'grossPremium', gross_premium_cents / 100.0, 'currency', 'USD', 'lineOfBusiness', line_of_business, 'effectiveDate', effective_date, 'expirationDate', expiration_date, 'installmentPlan', installment_plan, 'renewalOfPolicyId', renewal_of_policy_id, 'transactionType', ${type})`;

  const statements: Statement[] = [
    sql`INSERT INTO policy_number_sequences (org_id, line_of_business, year, last_value)
      SELECT ${principal.orgId}, ${lob}, ${year}, 1 WHERE ${stillBindable}
      ON CONFLICT (org_id, line_of_business, year) DO UPDATE SET last_value = last_value + 1`,
    sql`INSERT INTO policies (id, org_id, policy_number, status, submission_id, insured_name, line_of_business, state,
        effective_date, expiration_date, gross_premium_cents, installment_plan, created_at, updated_at, quote_id,
        annual_premium_cents, written_premium_cents, limit_cents, deductible_cents, rate_table_version, exposure,
        cancellation, renewal_of_policy_id, renewed_by_policy_id, da_agreement_id, version)
      SELECT ${policyId}, ${principal.orgId}, ${lob} || '-' || ${String(year)} || '-' || printf('%06d', last_value), 'active', ${sub.id},
        ${sub.insuredName}, ${lob}, ${sub.state}, ${sub.effectiveDate}, ${sub.expirationDate}, ${quote.grossPremiumCents},
        ${input.installmentPlan}, ${at}, ${at}, ${quote.id}, ${quote.grossPremiumCents}, ${quote.grossPremiumCents},
        ${sub.requestedLimitCents}, ${sub.deductibleCents}, ${quote.rateTableVersion}, ${JSON.stringify(exposure)},
        NULL, ${sub.renewalOfPolicyId}, NULL, ${quote.daAgreementId}, 1
      FROM policy_number_sequences
      WHERE org_id = ${principal.orgId} AND line_of_business = ${lob} AND year = ${year} AND ${stillBindable}`,
    ...linkInsured(principal.orgId, sub, policyId, at, policyExists),
    sql`INSERT INTO installments (policy_id, number, due_date, premium_cents, fee_cents)
      SELECT * FROM (VALUES ${installmentValues}) WHERE ${policyExists}`,
    sql`INSERT INTO policy_transactions (id, org_id, policy_id, seq, type, effective_date, premium_delta_cents, actor, details, created_at)
      SELECT ${transactionId}, ${principal.orgId}, ${policyId}, 1, ${transactionType}, ${sub.effectiveDate}, ${quote.grossPremiumCents},
        ${principal.actorId}, ${JSON.stringify({
          quoteId: quote.id,
          submissionId: sub.id,
          installmentPlan: input.installmentPlan,
          rateTableVersion: quote.rateTableVersion,
          grossPremiumCents: quote.grossPremiumCents,
          renewalOfPolicyId: sub.renewalOfPolicyId,
        })}, ${at}
      WHERE ${policyExists}`,
    // The declarations page (and a CA policy's MCS-90), pending until the documents worker stores them.
    ...paperJobStatements({
      orgId: principal.orgId,
      policy: {
        id: policyId,
        insuredName: sub.insuredName,
        lineOfBusiness: lob,
        state: sub.state,
        effectiveDate: sub.effectiveDate,
        expirationDate: sub.expirationDate,
        limitCents: sub.requestedLimitCents,
        deductibleCents: sub.deductibleCents,
        writtenPremiumCents: quote.grossPremiumCents,
        annualPremiumCents: quote.grossPremiumCents,
        installmentPlan: input.installmentPlan,
        exposure,
      },
      insuredEmail: sub.insuredEmail,
      transaction: { id: transactionId, seq: 1, type: transactionType, effectiveDate: sub.effectiveDate },
      endorsementNumber: null,
      endorsements: [],
      taxes: quote.rating.taxes,
      fees: quote.rating.fees,
      installments: schedule,
      carrier: agreement?.carrier ?? null,
      at,
    }),
    sql`INSERT INTO events (id, org_id, type, data, created_at)
      SELECT ${newId("evt")}, ${principal.orgId}, 'policy.bound', ${eventData(transactionType)}, ${at} FROM policies WHERE id = ${policyId}`,
    sql`UPDATE quotes SET status = 'bound', updated_at = ${at} WHERE id = ${quote.id} AND ${policyExists}`,
    sql`UPDATE submissions SET status = 'bound', policy_id = ${policyId}, updated_at = ${at}
      WHERE id = ${sub.id} AND status = 'quoted' AND ${policyExists}`,
  ];
  if (isRenewal) {
    statements.push(
      sql`UPDATE policies SET renewed_by_policy_id = ${policyId}, updated_at = ${at}
        WHERE id = ${sub.renewalOfPolicyId} AND org_id = ${principal.orgId} AND ${policyExists}`,
      sql`INSERT INTO events (id, org_id, type, data, created_at)
        SELECT ${newId("evt")}, ${principal.orgId}, 'policy.renewed', ${eventData("renewal")}, ${at} FROM policies WHERE id = ${policyId}`,
    );
  }
  // The portfolio summary and the agreement's usage change in the same batch, only if the policy was written.
  statements.push(
    ...summaryStatements(principal.orgId, summaryDelta(null, {
      lineOfBusiness: lob,
      state: sub.state,
      effectiveDate: sub.effectiveDate,
      expirationDate: sub.expirationDate,
      status: "active",
      cancelledOn: null,
      writtenPremiumCents: quote.grossPremiumCents,
      transactions: [{ effectiveDate: sub.effectiveDate, premiumDeltaCents: quote.grossPremiumCents }],
    }), policyExists),
  );
  if (quote.daAgreementId) {
    statements.push(daUsageStatement(principal.orgId, quote.daAgreementId, quote.grossPremiumCents, crossedThreshold ? at : null, policyExists));
  }
  if (crossedThreshold && quote.daAgreementId) {
    statements.push(
      sql`INSERT INTO events (id, org_id, type, data, created_at)
        SELECT ${newId("evt")}, ${principal.orgId}, 'da.limit_approaching',
          json_object('daAgreementId', ${quote.daAgreementId}, 'policyId', ${policyId}, 'threshold', 0.85), ${at}
        WHERE ${policyExists}`,
    );
  }

  // The ledger's reservation is keyed by submission, so a concurrent bind of the same submission
  // shares it. Give it back only when no bind of this submission committed: if another one did,
  // the premium is its, and it commits the reservation.
  const releaseUnlessBound = async () => {
    const existing = await findPolicyBySubmission(db, principal.orgId, sub.id);
    if (!existing) await Promise.all([ledger?.release(sub.id), env.WORKSPACE.releaseUsage(principal.orgId, sub.id)]);
    return existing;
  };
  try {
    await atomically(db, statements);
  } catch (error) {
    await releaseUnlessBound();
    throw error;
  }
  const policy = await findPolicy(db, principal.orgId, policyId);
  if (!policy) {
    // Another bind (or a re-quote) got there first: nothing of ours was written.
    const existing = await releaseUnlessBound();
    return fail("invalid_state_transition", existing ? "Submission is already bound" : "The submission changed while binding; retry", {
      policyId: existing?.id ?? null,
    });
  }
  await Promise.all([ledger?.commit(sub.id), env.WORKSPACE.commitUsage(principal.orgId, sub.id)]);
  await issuePaperAfterCommit(db, env, principal.orgId, policyId);
  return ok({ preview: false, ...(await toPolicyWithInstallments(db, policy, clockOf(principal).today())) });
}
