/**
 * Documents' share of a workspace purge: the org's objects in R2 first (every key is under
 * `orgs/{orgId}/`, documents.service.ts objectKey), listed by prefix so an orphan a crashed store
 * left goes too, then its rows (documents, certificates, its events).
 */
import type { Principal } from "#shared/auth";
import { ok, type Result } from "#shared/errors";
import { purgeOrgOf, type PurgePlan, type PurgeProgress } from "#shared/purge";

export const DOCUMENTS_PURGE: PurgePlan = {
  unowned: { sweep_cursors: "where the orphan sweep stopped in the bucket, for every org at once" },
};

/** Keys one list returns and one delete removes (R2's maximum for both). */
const OBJECT_PAGE = 1000;
/** Pages of objects one call deletes before it answers `done: false`. */
const OBJECT_PAGES = 5;

export async function purgeDocuments(db: D1Database, bucket: R2Bucket, principal: Principal): Promise<Result<PurgeProgress>> {
  if (principal.kind === "system" && principal.orgId) {
    let deleted = 0;
    for (let page = 0; page < OBJECT_PAGES; page++) {
      const listed = await bucket.list({ prefix: `orgs/${principal.orgId}/`, limit: OBJECT_PAGE });
      if (listed.objects.length === 0) break;
      await bucket.delete(listed.objects.map((o) => o.key));
      deleted += listed.objects.length;
      if (!listed.truncated) break;
      if (page === OBJECT_PAGES - 1) return ok({ done: false, deleted });
    }
    const rows = await purgeOrgOf(principal, db, DOCUMENTS_PURGE);
    return rows.ok ? ok({ done: rows.value.done, deleted: deleted + rows.value.deleted }) : rows;
  }
  return purgeOrgOf(principal, db, DOCUMENTS_PURGE);
}
