/** Orgs: the tenants. Creation is for the system principal; reads and updates only ever reach the caller's own org. */
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { OrgMember } from "#shared/rpc";
import { pageSize, toPage, type Page, type PageQuery } from "#shared/pagination";
import type { IdentityDeps } from "./deps.ts";
import * as repo from "./orgs.repo.ts";
import { findUserInOrg } from "./users.repo.ts";
import type { OrgRow } from "./schema.ts";
import type { CreateOrgInput, Org, UpdateOrgInput } from "./types.ts";
import { requireText } from "./validation.ts";

const NAME_MAX = 200;
export const SLUG_MAX = 63;
const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export const toOrg = (row: OrgRow): Org => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** `"Acme Insurance, Inc."` → `"acme-insurance-inc"`; empty when the name has no ASCII letters or digits. */
export function slugify(name: string, max = SLUG_MAX): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
}

export function validateSlug(slug: unknown): Result<string> {
  if (typeof slug !== "string" || slug.length === 0 || slug.length > SLUG_MAX || !SLUG.test(slug)) {
    return fail("validation_failed", "slug must be 1-63 lowercase letters, digits or inner hyphens", {
      field: "slug",
      rule: "slug",
    });
  }
  return ok(slug);
}

/** A new org row (not yet written). */
export function buildOrg(name: string, slug: string, now: string, id: string = newId("org")): OrgRow {
  return { id, name, slug, createdAt: now, updatedAt: now };
}

export async function createOrg(deps: IdentityDeps, input: CreateOrgInput): Promise<Result<Org>> {
  const name = requireText(input?.name, "name", NAME_MAX);
  if (!name.ok) return name;
  const slug = validateSlug(input.slug ?? slugify(name.value));
  if (!slug.ok) return slug;

  const row = buildOrg(name.value, slug.value, new Date().toISOString());
  try {
    // The unique index decides duplicates, so two concurrent creates cannot both win.
    await repo.insertOrg(deps.db, row);
  } catch (err) {
    if (isUniqueViolation(err, "orgs.slug")) {
      return fail("conflict", `An org with slug "${slug.value}" already exists`, { field: "slug", value: slug.value });
    }
    throw err;
  }
  return ok(toOrg(row));
}

/** Every org, newest first by default: the system principal's workspaces list (the gateway checks the principal). */
export async function listOrgs(deps: IdentityDeps, query: (PageQuery & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<Page<Org>>> {
  const rows = await repo.listOrgs(deps.db, query);
  if (!rows.ok) return rows;
  return ok(toPage(rows.value, pageSize(query?.limit), toOrg));
}

export async function getOrg(deps: IdentityDeps, principal: Principal, orgId: string): Promise<Result<Org>> {
  // Another org's id answers exactly like a missing one.
  if (orgId !== principal.orgId) return notFound("Org");
  const row = await repo.findOrgById(deps.db, principal.orgId);
  return row ? ok(toOrg(row)) : notFound("Org");
}

export async function updateOrg(
  deps: IdentityDeps,
  principal: Principal,
  orgId: string,
  input: UpdateOrgInput,
): Promise<Result<Org>> {
  if (orgId !== principal.orgId) return notFound("Org");
  if (input?.name === undefined) return getOrg(deps, principal, orgId);
  const name = requireText(input.name, "name", NAME_MAX);
  if (!name.ok) return name;
  const row = await repo.updateOrg(deps.db, principal.orgId, { name: name.value, updatedAt: new Date().toISOString() });
  return row ? ok(toOrg(row)) : notFound("Org");
}

export async function findOrgBySlug(deps: IdentityDeps, slug: string): Promise<Result<Org>> {
  if (typeof slug !== "string") return notFound("Org");
  const row = await repo.findOrgBySlug(deps.db, slug);
  return row ? ok(toOrg(row)) : notFound("Org");
}

/** An org's display name, or null when there is no such org (for trusted callers: no principal). */
export async function orgName(deps: IdentityDeps, orgId: string): Promise<string | null> {
  return (await repo.findOrgById(deps.db, orgId))?.name ?? null;
}

/** The org with this slug (id, slug, name), or null. */
export async function orgBySlug(deps: IdentityDeps, slug: string): Promise<{ id: string; slug: string; name: string } | null> {
  if (typeof slug !== "string" || slug.length === 0 || slug.length > 100) return null;
  const row = await repo.findOrgBySlug(deps.db, slug.trim().toLowerCase());
  return row ? { id: row.id, slug: row.slug, name: row.name } : null;
}

/** The org's id, slug and name, or null. */
export async function orgSummary(deps: IdentityDeps, orgId: string): Promise<{ id: string; slug: string; name: string } | null> {
  const row = await repo.findOrgById(deps.db, orgId);
  return row ? { id: row.id, slug: row.slug, name: row.name } : null;
}

/** User `userId` of `orgId` with their role, or null when `orgId` has no such user (for trusted callers: no principal). */
export async function member(deps: IdentityDeps, orgId: string, userId: string): Promise<OrgMember | null> {
  const user = await findUserInOrg(deps.db, orgId, userId);
  return user ? { id: user.id, orgId: user.orgId, name: user.name, email: user.email, role: user.role } : null;
}
