/**
 * The org's members for the workspace worker's team routes: identity keeps the users, their roles,
 * sessions and API keys; the workspace worker keeps the invitations. The rules that protect the org
 * are single conditional statements, so two concurrent requests cannot break them: the last
 * `org_admin` is never demoted or removed, and an accepted invitation never passes the plan's seats.
 */
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { ROLES, type Role } from "#shared/auth";
import { hashPassword } from "#shared/crypto";
import { isUniqueViolation, listKeyset, type ListQuery } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { Member, NewMemberInput, RemovedMember } from "#shared/rpc";
import type { IdentityDeps } from "./deps.ts";
import { apiKeys, sessions, users, type UserRow } from "./schema.ts";
import { findUserByEmail, findUserInOrg } from "./users.repo.ts";
import { normalizeEmail, requireEmail, requireText } from "./validation.ts";

const PASSWORD_MIN = 10;
const PASSWORD_MAX = 200;

export const toMember = (row: UserRow): Member => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  emailVerified: row.emailVerified,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);

/** "More than one org_admin in the org": the condition that lets one of them go. */
const anotherAdmin = (orgId: string) => sql`(SELECT COUNT(*) FROM users WHERE org_id = ${orgId} AND role = 'org_admin') > 1`;

const lastAdmin = (what: string) =>
  fail("business_rule_violation", `The org's last org_admin cannot be ${what}; make another member org_admin first`, { rule: "last_org_admin" });

export async function listMembers(deps: IdentityDeps, orgId: string, query: (ListQuery & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<Page<Member>>> {
  const keyset = listKeyset(users, query);
  if (!keyset.ok) return keyset;
  const rows = await deps.db.select().from(users).where(and(eq(users.orgId, orgId), keyset.value.where)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit);
  return ok(toPage(rows, pageSize(query?.limit), toMember));
}

export async function memberCount(deps: IdentityDeps, orgId: string): Promise<number> {
  const row = await deps.db.select({ n: count() }).from(users).where(eq(users.orgId, orgId)).get();
  return row?.n ?? 0;
}

/** Where an address stands: a member of `orgId`, a user of another org, or free. */
export async function emailStatus(deps: IdentityDeps, orgId: string, email: string): Promise<"member" | "other_org" | "free"> {
  const user = await findUserByEmail(deps.db, normalizeEmail(email));
  return !user ? "free" : user.orgId === orgId ? "member" : "other_org";
}

/** A member's new role; demoting the last `org_admin` is refused in the same statement that writes. */
export async function setMemberRole(deps: IdentityDeps, orgId: string, userId: string, role: unknown): Promise<Result<Member>> {
  if (!isRole(role)) return invalid("role", "enum", `role must be one of ${ROLES.join(", ")}`);
  const now = new Date().toISOString();
  const updated = await deps.db
    .update(users)
    .set({ role, updatedAt: now })
    .where(and(eq(users.orgId, orgId), eq(users.id, userId), sql`(${users.role} <> 'org_admin' OR ${role} = 'org_admin' OR ${anotherAdmin(orgId)})`))
    .returning()
    .get();
  if (updated) return ok(toMember(updated));
  const user = await findUserInOrg(deps.db, orgId, userId);
  return user ? lastAdmin("demoted") : notFound("Member");
}

/**
 * Removes a member: the user row (with its sessions) goes and every API key they created is revoked,
 * in one batch guarded by the last-admin rule. Answers the hashes of the revoked keys, so the gateway
 * can drop their admitting objects' cached records (the keys then fail on their next request).
 */
export async function removeMember(deps: IdentityDeps, orgId: string, userId: string): Promise<Result<RemovedMember>> {
  const user = await findUserInOrg(deps.db, orgId, userId);
  if (!user) return notFound("Member");
  const now = new Date().toISOString();
  const keys = await deps.db.select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt))).all();
  const allowed = sql`(${user.role} <> 'org_admin' OR ${anotherAdmin(orgId)})`;
  const gone = sql`NOT EXISTS (SELECT 1 FROM users WHERE id = ${userId})`;
  const [, deleted] = await deps.db.batch([
    deps.db.delete(sessions).where(and(eq(sessions.userId, userId), allowed)),
    deps.db.delete(users).where(and(eq(users.orgId, orgId), eq(users.id, userId), allowed)).returning(),
    deps.db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt), gone)),
  ]);
  if ((deleted as UserRow[]).length === 0) {
    return (await findUserInOrg(deps.db, orgId, userId)) ? lastAdmin("removed") : notFound("Member");
  }
  return ok({ member: toMember(user), revokedKeyHashes: keys.map((k) => k.keyHash) });
}

/**
 * The account an accepted invitation creates, already verified (the invitation proved the address).
 * `seatLimit` (null: none) is checked in the INSERT itself, so concurrent accepts never pass it. An
 * address already taken is 409 (a member of this org, or a user of another: a user has one org).
 */
export async function createMember(deps: IdentityDeps, orgId: string, input: NewMemberInput): Promise<Result<Member>> {
  const email = requireEmail(input?.email);
  if (!email.ok) return email;
  if (!isRole(input.role)) return invalid("role", "enum", `role must be one of ${ROLES.join(", ")}`);
  if (typeof input.password !== "string" || input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX) {
    return invalid("password", "length", `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters: accepting the invitation creates the account`);
  }
  const name = requireText(input.name ?? email.value.split("@")[0], "name", 100);
  if (!name.ok) return name;
  const taken = await emailStatus(deps, orgId, email.value);
  if (taken === "member") return fail("conflict", "This address is already a member of the org", { field: "email" });
  if (taken === "other_org") return fail("conflict", "This address belongs to a user of another org; a user belongs to one org", { field: "email" });
  const now = new Date().toISOString();
  const id = newId("usr");
  const passwordHash = await hashPassword(input.password);
  const seats = input.seatLimit === null ? sql`1` : sql`(SELECT COUNT(*) FROM users WHERE org_id = ${orgId}) < ${input.seatLimit}`;
  try {
    const inserted = await deps.db.run(sql`INSERT INTO users (id, org_id, email, name, role, password_hash, email_verified, created_at, updated_at)
      SELECT ${id}, ${orgId}, ${email.value}, ${name.value}, ${input.role}, ${passwordHash}, 1, ${now}, ${now}
      WHERE ${seats} AND EXISTS (SELECT 1 FROM orgs WHERE id = ${orgId})`);
    if (inserted.meta.changes === 0) {
      const used = await memberCount(deps, orgId);
      return fail("feature_limit_reached", `The plan's seats are all taken (${used} of ${input.seatLimit})`, { feature: "seats", limit: input.seatLimit ?? 0, used });
    }
  } catch (error) {
    if (isUniqueViolation(error, "users.email")) return fail("conflict", "This address was taken meanwhile", { field: "email" });
    throw error;
  }
  return ok(toMember((await findUserInOrg(deps.db, orgId, id))!));
}
