/**
 * The team (the Opensure seed's /api/team): invitations are this worker's, members are identity's
 * users (reached through `IdentityInternal`). An invitation's token is 32 random bytes, stored as
 * SHA-256 only, single-use and valid for 7 days; resending replaces it. Seats are the plan's: an
 * accept creates the account only while the org has a seat left, checked in identity's INSERT.
 */
import { and, count, eq, lte, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { AcceptedInvitation, AcceptInvitationRequest, Invitation, InvitationStatus, InviteRequest, Member, TeamWorkspace } from "#contract/types.gen";
import { ROLES, type Principal, type Role } from "#shared/auth";
import { DAY_MS } from "#shared/clock";
import { randomToken, sha256Hex, timingSafeEqual } from "#shared/crypto";
import { isUniqueViolation, listKeyset, type ListQuery } from "#shared/db";
import { platformEmail } from "#shared/email-templates";
import { isProduction } from "#shared/environment";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { MembersQuery, RemovedMember } from "#shared/rpc";
import { limitOf, limitReached, planOf } from "./entitlements.service.ts";
import type { WorkspaceEnv } from "./env.ts";
import { invitations, memberRemovals, type InvitationRow } from "./schema.ts";
import { workspaceOf } from "./workspaces.service.ts";

export const INVITATION_TTL_MS = 7 * DAY_MS;
const DEFAULT_ACCEPT_URL = "https://app.openinsure.dev/invitations/accept";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The one answer for a token that does not open its invitation: no oracle for expired vs used vs wrong. */
const BAD_TOKEN = fail("unauthorized", "This invitation link is not valid: it may have expired, been revoked or already been used");

const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);

/** The status a reader sees: a pending invitation past its expiry is expired. */
function statusOf(row: InvitationRow, now: string): InvitationStatus {
  return row.status === "pending" && row.expiresAt <= now ? "expired" : row.status;
}

export function toInvitation(row: InvitationRow, now = new Date().toISOString()): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: statusOf(row, now),
    invitedBy: row.invitedBy,
    expiresAt: row.expiresAt,
    memberId: row.memberId,
    acceptedAt: row.acceptedAt,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const findInvitation = (db: DrizzleD1Database, orgId: string, id: string) =>
  db.select().from(invitations).where(and(eq(invitations.orgId, orgId), eq(invitations.id, id))).get();

/** Only a user with the org_admin role manages the team (an API key or the API secret holding `team:write` may too). */
function mayManage(principal: Principal): Result<null> {
  if (principal.kind === "user" && principal.role !== "org_admin") {
    return fail("insufficient_scope", "Only an org_admin manages the team", { requiredRole: "org_admin" });
  }
  return ok(null);
}

/** Sends the invitation email with its accept link, through identity's outbox. */
async function sendInvitation(env: WorkspaceEnv, row: InvitationRow, token: string): Promise<Result<unknown>> {
  const org = await env.IDENTITY.orgSummary(row.orgId);
  if (!org) return notFound("Org");
  // The platform's invitation template. As identity does with its codes, production's stored copy
  // never holds the token (the outbox is the sandbox's mailbox, and a log or backup of it must not
  // open the invitation): only the copy handed to the provider does.
  const email = platformEmail(
    "invitation",
    { orgName: org.name, role: row.role, acceptUrl: env.INVITE_ACCEPT_URL || DEFAULT_ACCEPT_URL, invitationId: row.id, token, expiresAt: row.expiresAt },
    { production: isProduction(env) },
  );
  return env.IDENTITY.queueEmail({ orgId: row.orgId, to: row.email, kind: "team_invitation", ...email });
}

export async function teamWorkspace(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal): Promise<Result<TeamWorkspace>> {
  const org = await env.IDENTITY.orgSummary(principal.orgId);
  if (!org) return notFound("Org");
  const [state, members, pending] = await Promise.all([
    workspaceOf(db, principal.orgId),
    env.IDENTITY.memberCount(principal.orgId),
    db.select({ n: count() }).from(invitations).where(and(eq(invitations.orgId, principal.orgId), eq(invitations.status, "pending"), sql`${invitations.expiresAt} > ${new Date().toISOString()}`)).get(),
  ]);
  return ok({ id: org.id, name: org.name, slug: org.slug, plan: state.plan, settings: state.settings, membersCount: members, seats: { used: members, limit: limitOf(state.plan, "seats") }, pendingInvitations: pending?.n ?? 0 });
}

