import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { listKeyset } from "#shared/db";
import type { Result } from "#shared/errors";
import type { PageQuery } from "#shared/pagination";
import type { IdentityDb } from "./deps.ts";
import { apiKeys, type ApiKeyRow } from "./schema.ts";

export const insertApiKey = (db: IdentityDb, row: ApiKeyRow) => db.insert(apiKeys).values(row);

/** The authentication lookup: one read on the unique `key_hash` index. */
export const findApiKeyByHash = (db: IdentityDb, keyHash: string): Promise<ApiKeyRow | undefined> =>
  db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get();

export const findApiKey = (db: IdentityDb, orgId: string, id: string): Promise<ApiKeyRow | undefined> =>
  db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id)))
    .get();

export const findSuccessor = (db: IdentityDb, id: string): Promise<{ id: string } | undefined> =>
  db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.rotatedFromId, id)).get();

/** `limit + 1` rows of an org's keys in page order (see `toPage`). */
export async function listApiKeys(db: IdentityDb, orgId: string, query: PageQuery | undefined): Promise<Result<ApiKeyRow[]>> {
  const keyset = listKeyset(apiKeys, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return { ok: true, value: rows };
}

/** Idempotent: an already-revoked key keeps its original `revoked_at`. */
export const revokeApiKey = (db: IdentityDb, orgId: string, id: string, now: string): Promise<ApiKeyRow | undefined> =>
  db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now})` })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id)))
    .returning()
    .get();

/** Shortens a live key's life (rotation grace). Returns the row only if it was still unrevoked. */
export const expireApiKeyAt = (db: IdentityDb, orgId: string, id: string, expiresAt: string) =>
  db
    .update(apiKeys)
    .set({ expiresAt })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, expiresAt: apiKeys.expiresAt });

/** Records use unless it was already recorded after `staleBefore` (another request won the race). */
export const touchApiKey = (db: IdentityDb, id: string, now: string, staleBefore: string) =>
  db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore))));
