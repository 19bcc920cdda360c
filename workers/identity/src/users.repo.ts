import { and, eq, lt, sql } from "drizzle-orm";
import type { IdentityDb } from "./deps.ts";
import { users, verificationCodes, type UserRow, type VerificationCodeRow } from "./schema.ts";

export const insertUser = (db: IdentityDb, row: UserRow) => db.insert(users).values(row);

export const findUserInOrg = (db: IdentityDb, orgId: string, userId: string): Promise<UserRow | undefined> =>
  db.select().from(users).where(and(eq(users.id, userId), eq(users.orgId, orgId))).get();

export const findUserByEmail = (db: IdentityDb, email: string): Promise<UserRow | undefined> =>
  db.select().from(users).where(eq(users.email, email)).get();

export const markEmailVerified = (db: IdentityDb, userId: string, now: string) =>
  db.update(users).set({ emailVerified: true, updatedAt: now }).where(eq(users.id, userId));

/** One live code per user: a new code replaces the old one and resets its attempts. */
export const upsertVerificationCode = (db: IdentityDb, row: VerificationCodeRow) =>
  db
    .insert(verificationCodes)
    .values(row)
    .onConflictDoUpdate({
      target: verificationCodes.userId,
      set: { codeHash: row.codeHash, attempts: row.attempts, expiresAt: row.expiresAt, createdAt: row.createdAt },
    });

export const findVerificationCode = (db: IdentityDb, userId: string): Promise<VerificationCodeRow | undefined> =>
  db.select().from(verificationCodes).where(eq(verificationCodes.userId, userId)).get();

/**
 * Spends one attempt before the code is compared, in a single conditional statement, so parallel
 * guesses cannot exceed `maxAttempts`. Undefined when no attempt is left (or the code is gone).
 */
export const spendVerificationAttempt = (
  db: IdentityDb,
  userId: string,
  maxAttempts: number,
): Promise<VerificationCodeRow | undefined> =>
  db
    .update(verificationCodes)
    .set({ attempts: sql`${verificationCodes.attempts} + 1` })
    .where(and(eq(verificationCodes.userId, userId), lt(verificationCodes.attempts, maxAttempts)))
    .returning()
    .get();

export const deleteVerificationCode = (db: IdentityDb, userId: string) =>
  db.delete(verificationCodes).where(eq(verificationCodes.userId, userId));