export async function invite(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, input: InviteRequest): Promise<Result<Invitation>> {
  const allowed = mayManage(principal);
  if (!allowed.ok) return allowed;
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase() : "";
  if (email.length === 0 || email.length > 254 || !EMAIL.test(email)) return invalid("email", "email", "email must be an email address");
  if (!isRole(input.role)) return invalid("role", "enum", `role must be one of ${ROLES.join(", ")}`);
  const taken = await env.IDENTITY.emailStatus(principal.orgId, email);
  if (taken === "member") return fail("conflict", "This address is already a member of the org", { field: "email" });
  if (taken === "other_org") return fail("conflict", "This address belongs to a user of another org; a user belongs to one org", { field: "email" });
  const now = new Date();
  const at = now.toISOString();
  // A stale pending invitation for the address is expired first, so it does not block a new one.
  await db.update(invitations).set({ status: "expired", updatedAt: at }).where(and(eq(invitations.orgId, principal.orgId), eq(invitations.email, email), eq(invitations.status, "pending"), lte(invitations.expiresAt, at)));
  const token = randomToken(32);
  const row: InvitationRow = {
    id: newId("itn"),
    orgId: principal.orgId,
    email,
    role: input.role,
    status: "pending",
    tokenHash: await sha256Hex(token),
    invitedBy: principal.actorId,
    expiresAt: new Date(now.getTime() + INVITATION_TTL_MS).toISOString(),
    memberId: null,
    acceptedAt: null,
    revokedAt: null,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await db.insert(invitations).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) return fail("conflict", "A pending invitation for this address exists; resend it instead", { field: "email" });
    throw error;
  }
  const sent = await sendInvitation(env, row, token);
  if (!sent.ok) {
    // Nobody could accept an invitation whose email never went out: it is not kept.
    await db.delete(invitations).where(eq(invitations.id, row.id));
    return sent;
  }
  return ok(toInvitation(row, at));
}

export async function listInvitations(db: DrizzleD1Database, principal: Principal, query: (ListQuery & { createdAfter?: string; createdBefore?: string; status?: InvitationStatus }) | undefined): Promise<Result<Page<Invitation>>> {
  const keyset = listKeyset(invitations, query);
  if (!keyset.ok) return keyset;
  const now = new Date().toISOString();
  const status = query?.status;
  const byStatus =
    status === undefined ? undefined
    : status === "pending" ? and(eq(invitations.status, "pending"), sql`${invitations.expiresAt} > ${now}`)
    : status === "expired" ? sql`(${invitations.status} = 'expired' OR (${invitations.status} = 'pending' AND ${invitations.expiresAt} <= ${now}))`
    : eq(invitations.status, status);
  const rows = await db.select().from(invitations).where(and(eq(invitations.orgId, principal.orgId), keyset.value.where, byStatus)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit);
  return ok(toPage(rows, pageSize(query?.limit), (r) => toInvitation(r, now)));
}

