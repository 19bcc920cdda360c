import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isUniqueViolation } from "#shared/db";
import { createTenant, createTestOrg, errorOf, identity, principalFor, unique, unwrap } from "./factories.ts";

describe("createOrg", () => {
  it("derives the slug from the name when none is given", async () => {
    const id = unique();
    const org = unwrap(await identity.createOrg({ name: `  Acme Insurance, Inc. ${id} ` }));
    expect(org.id).toMatch(/^org_[0-9A-Z]{26}$/);
    expect(org.name).toBe(`Acme Insurance, Inc. ${id}`);
    expect(org.slug).toBe(`acme-insurance-inc-${id}`);
    expect(org.createdAt).toBe(org.updatedAt);
    expect(new Date(org.createdAt).toISOString()).toBe(org.createdAt);
  });

  it("caps a derived slug at 63 characters without a trailing hyphen", async () => {
    const id = unique();
    const org = unwrap(await identity.createOrg({ name: `${id} ${"a".repeat(49)} bbbbbbbbbb` }));
    expect(org.slug.length).toBeLessThanOrEqual(63);
    expect(org.slug).toBe(`${id}-${"a".repeat(49)}`);
  });

  it("answers conflict for a duplicate slug", async () => {
    const org = await createTestOrg();
    const error = errorOf(await identity.createOrg({ name: "Someone else", slug: org.slug }));
    expect(error.code).toBe("conflict");
    expect(error.message).toContain(org.slug);
    // The original is unchanged.
    expect(unwrap(await identity.findOrgBySlug(org.slug))).toEqual(org);
  });

  it("validates name and slug", async () => {
    expect(errorOf(await identity.createOrg({ name: "" })).details).toMatchObject({ field: "name", rule: "required" });
    expect(errorOf(await identity.createOrg({ name: "x".repeat(201) })).details).toMatchObject({ field: "name", rule: "max_length" });
    for (const slug of ["Has Caps", "-leading", "trailing-", "a".repeat(64), "white space"]) {
      expect(errorOf(await identity.createOrg({ name: "Org", slug })).details).toMatchObject({ field: "slug", rule: "slug" });
    }
    // Nothing to derive a slug from.
    expect(errorOf(await identity.createOrg({ name: "!!!" })).details).toMatchObject({ field: "slug" });
  });
});

describe("getOrg / updateOrg", () => {
  it("reads and renames the principal's own org", async () => {
    const { org, admin } = await createTenant();
    expect(unwrap(await identity.getOrg(admin, org.id))).toEqual(org);

    const updated = unwrap(await identity.updateOrg(admin, org.id, { name: "Renamed Co" }));
    expect(updated).toMatchObject({ id: org.id, name: "Renamed Co", slug: org.slug, createdAt: org.createdAt });
    expect(updated.updatedAt >= org.updatedAt).toBe(true);
    expect(unwrap(await identity.getOrg(admin, org.id)).name).toBe("Renamed Co");

    expect(errorOf(await identity.updateOrg(admin, org.id, { name: " " })).details).toMatchObject({ field: "name" });
  });

  it("answers not_found for another org, exactly as for a missing one, and changes nothing", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const missing = errorOf(await identity.getOrg(mine.admin, "org_01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    expect(missing).toEqual({ code: "not_found", message: "Org not found" });

    expect(errorOf(await identity.getOrg(mine.admin, theirs.org.id))).toEqual(missing);
    expect(errorOf(await identity.updateOrg(mine.admin, theirs.org.id, { name: "Hijacked" }))).toEqual(missing);
    expect(unwrap(await identity.getOrg(theirs.admin, theirs.org.id)).name).toBe(theirs.org.name);
  });

  it("a principal of a deleted or unknown org sees nothing", async () => {
    const ghost = principalFor("org_01ARZ3NDEKTSV4RRFFQ69G5FAV");
    expect(errorOf(await identity.getOrg(ghost, ghost.orgId)).code).toBe("not_found");
  });
});

describe("findOrgBySlug", () => {
  it("finds an org by slug and answers not_found otherwise", async () => {
    const org = await createTestOrg();
    expect(unwrap(await identity.findOrgBySlug(org.slug))).toEqual(org);
    expect(errorOf(await identity.findOrgBySlug(`missing-${unique()}`)).code).toBe("not_found");
  });
});

describe("isUniqueViolation", () => {
  it("recognises a unique violation raised inside a D1 batch, by column", async () => {
    const org = await createTestOrg();
    const insert = env.IDENTITY_DB.prepare("INSERT INTO orgs (id, name, slug, created_at, updated_at) VALUES (?, 'x', ?, 'now', 'now')");
    const error = await env.IDENTITY_DB.batch([insert.bind(`org_${unique()}`, `fresh-${unique()}`), insert.bind(`org_${unique()}`, org.slug)]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(error, "orgs.slug")).toBe(true);
    expect(isUniqueViolation(error, "users.email")).toBe(false);
    expect(isUniqueViolation(new Error("something else"))).toBe(false);
  });
});
