/** An org's flag overrides in D1 (drizzle only). Only the org's FlagStore object calls these (flag-store.do.ts). */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { FlagValue } from "#shared/flags.catalogue";
import { newId } from "#shared/ids";
import { flagOverrides, type FlagOverrideRow } from "./schema.ts";

export function listOverrides(db: DrizzleD1Database, orgId: string): Promise<FlagOverrideRow[]> {
  return db.select().from(flagOverrides).where(eq(flagOverrides.orgId, orgId)).all();
}

/**
 * Sets the org's value of `key` in one statement: the first write creates the row (`flg_`), a later
 * one replaces its value and author and keeps its id and `created_at`. Answers the row as stored.
 */
export function upsertOverride(db: DrizzleD1Database, orgId: string, key: string, value: FlagValue, actor: string, at: string): Promise<FlagOverrideRow> {
  return db
    .insert(flagOverrides)
    .values({ id: newId("flg"), orgId, key, value, updatedBy: actor, createdAt: at, updatedAt: at })
    .onConflictDoUpdate({ target: [flagOverrides.orgId, flagOverrides.key], set: { value, updatedBy: actor, updatedAt: at } })
    .returning()
    .get();
}

export async function deleteOverride(db: DrizzleD1Database, orgId: string, key: string): Promise<void> {
  await db.delete(flagOverrides).where(and(eq(flagOverrides.orgId, orgId), eq(flagOverrides.key, key)));
}