export async function revokeInvitation(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Invitation>> {
  const allowed = mayManage(principal);
  if (!allowed.ok) return allowed;
  const at = new Date().toISOString();
  const revoked = await db.update(invitations).set({ status: "revoked", revokedAt: at, updatedAt: at }).where(and(eq(invitations.orgId, principal.orgId), eq(invitations.id, id), eq(invitations.status, "pending"))).returning().get();
  if (revoked) return ok(toInvitation(revoked, at));
  const row = await findInvitation(db, principal.orgId, id);
  if (!row) return notFound("Invitation");
  return fail("invalid_state_transition", `An ${statusOf(row, at)} invitation cannot be revoked`, { status: statusOf(row, at) });
}

export async function resendInvitation(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Invitation>> {
  const allowed = mayManage(principal);
  if (!allowed.ok) return allowed;
  const row = await findInvitation(db, principal.orgId, id);
  if (!row) return notFound("Invitation");
  if (row.status !== "pending" && row.status !== "expired") return fail("invalid_state_transition", `An ${row.status} invitation cannot be resent`, { status: row.status });
  const now = new Date();
  const at = now.toISOString();
  const token = randomToken(32);
  let updated: InvitationRow | undefined;
  try {
    // The new hash replaces the old one in the same write: the old token stops working at once.
    updated = await db
      .update(invitations)
      .set({ status: "pending", tokenHash: await sha256Hex(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS).toISOString(), invitedBy: principal.actorId, updatedAt: at })
      .where(and(eq(invitations.id, id), eq(invitations.orgId, principal.orgId), sql`${invitations.status} IN ('pending', 'expired')`))
      .returning()
      .get();
  } catch (error) {
    if (isUniqueViolation(error)) return fail("conflict", "Another pending invitation for this address exists", { field: "email" });
    throw error;
  }
  if (!updated) return fail("invalid_state_transition", "The invitation changed meanwhile; read it again", { status: row.status });
  const sent = await sendInvitation(env, updated, token);
  if (!sent.ok) return sent;
  return ok(toInvitation(updated, at));
}

/**
 * Accepts an invitation with its token: claimed in one conditional write (pending, unexpired, this
 * token), so a token is used once however many accepts race; the account is then created, within
 * the plan's seats. If the account cannot be created, the claim is undone and the token still works.
 */
export async function acceptInvitation(env: WorkspaceEnv, db: DrizzleD1Database, id: string, input: AcceptInvitationRequest): Promise<Result<AcceptedInvitation>> {
  if (input === null || typeof input !== "object" || typeof input.token !== "string" || input.token.length === 0) return invalid("token", "required", "token is required");
  if (typeof input.password !== "string" || input.password.length < 10 || input.password.length > 200) {
    return invalid("password", "length", "password must be 10 to 200 characters: accepting the invitation creates the account");
  }
  const row = typeof id === "string" ? await db.select().from(invitations).where(eq(invitations.id, id)).get() : undefined;
  const hash = await sha256Hex(input.token);
  const at = new Date().toISOString();
  if (!row || !timingSafeEqual(hash, row.tokenHash) || statusOf(row, at) !== "pending") return BAD_TOKEN;
  const claimed = await db
    .update(invitations)
    .set({ status: "accepted", acceptedAt: at, updatedAt: at })
    .where(and(eq(invitations.id, row.id), eq(invitations.status, "pending"), eq(invitations.tokenHash, hash), sql`${invitations.expiresAt} > ${at}`))
    .returning()
    .get();
  if (!claimed) return BAD_TOKEN;
  const plan = await planOf(db, row.orgId);
  const seatLimit = limitOf(plan, "seats");
  const created = await env.IDENTITY.createMember(row.orgId, { email: row.email, role: row.role, password: input.password, seatLimit, ...(input.name ? { name: input.name } : {}) });
  if (!created.ok) {
    await db.update(invitations).set({ status: "pending", acceptedAt: null, updatedAt: row.updatedAt }).where(and(eq(invitations.id, row.id), eq(invitations.status, "accepted"), sql`${invitations.memberId} IS NULL`));
    if (created.error.code === "feature_limit_reached") {
      const d = created.error.details as { limit?: number; used?: number } | undefined;
      return limitReached(env, "seats", d?.limit ?? seatLimit ?? 0, d?.used ?? 0);
    }
    return created;
  }
  const done = await db.update(invitations).set({ memberId: created.value.id }).where(eq(invitations.id, row.id)).returning().get();
  return ok({ invitation: toInvitation(done ?? claimed, at), member: created.value });
}

export async function listMembers(env: WorkspaceEnv, principal: Principal, query: MembersQuery | undefined): Promise<Result<Page<Member>>> {
  return env.IDENTITY.listMembers(principal.orgId, query);
}

export async function updateMember(env: WorkspaceEnv, principal: Principal, userId: string, input: { role?: unknown }): Promise<Result<Member>> {
  const allowed = mayManage(principal);
  if (!allowed.ok) return allowed;
  if (input === null || typeof input !== "object" || !isRole(input.role)) return invalid("role", "enum", `role must be one of ${ROLES.join(", ")}`);
  if (typeof userId !== "string" || !userId.startsWith("usr_")) return notFound("Member");
  return env.IDENTITY.setMemberRole(principal.orgId, userId, input.role);
}

/** Removes a member (identity revokes their sessions and keys) and keeps the record of it here. */
export async function removeMember(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, userId: string): Promise<Result<RemovedMember>> {
  const allowed = mayManage(principal);
  if (!allowed.ok) return allowed;
  if (typeof userId !== "string" || !userId.startsWith("usr_")) return notFound("Member");
  const removed = await env.IDENTITY.removeMember(principal.orgId, userId);
  if (!removed.ok) return removed;
  const m = removed.value.member;
  await db
    .insert(memberRemovals)
    .values({ userId: m.id, orgId: principal.orgId, email: m.email, name: m.name, role: m.role, revokedApiKeys: removed.value.revokedKeyHashes.length, removedBy: principal.actorId, removedAt: new Date().toISOString() })
    .onConflictDoNothing();
  return removed;
}

/** Whether `userId` was removed from `orgId`'s team (its record in `member_removals`). */
export async function memberRemoved(db: DrizzleD1Database, orgId: string, userId: string): Promise<boolean> {
  const row = await db.select({ userId: memberRemovals.userId }).from(memberRemovals).where(and(eq(memberRemovals.orgId, orgId), eq(memberRemovals.userId, userId))).get();
  return row !== undefined;
}
