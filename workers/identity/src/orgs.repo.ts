import { eq } from "drizzle-orm";
import { listKeyset, type ListQuery } from "#shared/db";
import type { Result } from "#shared/errors";
import type { IdentityDb } from "./deps.ts";
import { orgs, type OrgRow } from "./schema.ts";

/** Unexecuted, so callers can run it alone or inside a `db.batch`. */
export const insertOrg = (db: IdentityDb, row: OrgRow) => db.insert(orgs).values(row);

export const findOrgById = (db: IdentityDb, id: string): Promise<OrgRow | undefined> =>
  db.select().from(orgs).where(eq(orgs.id, id)).get();

export const findOrgBySlug = (db: IdentityDb, slug: string): Promise<OrgRow | undefined> =>
  db.select().from(orgs).where(eq(orgs.slug, slug)).get();

export const updateOrg = (
  db: IdentityDb,
  id: string,
  patch: Partial<Pick<OrgRow, "name">> & Pick<OrgRow, "updatedAt">,
): Promise<OrgRow | undefined> => db.update(orgs).set(patch).where(eq(orgs.id, id)).returning().get();

/** Every org, by keyset pages (page size + 1 rows): the system principal's workspaces list. */
export async function listOrgs(db: IdentityDb, query: (ListQuery & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<OrgRow[]>> {
  const keyset = listKeyset(orgs, query);
  if (!keyset.ok) return keyset;
  const rows = await db.select().from(orgs).where(keyset.value.where).orderBy(...keyset.value.orderBy).limit(keyset.value.limit);
  return { ok: true, value: rows };
}
