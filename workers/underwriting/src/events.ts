import type { DrizzleD1Database } from "drizzle-orm/d1";
import { recordOutboxEvent } from "#shared/outbox";

/** Domain events recorded by this worker (the seed's envelope: id, type, orgId, timestamp, data). */
export type UnderwritingEventType =
  | "submission.created"
  | "submission.quoted"
  | "referral.created"
  | "referral.decided"
  | "policy.bound"
  | "policy.endorsed"
  | "policy.cancelled"
  | "policy.renewed"
  | "da.limit_approaching"
  | "policy.reinstated"
  | "policy.pending_cancellation";

/**
 * The outbox insert for one event (the shared outbox, workers/_shared/outbox.ts). Callers put it in
 * the same `db.batch()` as the state change it describes, so an event exists exactly when its change committed.
 */
export function recordEvent(db: DrizzleD1Database, orgId: string, type: UnderwritingEventType, data: Record<string, unknown>, at: string) {
  return recordOutboxEvent(db, orgId, type, data, at);
}
