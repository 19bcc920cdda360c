import { and, eq, gt } from "drizzle-orm";
import type { IdentityDb } from "./deps.ts";
import { sessions, users, type SessionRow, type UserRow } from "./schema.ts";

export const insertSession = (db: IdentityDb, row: SessionRow) => db.insert(sessions).values(row);

/** The unexpired session for a token hash, with its user: one indexed read. */
export async function findLiveSession(
  db: IdentityDb,
  tokenHash: string,
  now: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const row = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .get();
  return row ?? undefined;
}

/** Deletes an unexpired session; false when there was none. */
export async function deleteLiveSession(db: IdentityDb, tokenHash: string, now: string): Promise<boolean> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .returning({ id: sessions.id });
  return deleted.length > 0;
}
