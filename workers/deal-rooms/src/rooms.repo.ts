/** The room directory in D1 (drizzle only). Every lookup is confined to an org. */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { listKeyset, type ListQuery } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { rooms, type RoomRow } from "./schema.ts";

export function findOrgRoom(db: DrizzleD1Database, orgId: string, id: string): Promise<RoomRow | undefined> {
  return db.select().from(rooms).where(and(eq(rooms.orgId, orgId), eq(rooms.id, id))).get();
}

export async function insertRoom(db: DrizzleD1Database, row: RoomRow): Promise<void> {
  await db.insert(rooms).values(row);
}

export async function listRoomRows(
  db: DrizzleD1Database,
  orgId: string,
  query: ListQuery & { submissionId?: string },
): Promise<Result<{ rows: RoomRow[]; pageSize: number }>> {
  const keyset = listKeyset(rooms, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(rooms)
    .where(and(eq(rooms.orgId, orgId), query.submissionId === undefined ? undefined : eq(rooms.submissionId, query.submissionId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok({ rows, pageSize: keyset.value.pageSize });
}
