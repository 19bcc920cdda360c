/**
 * The commission feed (issue 14): every premium-bearing policy event (`policy.bound`, `.endorsed`,
 * `.cancelled`, `.reinstated`, `.renewed`) is already in this worker's outbox, in the batch of its
 * transaction. After each write, and on every cron tick, the events not yet handed over
 * (`commissions_fed_at IS NULL`, a partial index: migrations/underwriting/0013) are read; for each
 * policy among them that a producer sold, the policy's whole premium-bearing timeline goes to
 * `ProducersInternal.recordCommissions`, which records each transaction not recorded yet. The
 * events are marked fed once producers answered (or their policy has no producer).
 *
 * Why underwriting pushes rather than producers consuming the events as billing does: underwriting
 * already calls producers (`authorityFor` at bind), so a producers → underwriting binding (for
 * `readEvents` or a facts RPC) would be a cycle, which the registry refuses (no worker could deploy
 * first). The delivery promise is the same as the outbox's: at least once, idempotent at the
 * receiver by transaction id, and a lost or out-of-order hand-over is repaired by the next, since
 * each carries the policy's whole timeline.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CommissionFacts, ProducersInternalRpc } from "#shared/rpc";
import { policyTransactions } from "./schema.ts";

/** The events whose policy's premium changed. */
export const COMMISSION_EVENTS = ["policy.bound", "policy.endorsed", "policy.cancelled", "policy.reinstated", "policy.renewed"] as const;
/**
 * The type list as SQL literals, exactly as the partial index `events_commissions_unfed` states it:
 * SQLite uses a partial index only when the query's WHERE implies the index's, which bound
 * parameters never do. Constants of this module, never input.
 */
const PARTIAL_INDEX_TYPES = sql.raw(COMMISSION_EVENTS.map((t) => `'${t}'`).join(", "));
/** Events read per pass (and marked fed in one statement, under 100 bound parameters). */
const FEED_BATCH = 50;

/** A policy's premium-bearing timeline in sequence (money in cents): what a producer's and a partner's commissions accrue on. */
export function premiumTimeline(db: DrizzleD1Database, orgId: string, policyId: string) {
  return db
    .select({
      transactionId: policyTransactions.id,
      seq: policyTransactions.seq,
      type: policyTransactions.type,
      effectiveDate: policyTransactions.effectiveDate,
      premiumDeltaCents: policyTransactions.premiumDeltaCents,
      createdAt: policyTransactions.createdAt,
    })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId)))
    .orderBy(asc(policyTransactions.seq))
    .all();
}

/** The policy's facts for the producers worker, or null when no producer sold it (or it is unknown). */
export async function commissionFacts(db: DrizzleD1Database, orgId: string, policyId: string): Promise<CommissionFacts | null> {
  const policy = await db.get<{ id: string; policy_number: string; line_of_business: CommissionFacts["lineOfBusiness"]; renewal_of_policy_id: string | null; producer_id: string | null }>(sql`
    SELECT p.id, p.policy_number, p.line_of_business, p.renewal_of_policy_id, s.producer_id
    FROM policies p JOIN submissions s ON s.id = p.submission_id
    WHERE p.org_id = ${orgId} AND p.id = ${policyId}`);
  if (!policy?.producer_id) return null;
  const timeline = await premiumTimeline(db, orgId, policy.id);
  return {
    policyId: policy.id,
    policyNumber: policy.policy_number,
    producerId: policy.producer_id,
    lineOfBusiness: policy.line_of_business,
    renewal: policy.renewal_of_policy_id !== null,
    transactions: timeline,
  };
}

/** Hand one policy over; true when done with it (recorded, or nothing to record), false to try again later. */
async function handOver(db: DrizzleD1Database, producers: Service<ProducersInternalRpc>, orgId: string, policyId: string): Promise<boolean> {
  const facts = await commissionFacts(db, orgId, policyId);
  if (!facts) return true;
  try {
    const recorded = await producers.recordCommissions(orgId, facts);
    if (recorded.ok) return true;
    console.error(JSON.stringify({ level: "error", message: "commissions refused", orgId, policyId, code: recorded.error.code, detail: recorded.error.message }));
    // A producer the producers worker does not know will not appear later: nothing to retry.
    return recorded.error.code === "not_found";
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", message: "commission hand-over failed; retried on the next pass", orgId, policyId, error: String(err) }));
    return false;
  }
}

/**
 * Hand every unfed premium-bearing event's policy to the producers worker and mark the events fed.
 * Returns how many events were marked. A policy whose hand-over failed keeps its events unfed for
 * the next pass (the cron's, a minute later at most), and ends this one.
 */
export async function feedCommissions(db: DrizzleD1Database, producers: Service<ProducersInternalRpc>, at: string): Promise<number> {
  let fed = 0;
  for (;;) {
    const pending = await db.all<{ id: string; org_id: string; policy_id: string | null }>(sql`
      SELECT id, org_id, json_extract(data, '$.policyId') AS policy_id FROM events
      WHERE commissions_fed_at IS NULL AND type IN (${PARTIAL_INDEX_TYPES})
      ORDER BY created_at, id LIMIT ${FEED_BATCH}`);
    if (pending.length === 0) return fed;
    const byPolicy = new Map<string, { orgId: string; policyId: string | null; ids: string[] }>();
    for (const e of pending) {
      const key = `${e.org_id}|${e.policy_id}`;
      const group = byPolicy.get(key) ?? { orgId: e.org_id, policyId: e.policy_id, ids: [] };
      group.ids.push(e.id);
      byPolicy.set(key, group);
    }
    const done: string[] = [];
    for (const group of byPolicy.values()) {
      if (group.policyId === null || (await handOver(db, producers, group.orgId, group.policyId))) done.push(...group.ids);
    }
    if (done.length > 0) await db.run(sql`UPDATE events SET commissions_fed_at = ${at} WHERE id IN (${sql.join(done.map((id) => sql`${id}`), sql`, `)})`);
    fed += done.length;
    if (done.length < pending.length || pending.length < FEED_BATCH) return fed;
  }
}
