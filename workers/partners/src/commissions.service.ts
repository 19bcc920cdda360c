/**
 * Partner commissions (issue 18): what an attributed policy earns its partner on written premium.
 * Underwriting's policy events (`policy.bound`, `.endorsed`, `.cancelled`, `.reinstated`) arrive on
 * this worker's queue; each is a nudge, not the data: the policy's whole premium-bearing timeline
 * is read from underwriting (`partnerPolicyFacts`) and one commission is recorded per transaction
 * not recorded yet,
 *
 *   commission = premiumDelta × rate / 100, rounded half-up on the magnitude to the cent, once per row
 *
 * in one batch with the event's `processed_events` row. An endorsement's and a cancellation's
 * premium deltas are already pro rata (DECISIONS.md, "Insurance rules"), so their commissions adjust
 * the bound one pro rata; a return premium earns a negative commission. The rate is the partner's
 * when the policy's first commission was recorded, so a return reverses at the rate paid. A partner
 * revoked before the bind earns nothing on it; commissions already earned stay, and their policy's
 * later returns still reverse them. A redelivered event finds its row, or nothing left to record.
 */
import { and, asc, eq, gte, isNotNull, isNull, lte, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { PartnerCommission, PartnerCommissionStatus, PartnerPayout, PayPartnerCommissionsRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf, realClock } from "#shared/clock";
import { atomically, listKeyset } from "#shared/db";
import type { EventEnvelope } from "#shared/events";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, exactBpsOf, fromCents, mulDivRound } from "#shared/money";
import { toPage, type Page } from "#shared/pagination";
import type { ListCommissionsOfPartnerQuery, ListPartnerCommissionsQuery, UnderwritingInternalRpc } from "#shared/rpc";
import { attributeSubmission, attributionOf } from "./attribution.service.ts";
import { partnerCommissions, partners, processedEvents, type PartnerCommissionRow } from "./schema.ts";

/** The events that move an attributed policy's premium. */
export const POLICY_EVENTS: ReadonlySet<string> = new Set(["policy.bound", "policy.endorsed", "policy.cancelled", "policy.reinstated"]);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A commission's status on `today`: paid once paid out, payable from its effective date, pending before. */
export function commissionStatus(row: Pick<PartnerCommissionRow, "paidAt" | "effectiveDate">, today: string): PartnerCommissionStatus {
  if (row.paidAt !== null) return "paid";
  return row.effectiveDate <= today ? "payable" : "pending";
}

export function toPartnerCommission(row: PartnerCommissionRow, today: string): PartnerCommission {
  return {
    id: row.id,
    partnerId: row.partnerId,
    policyId: row.policyId,
    policyNumber: row.policyNumber,
    submissionId: row.submissionId,
    transactionId: row.transactionId,
    transactionType: row.transactionType,
    effectiveDate: row.effectiveDate,
    bookedOn: row.bookedOn,
    rate: row.rateBps / 100,
    premiumDelta: fromCents(row.premiumDeltaCents),
    commission: fromCents(row.commissionCents),
    rounding: { method: "half_up", exact: exactBpsOf(row.premiumDeltaCents, row.rateBps) },
    currency: CURRENCY,
    status: commissionStatus(row, today),
    createdAt: row.createdAt,
  };
}

const recordProcessed = (envelope: EventEnvelope) =>
  sql`INSERT INTO processed_events (event_id, org_id, type, processed_at) VALUES (${envelope.id}, ${envelope.orgId}, ${envelope.type}, ${realClock.now().toISOString()})
    ON CONFLICT (event_id) DO NOTHING`;

/**
 * Accrue what `envelope`'s policy has not accrued yet, once. Throws on an outage (the message is
 * retried); a policy underwriting does not know, or one no partner is attributed, is done.
 */
