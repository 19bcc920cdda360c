/**
 * How every change to a claim commits, race-free without row locks. A change reads the claim (at
 * version n), decides in pure code what the claim becomes, and commits in ONE batch whose first
 * statement inserts activity row n + 1: that row's primary key `(claim_id, seq)` is taken by
 * whichever change commits first, so a concurrent change decided on the same version n breaks it
 * and its whole batch (the claim's update, reserve transactions, payments, events) rolls back. The
 * loser then re-reads and re-decides on the new state, so two payments that together pass the limit
 * cannot both commit: the second is judged against the first. Bounded retries, then 409 `conflict`.
 *
 * A Durable Object per claim would serialise changes too, but every read would then go through it,
 * and the claim's D1 rows would need the object's word to be current; the guarded batch keeps D1 the
 * one source of truth, and a claim's changes are rare enough that retries are cheap.
 */
import { and, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { ClaimActivityType } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, isUniqueViolation, type Statement } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { recordOutboxEvent } from "#shared/outbox";
import type { IdentityInternalRpc, UnderwritingInternalRpc } from "#shared/rpc";
import type { Money, ReserveMove } from "./financials.ts";
import { findClaim, moneyColumns, moneyOf } from "./claims.repo.ts";
import {
  claimActivity,
  claimAttachments,
  claimPayments,
  claims,
  claimSettlements,
  reserveTransactions,
  type ActivityDetails,
  type ClaimAttachmentRow,
  type ClaimPaymentRow,
  type ClaimRow,
  type ClaimSettlementRow,
  type ReserveTransactionRow,
} from "./schema.ts";

/** What the services need: the database and the two workers claims reads through. */
export interface ClaimsDeps {
  db: DrizzleD1Database;
  underwriting: Pick<UnderwritingInternalRpc, "policyForClaim">;
  identity: Pick<IdentityInternalRpc, "member">;
}

/** Most attempts of one change under contention before answering 409. */
export const MAX_ATTEMPTS = 32;

/** What a change writes, decided from the claim as read. Rows get their ids and stamps here. */
export interface ClaimChange {
  status: ClaimRow["status"];
  money: Money;
  adjusterId?: string | null;
  denialReason?: string | null;
  /** Set to null when the claim stops being open (a duplicate filed later no longer collides with it). */
  dedupeSlot?: null;
  activity: { type: ClaimActivityType; details: ActivityDetails };
  /** Reserve moves, each one reserve transaction, with the reason recorded on them. */
  moves: ReserveMove[];
  reason: string | null;
  payments?: Omit<ClaimPaymentRow, "orgId" | "claimId" | "actor" | "createdAt">[];
  newSettlement?: Omit<ClaimSettlementRow, "orgId" | "claimId" | "actor" | "createdAt">;
  acceptedSettlement?: { id: string; paymentId: string | null };
  attachment?: Omit<ClaimAttachmentRow, "orgId" | "claimId" | "createdAt">;
  /** Events, in order of occurrence, their data from the claim as it is after the change. */
  events: { type: string; data: (after: ClaimRow) => Record<string, unknown> }[];
}

/** What a decision hands back: the change (or null when nothing changes) and how to answer from the result. */
export interface Decision<T> {
  change: ClaimChange | null;
  answer: (after: ClaimRow, reserves: ReserveTransactionRow[]) => T;
}

/** The fields every claim event carries. */
export const eventFields = (c: ClaimRow) => ({ claimId: c.id, claimNumber: c.claimNumber, policyId: c.policyId, status: c.status, currency: "USD" });

/**
 * Read `id`, decide, commit; on a lost race, again. `decide` may read more (a settlement) and
 * refuse; it never writes.
 */
export async function mutateClaim<T>(deps: ClaimsDeps, principal: Principal, id: string, decide: (claim: ClaimRow) => Promise<Result<Decision<T>>>): Promise<Result<T>> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const claim = await findClaim(deps.db, principal.orgId, id);
    if (!claim) return notFound("Claim");
    const decided = await decide(claim);
    if (!decided.ok) return decided;
    const { change, answer } = decided.value;
    if (!change) return ok(answer(claim, []));
    const at = clockOf(principal).now().toISOString();
    const { statements, after, reserves } = statementsFor(deps.db, principal, claim, change, at);
    try {
      await atomically(deps.db, statements);
      return ok(answer(after, reserves));
    } catch (error) {
      if (isUniqueViolation(error, "claim_activity")) continue;
      throw error;
    }
  }
  return fail("conflict", "The claim kept changing while this change was decided; retry it");
}

function statementsFor(db: DrizzleD1Database, principal: Principal, claim: ClaimRow, change: ClaimChange, at: string) {
  const orgId = principal.orgId;
  const actor = principal.actorId;
  const after: ClaimRow = {
    ...claim,
    status: change.status,
    ...moneyColumns(change.money),
    ...(change.adjusterId !== undefined ? { adjusterId: change.adjusterId } : {}),
    ...(change.denialReason !== undefined ? { denialReason: change.denialReason } : {}),
    ...(change.dedupeSlot !== undefined ? { dedupeSlot: null } : {}),
    version: claim.version + 1,
    updatedAt: at,
  };
  const reserves: ReserveTransactionRow[] = change.moves.map((m) => ({
    id: newId("res"),
    orgId,
    claimId: claim.id,
    costType: m.costType,
    previousCents: m.previous,
    newCents: m.next,
    deltaCents: m.next - m.previous,
    source: m.source,
    reason: change.reason,
    actor,
    createdAt: at,
  }));
  const statements: Statement[] = [
    // First: the row only one change per version can insert (see the module comment).
    db.insert(claimActivity).values({ claimId: claim.id, seq: after.version, orgId, type: change.activity.type, statusAfter: after.status, actor, details: change.activity.details, createdAt: at }),
    db
      .update(claims)
      .set({
        status: after.status,
        ...moneyColumns(moneyOf(after)),
        adjusterId: after.adjusterId,
        denialReason: after.denialReason,
        dedupeSlot: after.dedupeSlot,
        version: sql`${claims.version} + 1`,
        updatedAt: at,
      })
      .where(and(eq(claims.id, claim.id), eq(claims.orgId, orgId), eq(claims.version, claim.version))),
    ...reserves.map((r) => db.insert(reserveTransactions).values(r)),
    ...(change.payments ?? []).map((p) => db.insert(claimPayments).values({ ...p, orgId, claimId: claim.id, actor, createdAt: at })),
  ];
  if (change.newSettlement) statements.push(db.insert(claimSettlements).values({ ...change.newSettlement, orgId, claimId: claim.id, actor, createdAt: at }));
  if (change.acceptedSettlement) {
    const s = change.acceptedSettlement;
    statements.push(
      db
        .update(claimSettlements)
        .set({ status: "accepted", paymentId: s.paymentId, acceptedAt: at })
        .where(and(eq(claimSettlements.id, s.id), eq(claimSettlements.claimId, claim.id), eq(claimSettlements.status, "offered"))),
    );
  }
  if (change.attachment) statements.push(db.insert(claimAttachments).values({ ...change.attachment, orgId, claimId: claim.id, createdAt: at }));
  for (const e of change.events) statements.push(recordOutboxEvent(db, orgId, e.type, e.data(after), at));
  return { statements, after, reserves };
}
