import { eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { workspaces, type WorkspaceRow } from "./schema.ts";

export function findWorkspace(db: DrizzleD1Database, orgId: string): Promise<WorkspaceRow | undefined> {
  return db.select().from(workspaces).where(eq(workspaces.orgId, orgId)).get();
}

export function findWorkspaces(db: DrizzleD1Database, orgIds: string[]): Promise<WorkspaceRow[]> {
  if (orgIds.length === 0) return Promise.resolve([]);
  return db.select().from(workspaces).where(inArray(workspaces.orgId, orgIds)).all();
}

/** Writes the whole row (insert, or replace the org's): the caller read it and applied its change. */
export async function upsertWorkspace(db: DrizzleD1Database, row: WorkspaceRow): Promise<WorkspaceRow> {
  await db
    .insert(workspaces)
    .values(row)
    .onConflictDoUpdate({
      target: workspaces.orgId,
      set: {
        plan: sql`excluded.plan`,
        timezone: sql`excluded.timezone`,
        locale: sql`excluded.locale`,
        deletedAt: sql`excluded.deleted_at`,
        purgeAfter: sql`excluded.purge_after`,
        updatedAt: sql`excluded.updated_at`,
        updatedBy: sql`excluded.updated_by`,
      },
    });
  return row;
}

/** Org ids of deleted workspaces among `orgIds`. */
export async function deletedAmong(db: DrizzleD1Database, orgIds: string[]): Promise<Set<string>> {
  const rows = await findWorkspaces(db, orgIds);
  return new Set(rows.filter((r) => r.deletedAt !== null).map((r) => r.orgId));
}