export async function accrueFromEvent(db: DrizzleD1Database, underwriting: UnderwritingInternalRpc, envelope: EventEnvelope): Promise<number> {
  const seen = await db.select({ id: processedEvents.eventId }).from(processedEvents).where(eq(processedEvents.eventId, envelope.id)).get();
  if (seen) return 0;
  const orgId = envelope.orgId;
  const policyId = envelope.data.policyId as string;
  const facts = await underwriting.partnerPolicyFacts(orgId, policyId);
  if (!facts.ok) {
    if (facts.error.code !== "not_found") throw new Error(`partnerPolicyFacts failed: ${facts.error.code} ${facts.error.message}`);
    await db.run(recordProcessed(envelope));
    return 0;
  }
  const existing = await db
    .select({ transactionId: partnerCommissions.transactionId, partnerId: partnerCommissions.partnerId, rateBps: partnerCommissions.rateBps })
    .from(partnerCommissions)
    .where(and(eq(partnerCommissions.orgId, orgId), eq(partnerCommissions.policyId, policyId)))
    .orderBy(asc(partnerCommissions.transactionSeq))
    .all();
  let partnerId = existing[0]?.partnerId ?? null;
  let rate = existing[0]?.rateBps ?? null;
  if (partnerId === null) {
    // The submission's attribution; computed now when its submission.created has not been handled yet.
    let attribution = await attributionOf(db, orgId, facts.value.submissionId);
    if (attribution === undefined) {
      const submission = await underwriting.submissionReferral(orgId, facts.value.submissionId);
      if (!submission.ok && submission.error.code !== "not_found") throw new Error(`submissionReferral failed: ${submission.error.code}`);
      attribution = submission.ok ? await attributeSubmission(db, underwriting, orgId, submission.value) : null;
    }
    if (attribution) {
      const partner = await db.select().from(partners).where(and(eq(partners.orgId, orgId), eq(partners.id, attribution.partnerId))).get();
      if (partner && partner.status !== "revoked") {
        partnerId = partner.id;
        rate = partner.commissionRateBps;
      }
    }
  }
  if (partnerId === null || rate === null) {
    await db.run(recordProcessed(envelope));
    return 0;
  }
  const recorded = new Set(existing.map((e) => e.transactionId));
  const rows: PartnerCommissionRow[] = facts.value.transactions
    .filter((t) => !recorded.has(t.transactionId))
    .map((t) => ({
      id: newId("pcm"),
      orgId,
      partnerId: partnerId!,
      policyId,
      policyNumber: facts.value.policyNumber,
      submissionId: facts.value.submissionId,
      transactionId: t.transactionId,
      transactionSeq: t.seq,
      transactionType: t.type,
      effectiveDate: t.effectiveDate,
      bookedOn: t.createdAt.slice(0, 10),
      rateBps: rate!,
      premiumDeltaCents: t.premiumDeltaCents,
      commissionCents: mulDivRound(t.premiumDeltaCents, rate!, 10_000),
      paidAt: null,
      createdAt: t.createdAt,
    }));
  // 16 columns a row: one statement per row keeps each under 100 parameters; one batch, one transaction.
  const inserts = rows.map(
    (r) => sql`INSERT INTO partner_commissions (id, org_id, partner_id, policy_id, policy_number, submission_id, transaction_id, transaction_seq, transaction_type,
        effective_date, booked_on, rate_bps, premium_delta_cents, commission_cents, paid_at, created_at)
      VALUES (${r.id}, ${r.orgId}, ${r.partnerId}, ${r.policyId}, ${r.policyNumber}, ${r.submissionId}, ${r.transactionId}, ${r.transactionSeq}, ${r.transactionType},
        ${r.effectiveDate}, ${r.bookedOn}, ${r.rateBps}, ${r.premiumDeltaCents}, ${r.commissionCents}, NULL, ${r.createdAt})
      ON CONFLICT (transaction_id) DO NOTHING`,
  );
  const results = await atomically(db, [...inserts, recordProcessed(envelope)]);
  return results.slice(0, inserts.length).reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

type CommissionQuery = { limit?: number; cursor?: string; sort?: "createdAt" | "-createdAt"; createdAfter?: string; createdBefore?: string; status?: PartnerCommissionStatus; from?: string; to?: string };

async function listRows(db: DrizzleD1Database, principal: Principal, partnerId: string | undefined, query: CommissionQuery | undefined): Promise<Result<Page<PartnerCommission>>> {
  const keyset = listKeyset(partnerCommissions, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  for (const field of ["from", "to"] as const) {
    if (q[field] !== undefined && !DAY.test(q[field]!)) return invalid(field, "date", `${field} must be a day, YYYY-MM-DD`);
  }
  if (q.from && q.to && q.from > q.to) return invalid("from", "range", `from (${q.from}) must not be after to (${q.to})`);
  const today = clockOf(principal).today();
  const statusFilter: Record<PartnerCommissionStatus, SQL | undefined> = {
    paid: isNotNull(partnerCommissions.paidAt),
    payable: and(isNull(partnerCommissions.paidAt), lte(partnerCommissions.effectiveDate, today)),
    pending: and(isNull(partnerCommissions.paidAt), sql`${partnerCommissions.effectiveDate} > ${today}`),
  };
  const filters: (SQL | undefined)[] = [
    eq(partnerCommissions.orgId, principal.orgId),
    keyset.value.where,
    partnerId ? eq(partnerCommissions.partnerId, partnerId) : undefined,
    q.status ? statusFilter[q.status] : undefined,
    q.from ? gte(partnerCommissions.bookedOn, q.from) : undefined,
    q.to ? lte(partnerCommissions.bookedOn, q.to) : undefined,
  ];
  const rows = await db.select().from(partnerCommissions).where(and(...filters)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit).all();
  return ok(toPage(rows, keyset.value.pageSize, (r) => toPartnerCommission(r, today)));
}

export function listCommissions(db: DrizzleD1Database, principal: Principal, query?: ListPartnerCommissionsQuery): Promise<Result<Page<PartnerCommission>>> {
  return listRows(db, principal, query?.partnerId, query);
}

export async function listCommissionsOfPartner(db: DrizzleD1Database, principal: Principal, partnerId: string, query?: ListCommissionsOfPartnerQuery): Promise<Result<Page<PartnerCommission>>> {
  const partner = await db.select({ id: partners.id }).from(partners).where(and(eq(partners.orgId, principal.orgId), eq(partners.id, partnerId))).get();
  if (!partner) return notFound("Partner");
  return listRows(db, principal, partnerId, query);
}

/**
 * A payout: the partner's commissions effective on or before `through` (default: the org's today,
 * never later) and not yet paid become paid, in one conditional statement, so two payouts at once
 * never pay one commission twice.
 */
export async function payCommissions(db: DrizzleD1Database, principal: Principal, partnerId: string, input: PayPartnerCommissionsRequest): Promise<Result<PartnerPayout>> {
  const partner = await db.select({ id: partners.id }).from(partners).where(and(eq(partners.orgId, principal.orgId), eq(partners.id, partnerId))).get();
  if (!partner) return notFound("Partner");
  const today = clockOf(principal).today();
  const through = (input ?? {}).through ?? today;
  if (!DAY.test(through)) return invalid("through", "date", "through must be a day, YYYY-MM-DD");
  if (through > today) return invalid("through", "not_future", `through must not be after today (${today})`);
  const paidAt = clockOf(principal).now().toISOString();
  const paid = await db
    .update(partnerCommissions)
    .set({ paidAt })
    .where(and(eq(partnerCommissions.orgId, principal.orgId), eq(partnerCommissions.partnerId, partnerId), isNull(partnerCommissions.paidAt), lte(partnerCommissions.effectiveDate, through)))
    .returning({ commissionCents: partnerCommissions.commissionCents })
    .all();
  const cents = paid.reduce((n, r) => n + r.commissionCents, 0);
  return ok({ partnerId, through, paidAt, commissionCount: paid.length, amount: fromCents(cents), currency: CURRENCY });
}
