/**
 * Objects without a row. `storeDocument` (documents.service.ts) writes the object first and the row second and
 * deletes the object when the row cannot be written, so a failed store leaves nothing behind, except
 * when the isolate itself dies between the two. Such an object was never a document: no client saw
 * its id, no retry can collide with it (a retry is a new document), and nothing would ever read it.
 * This sweep, run by the worker's cron, deletes it: one page of the bucket per run, carrying on
 * where the previous run stopped, and only objects older than {@link ORPHAN_GRACE_MS}, so a store in
 * flight (object written, row not yet) is never mistaken for one.
 *
 * An upload that dies half-way through a multipart upload never becomes an object at all; R2 aborts
 * the incomplete upload by itself after seven days.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { documents, sweepCursors } from "./schema.ts";

/** An object younger than this may be a store whose row is still being written. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
/** Objects read per run (R2 lists at most 1,000 at a time). */
const PAGE = 500;
/** Ids per `IN (…)` query: D1 binds at most 100 parameters per statement (one is the org). */
const ID_CHUNK = 90;
const SWEEP = "orphan_objects";

/** `orgs/{orgId}/documents/{docId}` (documents.service.ts objectKey), read back. */
const KEY = /^orgs\/([^/]+)\/documents\/([^/]+)$/;

export interface OrphanSweep {
  /** Objects read this run. */
  scanned: number;
  /** Keys deleted this run. */
  deleted: string[];
  /** The run reached the end of the bucket; the next one starts from the beginning. */
  wrapped: boolean;
}

/** One run: the next `page` objects after where the last run stopped. */
export async function sweepOrphans(db: DrizzleD1Database, bucket: R2Bucket, now: Date, page = PAGE): Promise<OrphanSweep> {
  const cursor = await db.select().from(sweepCursors).where(eq(sweepCursors.name, SWEEP)).get();
  const listed = await bucket.list({ prefix: "orgs/", limit: page, ...(cursor?.afterKey ? { startAfter: cursor.afterKey } : {}) });
  const cutoff = now.getTime() - ORPHAN_GRACE_MS;

  // Old enough to judge, grouped by org so each lookup is one org's ids.
  const candidates = new Map<string, Map<string, string>>();
  for (const object of listed.objects) {
    const match = KEY.exec(object.key);
    if (!match || object.uploaded.getTime() > cutoff) continue;
    const [, orgId, id] = match as unknown as [string, string, string];
    if (!candidates.has(orgId)) candidates.set(orgId, new Map());
    candidates.get(orgId)!.set(id, object.key);
  }

  const deleted: string[] = [];
  for (const [orgId, byId] of candidates) {
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const rows = await db.select({ id: documents.id }).from(documents).where(and(eq(documents.orgId, orgId), inArray(documents.id, chunk)));
      const known = new Set(rows.map((row) => row.id));
      for (const id of chunk) if (!known.has(id)) deleted.push(byId.get(id)!);
    }
  }
  if (deleted.length) await bucket.delete(deleted);

  const last = listed.objects.at(-1)?.key;
  const wrapped = !listed.truncated;
  const afterKey = wrapped ? null : (last ?? null);
  await db
    .insert(sweepCursors)
    .values({ name: SWEEP, afterKey, updatedAt: now.toISOString() })
    .onConflictDoUpdate({ target: sweepCursors.name, set: { afterKey, updatedAt: now.toISOString() } });
  return { scanned: listed.objects.length, deleted, wrapped };
}
