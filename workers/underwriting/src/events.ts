import type { DrizzleD1Database } from "drizzle-orm/d1";
import { newId } from "#shared/ids";
import { events } from "./schema.ts";

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
  | "da.limit_approaching";

/**
 * The outbox insert for one event. Callers put it in the same `db.batch()` as the state change
 * it describes, so an event exists exactly when its change committed.
 */
export function recordEvent(db: DrizzleD1Database, orgId: string, type: UnderwritingEventType, data: Record<string, unknown>, at: string) {
  return db.insert(events).values({ id: newId("evt"), orgId, type, data, createdAt: at });
}
