/**
 * The orphan sweep inside workerd: an object a crashed store left without its row is deleted once
 * it is older than the grace period, page by page across cron runs; a document with its row, and an
 * object whose row may still be on its way, are left alone.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { objectKey, storeDocument } from "../../workers/documents/src/documents.service.ts";
import { ORPHAN_GRACE_MS, sweepOrphans } from "../../workers/documents/src/orphans.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;
const db = drizzle(env.DOCUMENTS_DB);
const enc = new TextEncoder();
const pdf = (note: string) => enc.encode(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${note}\n%%EOF\n`);

/** Run the sweep as successive cron runs would, until one reaches the end of the bucket. */
async function sweepAll(now: Date, page?: number) {
  const deleted: string[] = [];
  for (let run = 0; run < 500; run++) {
    const result = await sweepOrphans(db, bucket, now, page);
    deleted.push(...result.deleted);
    if (result.wrapped) return deleted;
  }
  throw new Error("the sweep never reached the end of the bucket");
}

describe("orphan sweep", () => {
  it("deletes an object without its row once the grace period has passed, and nothing else", async () => {
    const principal = newPrincipal();
    const kept = unwrap(await storeDocument({ db, bucket, usage: env.WORKSPACE }, principal, { kind: "upload", filename: "kept.pdf", body: pdf("kept") }));
    // What an isolate that died between the R2 write and the D1 insert leaves behind.
    const orphanKey = objectKey(principal.orgId, newId("doc"));
    await bucket.put(orphanKey, pdf("orphan"));

    // The object's upload time is the real time; the sweep's `now` is moved past it.
    const uploadedAt = (await bucket.head(orphanKey))!.uploaded.getTime();
    const early = await sweepAll(new Date(uploadedAt + ORPHAN_GRACE_MS - 60_000));
    expect(early).not.toContain(orphanKey);
    expect(await bucket.head(orphanKey)).not.toBeNull();

    const late = await sweepAll(new Date(uploadedAt + ORPHAN_GRACE_MS + 60_000));
    expect(late).toContain(orphanKey);
    expect(await bucket.head(orphanKey)).toBeNull();
    expect(await bucket.head(objectKey(principal.orgId, kept.id))).not.toBeNull();
  });

  it("judges an object by its own org's rows: an id stored under another org's prefix is an orphan there", async () => {
    const owner = newPrincipal();
    const other = newPrincipal();
    const doc = unwrap(await storeDocument({ db, bucket, usage: env.WORKSPACE }, owner, { kind: "upload", filename: "a.pdf", body: pdf("a") }));
    const strayKey = objectKey(other.orgId, doc.id);
    await bucket.put(strayKey, pdf("stray"));
    const uploadedAt = (await bucket.head(strayKey))!.uploaded.getTime();

    const deleted = await sweepAll(new Date(uploadedAt + ORPHAN_GRACE_MS + 60_000));
    expect(deleted).toContain(strayKey);
    expect(deleted).not.toContain(objectKey(owner.orgId, doc.id));
    expect(await bucket.head(objectKey(owner.orgId, doc.id))).not.toBeNull();
  });

  it("carries on across runs: more objects than one page are all judged, and the cursor wraps", async () => {
    const principal = newPrincipal();
    const keys: string[] = [];
    for (let i = 0; i < 30; i++) {
      const key = objectKey(principal.orgId, newId("doc"));
      keys.push(key);
      await bucket.put(key, pdf(`o${i}`));
    }
    const newest = Math.max(...(await Promise.all(keys.map(async (k) => (await bucket.head(k))!.uploaded.getTime()))));
    // Seven objects a run: the 30 (and whatever else the bucket holds) take several runs.
    const deleted = await sweepAll(new Date(newest + ORPHAN_GRACE_MS + 60_000), 7);
    for (const key of keys) expect(deleted).toContain(key);
    const after = await bucket.list({ prefix: `orgs/${principal.orgId}/` });
    expect(after.objects).toEqual([]);
  });
});
