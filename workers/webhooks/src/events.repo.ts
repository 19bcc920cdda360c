import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { listKeyset, type ListQuery } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { events, type EventRow } from "./schema.ts";

/** Record an event once: a redelivered event message leaves the stored body untouched. */
export function insertEventIfAbsent(db: DrizzleD1Database, row: EventRow) {
  return db.insert(events).values(row).onConflictDoNothing({ target: events.id });
}

export function findEventById(db: DrizzleD1Database, id: string): Promise<EventRow | undefined> {
  return db.select().from(events).where(eq(events.id, id)).get();
}

export function findOrgEvent(db: DrizzleD1Database, orgId: string, id: string): Promise<EventRow | undefined> {
  return db.select().from(events).where(and(eq(events.orgId, orgId), eq(events.id, id))).get();
}

export async function listEventRows(
  db: DrizzleD1Database,
  orgId: string,
  query: ListQuery | undefined,
  type: string | undefined,
): Promise<Result<{ rows: EventRow[]; pageSize: number }>> {
  const keyset = listKeyset(events, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.orgId, orgId), type === undefined ? undefined : eq(events.type, type), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok({ rows, pageSize: keyset.value.pageSize });
}
