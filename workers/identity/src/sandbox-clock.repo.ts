import { eq } from "drizzle-orm";
import type { IdentityDb } from "./deps.ts";
import { sandboxClocks } from "./schema.ts";

/** The org's stored offset from real time, or null when its clock was never set (or was reset). */
export async function findClockOffset(db: IdentityDb, orgId: string): Promise<number | null> {
  const row = await db.select({ offsetMs: sandboxClocks.offsetMs }).from(sandboxClocks).where(eq(sandboxClocks.orgId, orgId)).get();
  return row?.offsetMs ?? null;
}

/** Store the org's offset, replacing any earlier one. */
export async function upsertClockOffset(db: IdentityDb, orgId: string, offsetMs: number, updatedAt: string): Promise<void> {
  await db
    .insert(sandboxClocks)
    .values({ orgId, offsetMs, updatedAt })
    .onConflictDoUpdate({ target: sandboxClocks.orgId, set: { offsetMs, updatedAt } });
}

export async function deleteClockOffset(db: IdentityDb, orgId: string): Promise<void> {
  await db.delete(sandboxClocks).where(eq(sandboxClocks.orgId, orgId));
}
