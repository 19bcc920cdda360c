import { and, asc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { listKeyset, type ListQuery } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { deliveries, deliveryAttempts, type DeliveryAttemptRow, type DeliveryRow, type DeliveryStatus } from "./schema.ts";

/** One delivery per (event, endpoint): the unique index turns a repeated fan-out into a no-op. */
export function insertDeliveryIfAbsent(db: DrizzleD1Database, row: typeof deliveries.$inferInsert) {
  return db.insert(deliveries).values(row).onConflictDoNothing({ target: [deliveries.endpointId, deliveries.eventId] });
}

export function findDeliveryById(db: DrizzleD1Database, id: string): Promise<DeliveryRow | undefined> {
  return db.select().from(deliveries).where(eq(deliveries.id, id)).get();
}

export function findOrgDelivery(db: DrizzleD1Database, orgId: string, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.orgId, orgId), eq(deliveries.endpointId, endpointId), eq(deliveries.id, id)))
    .get();
}

/** What the ordering gate reads of the deliveries of a subject. */
export type SubjectDelivery = Pick<DeliveryRow, "id" | "eventId" | "occurredAt" | "status" | "attemptCount" | "nextAttemptAt">;

/**
 * A delivery with what the ordering gate needs (ordering.ts): the first unfinished (`pending` or
 * `retrying`) delivery of its subject to its endpoint other than itself, in occurrence order
 * (occurred_at, then event id), or null (none, or the delivery has no subject). One statement and
 * one bound parameter: the gate costs the attempt no round trip of its own. The subquery is one
 * seek into the partial index webhook_deliveries_subject_unfinished, in the index's order; its
 * status test is spelled as the index's own WHERE (not bound), which is what lets SQLite use it.
 */
export async function findDeliveryForAttempt(db: DrizzleD1Database, id: string): Promise<{ row: DeliveryRow; firstOfSubject: SubjectDelivery | null } | undefined> {
  const found = await findDeliveryForAttemptQuery(db, id).get();
  if (!found) return undefined;
  const { firstOfSubject, ...row } = found;
  return { row, firstOfSubject: firstOfSubject === null ? null : (JSON.parse(firstOfSubject) as SubjectDelivery) };
}

/**
 * Spelled out in SQL because the correlation needs both tables qualified (drizzle leaves a
 * single-table select's columns bare, which inside the subquery would name the inner table).
 */
const FIRST_OF_SUBJECT = sql.raw(`(
  select json_object('id', o.id, 'eventId', o.event_id, 'occurredAt', o.occurred_at, 'status', o.status,
    'attemptCount', o.attempt_count, 'nextAttemptAt', o.next_attempt_at)
  from webhook_deliveries as o
  where o.endpoint_id = webhook_deliveries.endpoint_id and o.subject = webhook_deliveries.subject
    and o.status in ('pending', 'retrying') and o.id <> webhook_deliveries.id
  order by o.occurred_at, o.event_id
  limit 1
)`);

/** The statement of {@link findDeliveryForAttempt} (a test reads its query plan). */
export function findDeliveryForAttemptQuery(db: DrizzleD1Database, id: string) {
  const firstOfSubject = sql<string | null>`${FIRST_OF_SUBJECT}`;
  return db
    .select({ ...getTableColumns(deliveries), firstOfSubject })
    .from(deliveries)
    .where(eq(deliveries.id, id));
}

/** Deliveries of an event that were created but never attempted (a fan-out enqueues these). */
export function unattemptedDeliveryIds(db: DrizzleD1Database, eventId: string): Promise<{ id: string }[]> {
  return db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending"), eq(deliveries.attemptCount, 0)));
}

export async function listDeliveryRows(
  db: DrizzleD1Database,
  endpointId: string,
  query: ListQuery | undefined,
  status: DeliveryStatus | undefined,
): Promise<Result<{ rows: DeliveryRow[]; pageSize: number }>> {
  const keyset = listKeyset(deliveries, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.endpointId, endpointId), status === undefined ? undefined : eq(deliveries.status, status), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok({ rows, pageSize: keyset.value.pageSize });
}

const IN_CHUNK = 50; // statements stay under D1's 100 bound parameters

/** Every attempt of the given deliveries, oldest first, grouped by delivery id. */
export async function attemptsByDelivery(db: DrizzleD1Database, deliveryIds: string[]): Promise<Map<string, DeliveryAttemptRow[]>> {
  const out = new Map<string, DeliveryAttemptRow[]>(deliveryIds.map((id) => [id, []]));
  for (let i = 0; i < deliveryIds.length; i += IN_CHUNK) {
    const rows = await db
      .select()
      .from(deliveryAttempts)
      .where(inArray(deliveryAttempts.deliveryId, deliveryIds.slice(i, i + IN_CHUNK)))
      .orderBy(asc(deliveryAttempts.deliveryId), asc(deliveryAttempts.attempt));
    for (const row of rows) out.get(row.deliveryId)?.push(row);
  }
  return out;
}

export function insertAttempt(db: DrizzleD1Database, row: DeliveryAttemptRow) {
  return db.insert(deliveryAttempts).values(row);
}

/**
 * The delivery's state after attempt `attempt`. Guarded on the previous count so it can only follow
 * the attempt row of the same number, written in the same batch.
 */
export function recordDeliveryAttempt(
  db: DrizzleD1Database,
  id: string,
  attempt: number,
  patch: { status: DeliveryStatus; nextAttemptAt: string | null; at: string },
) {
  return db
    .update(deliveries)
    .set({ status: patch.status, attemptCount: attempt, nextAttemptAt: patch.nextAttemptAt, updatedAt: patch.at })
    .where(and(eq(deliveries.id, id), eq(deliveries.attemptCount, attempt - 1)));
}

/** End a delivery that can no longer be attempted (its endpoint was deleted or disabled). */
export function abandonDelivery(db: DrizzleD1Database, id: string, at: string) {
  return db
    .update(deliveries)
    .set({ status: "failed", nextAttemptAt: null, updatedAt: at })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["pending", "retrying"])));
}

/** Deleting an endpoint stops its scheduled deliveries. */
export function abandonEndpointDeliveries(db: DrizzleD1Database, orgId: string, endpointId: string, at: string) {
  return db
    .update(deliveries)
    .set({ status: "failed", nextAttemptAt: null, updatedAt: at })
    .where(and(eq(deliveries.orgId, orgId), eq(deliveries.endpointId, endpointId), inArray(deliveries.status, ["pending", "retrying"])));
}

/** A manual retry: a fresh retry schedule from the next attempt on, numbering continued. */
export function requeueDelivery(db: DrizzleD1Database, id: string, at: string) {
  return db
    .update(deliveries)
    .set({
      status: "pending",
      scheduleStart: sql`${deliveries.attemptCount}`,
      nextAttemptAt: at,
      requeuedAt: at,
      deadLetteredAt: null,
      updatedAt: at,
    })
    .where(eq(deliveries.id, id));
}

/** The dead-letter consumer's record: the delivery is over, whatever state a crash left it in. */
export function markDeadLettered(db: DrizzleD1Database, id: string, at: string) {
  return db
    .update(deliveries)
    .set({
      status: sql`case when ${deliveries.status} = 'succeeded' then 'succeeded' else 'failed' end`,
      nextAttemptAt: null,
      deadLetteredAt: at,
      updatedAt: at,
    })
    .where(eq(deliveries.id, id));
}
