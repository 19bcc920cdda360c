/**
 * The daily reconcile of document_storage_bytes: each org's stored documents' sizes handed to its
 * meter (here a recording stand-in), once a UTC day from the minute cron's first tick past 04:00.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Feature } from "#contract/types.gen";
import { storeDocument } from "../../workers/documents/src/documents.service.ts";
import { reconcileAllStorageUsage, reconcileStorageUsage } from "../../workers/documents/src/usage-reconcile.job.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;
const db = drizzle(env.DOCUMENTS_DB);
const pdf = (note: string) => new TextEncoder().encode(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${note}\n%%EOF\n`);

/** A meter that records what each org's reconcile handed it. */
function recordingMeter() {
  const finished = new Map<string, [string, number][]>();
  let n = 0;
  return {
    finished,
    beginUsageReconcile: async (_orgId: string, _feature: Feature) => ({ ok: true as const, value: { reconcileId: `r${++n}` } }),
    finishUsageReconcile: async (orgId: string, feature: Feature, _id: string, live: [string, number][]) => {
      finished.set(orgId, live);
      return { ok: true as const, value: { feature, before: 0, after: live.reduce((s, [, q]) => s + q, 0), adopted: live.length } };
    },
  };
}

describe("document_storage_bytes reconcile", () => {
  it("hands the meter each of the org's documents with its size, and only the org's", async () => {
    const [p, other] = [newPrincipal(), newPrincipal()];
    const deps = { db, bucket, usage: env.WORKSPACE };
    const a = unwrap(await storeDocument(deps, p, { kind: "upload", filename: "a.pdf", body: pdf("a") }));
    const b = unwrap(await storeDocument(deps, p, { kind: "upload", filename: "b.pdf", body: pdf("bb") }));
    unwrap(await storeDocument(deps, other, { kind: "upload", filename: "c.pdf", body: pdf("c") }));
    const meter = recordingMeter();
    const done = unwrap(await reconcileStorageUsage(db, meter, p.orgId));
    expect(done).toMatchObject({ feature: "document_storage_bytes", after: a.size + b.size });
    expect(new Map(meter.finished.get(p.orgId))).toEqual(new Map([[a.id, a.size], [b.id, b.size]]));
  });

  it("runs once a UTC day, from the first tick at or past 04:00, for every org with a document", async () => {
    const p = newPrincipal();
    unwrap(await storeDocument({ db, bucket, usage: env.WORKSPACE }, p, { kind: "upload", filename: "d.pdf", body: pdf("d") }));
    const meter = recordingMeter();
    expect(await reconcileAllStorageUsage(db, meter, new Date("2031-03-04T03:59:00Z"))).toBeNull();
    expect(meter.finished.size).toBe(0);
    const ran = await reconcileAllStorageUsage(db, meter, new Date("2031-03-04T04:07:00Z"));
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(meter.finished.has(p.orgId)).toBe(true);
    // The same day's later ticks (two at once too) do nothing; the next day runs again.
    meter.finished.clear();
    expect(await Promise.all([reconcileAllStorageUsage(db, meter, new Date("2031-03-04T04:08:00Z")), reconcileAllStorageUsage(db, meter, new Date("2031-03-04T23:59:00Z"))])).toEqual([null, null]);
    expect(meter.finished.size).toBe(0);
    const next = await Promise.all([reconcileAllStorageUsage(db, meter, new Date("2031-03-05T04:00:00Z")), reconcileAllStorageUsage(db, meter, new Date("2031-03-05T04:00:00Z"))]);
    expect(next.filter((r) => r === null)).toHaveLength(1);
    expect(meter.finished.has(p.orgId)).toBe(true);
  });
});
