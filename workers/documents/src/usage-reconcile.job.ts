/**
 * `document_storage_bytes` set from the truth: the sum of the sizes of the org's stored documents.
 * Documents stored before metering began were never counted; the reconcile counts them. Once per
 * UTC day for every org with a document (the minute cron's first tick of the day past
 * {@link RECONCILE_HOUR_UTC}, claimed in `sweep_cursors` so it runs once), and for one org through
 * the gateway.
 */
import { eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Result } from "#shared/errors";
import type { UsageReconciled, WorkspaceInternalRpc } from "#shared/rpc";
import { reconcileEveryOrg, reconcileGauge } from "#shared/usage-reconcile";
import { documents } from "./schema.ts";

type Meter = Pick<WorkspaceInternalRpc, "beginUsageReconcile" | "finishUsageReconcile">;

/** The hour (UTC) from which a day's reconcile runs: a quiet hour, off the top of the clock. */
export const RECONCILE_HOUR_UTC = 4;

/** The `sweep_cursors` row holding the UTC day the reconcile last ran (in `after_key`). */
const RUN_MARK = "usage_reconcile";

/** The org's documents are read whole (id and size, about 40 bytes each): an org's hundred thousand documents are a few MB over RPC. */
export function reconcileStorageUsage(db: DrizzleD1Database, meter: Meter, orgId: string): Promise<Result<UsageReconciled>> {
  return reconcileGauge(meter, orgId, "document_storage_bytes", async () => {
    const rows = await db.select({ id: documents.id, size: documents.size }).from(documents).where(eq(documents.orgId, orgId)).all();
    return rows.map((r): [string, number] => [r.id, r.size]);
  });
}

/**
 * The day's run, if this tick is the one to do it: at or past {@link RECONCILE_HOUR_UTC} and the
 * day not yet claimed. The claim is one conditional upsert, so two overlapping ticks run it once.
 * Answers the number of orgs reconciled, or null when this tick was not the day's.
 */
export async function reconcileAllStorageUsage(db: DrizzleD1Database, meter: Meter, now: Date): Promise<number | null> {
  if (now.getUTCHours() < RECONCILE_HOUR_UTC) return null;
  const day = now.toISOString().slice(0, 10);
  const claimed = await db.all<{ name: string }>(sql`
    INSERT INTO sweep_cursors (name, after_key, updated_at) VALUES (${RUN_MARK}, ${day}, ${now.toISOString()})
    ON CONFLICT (name) DO UPDATE SET after_key = excluded.after_key, updated_at = excluded.updated_at
    WHERE sweep_cursors.after_key IS NULL OR sweep_cursors.after_key < excluded.after_key
    RETURNING name`);
  if (claimed.length === 0) return null;
  const orgs = await db.selectDistinct({ orgId: documents.orgId }).from(documents).all();
  return reconcileEveryOrg(orgs.map((o) => o.orgId), (orgId) => reconcileStorageUsage(db, meter, orgId), "document_storage_bytes_reconcile");
}
