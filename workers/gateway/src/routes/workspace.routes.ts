import type { Org, Plan, Workspace } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { fail, ok, type Result } from "#shared/errors";
import type { IdentityOrg, WorkspaceState, WorkspaceUpdate } from "#shared/rpc";
import type { GatewayEnv } from "../env.ts";
import { route } from "../http/route.ts";
import { systemPrincipal } from "../middleware/authenticate.ts";
import { forgetOrgStatus, forgetUserStatus } from "../middleware/workspace-status.ts";
import { purgeWorkspace } from "../purge.ts";
import { forgetApiCalls } from "../middleware/api-calls.ts";

/** The plan an org gets when its creation names none (the workspace worker's default too). */
const DEFAULT_PLAN: Plan = "starter";

const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

function toWorkspace(org: IdentityOrg, state: WorkspaceState): Workspace {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    plan: state.plan,
    settings: state.settings,
    status: state.status,
    deletedAt: state.deletedAt,
    purgeAfter: state.purgeAfter,
    createdAt: org.createdAt,
    updatedAt: later(org.updatedAt, state.updatedAt),
  };
}

/** The contract's `Org`: identity's org with the workspace worker's plan. */
export async function withPlan(env: GatewayEnv, org: Result<IdentityOrg>): Promise<Result<Org>> {
  if (!org.ok) return org;
  const state = await env.WORKSPACE.workspaceOf(org.value.id);
  return ok({ ...org.value, plan: state.plan });
}

/**
 * A new org (for `POST /v1/orgs` and `POST /v1/workspaces`): the plan and settings are judged first,
 * so a bad one creates nothing; then identity creates the org and the workspace worker records its plan.
 */
async function createOrgWithWorkspace(env: GatewayEnv, input: { name: string; slug?: string; plan?: Plan; settings?: WorkspaceUpdate["settings"] }): Promise<Result<{ org: IdentityOrg; state: WorkspaceState }>> {
  const { plan, settings, ...org } = input;
  const change: WorkspaceUpdate = { plan: plan ?? DEFAULT_PLAN, ...(settings ? { settings } : {}) };
  const valid = await env.WORKSPACE.checkUpdate(change);
  if (!valid.ok) return valid;
  const created = await env.IDENTITY.createOrg(org);
  if (!created.ok) return created;
  const state = await env.WORKSPACE.updateWorkspace(systemPrincipal(created.value.id), created.value.id, change);
  if (!state.ok) return state;
  return ok({ org: created.value, state: state.value });
}

/** `POST /v1/orgs` with its optional `plan`. */
export async function createOrg(env: GatewayEnv, input: { name: string; slug?: string; plan?: Plan }): Promise<Result<Org>> {
  const created = await createOrgWithWorkspace(env, input);
  if (!created.ok) return created;
  return ok({ ...created.value.org, plan: created.value.state.plan });
}

/** `PATCH /v1/orgs/{id}`: the name is identity's; `plan` is the system principal's alone. */
export async function updateOrg(env: GatewayEnv, principal: Principal, id: string, input: { name?: string; plan?: Plan }): Promise<Result<Org>> {
  const { plan, ...rest } = input;
  if (plan !== undefined) {
    if (principal.kind !== "system") return fail("insufficient_scope", "Only the API secret changes an org's plan", { requiredScope: "system", field: "plan" });
    const valid = await env.WORKSPACE.checkUpdate({ plan });
    if (!valid.ok) return valid;
  }
  const org = plan !== undefined && Object.keys(rest).length === 0 ? await env.IDENTITY.getOrg(principal, id) : await env.IDENTITY.updateOrg(principal, id, rest);
  if (!org.ok || plan === undefined) return withPlan(env, org);
  const state = await env.WORKSPACE.updateWorkspace(principal, org.value.id, { plan });
  if (!state.ok) return state;
  // A new plan is a new limit: this isolate judges the org's api_calls afresh from its next request.
  forgetApiCalls(org.value.id);
  return ok({ ...org.value, plan: state.value.plan });
}

/** The workspace `id`, or 404 for no such org. */
async function workspaceById(env: GatewayEnv, id: string): Promise<Result<Workspace>> {
  const org = await env.IDENTITY.getOrg(systemPrincipal(id), id);
  if (!org.ok) {
    // A purged workspace's org is gone; its tombstone says when (data retention, purge.ts).
    const state = org.error.code === "not_found" ? await env.WORKSPACE.workspaceOf(id) : null;
    return state?.purgedAt ? fail("not_found", "The workspace was deleted and its data purged", { status: "purged", purgedAt: state.purgedAt }) : org;
  }
  return ok(toWorkspace(org.value, await env.WORKSPACE.workspaceOf(id)));
}

/**
 * Plans and entitlements (the workspace worker behind `WORKSPACE`), and the core-api workspaces
 * over orgs for the system principal: identity keeps the org (name, slug), the workspace worker its
 * plan, settings and soft deletion; these routes put the two together.
 */
export const workspaceRoutes = [
  route("checkEntitlement", ({ env, principal, input }) => env.WORKSPACE.checkEntitlement(principal, input.query)),
  route("recordUsage", ({ env, principal, input }) => env.WORKSPACE.recordUsage(principal, input.body)),
  route("getEntitlementSummary", ({ env, principal }) => env.WORKSPACE.entitlementSummary(principal)),
  route("listPlans", async ({ env }) => ok(await env.WORKSPACE.listPlans())),

  route("listWorkspaces", async ({ env, input }) => {
    const orgs = await env.IDENTITY.listOrgs(input.query);
    if (!orgs.ok) return orgs;
    const states = await env.WORKSPACE.workspacesOf(orgs.value.data.map((o) => o.id));
    return ok({ data: orgs.value.data.map((o, i) => toWorkspace(o, states[i]!)), nextCursor: orgs.value.nextCursor });
  }),
  route("createWorkspace", async ({ env, input }) => {
    const created = await createOrgWithWorkspace(env, input.body);
    return created.ok ? ok(toWorkspace(created.value.org, created.value.state)) : created;
  }),
  route("getWorkspace", ({ env, input }) => workspaceById(env, input.path.id)),
  route("updateWorkspace", async ({ env, principal, input }) => {
    const { name, ...change } = input.body;
    const current = await workspaceById(env, input.path.id);
    if (!current.ok) return current;
    const valid = await env.WORKSPACE.checkUpdate(change);
    if (!valid.ok) return valid;
    const state = await env.WORKSPACE.updateWorkspace(principal, input.path.id, change);
    if (!state.ok) return state;
    if (change.plan !== undefined) forgetApiCalls(input.path.id);
    const org = name !== undefined ? await env.IDENTITY.updateOrg(systemPrincipal(input.path.id), input.path.id, { name }) : await env.IDENTITY.getOrg(systemPrincipal(input.path.id), input.path.id);
    if (!org.ok) return org;
    return ok(toWorkspace(org.value, state.value));
  }),
  route("deleteWorkspace", async ({ env, principal, input }) => {
    const current = await workspaceById(env, input.path.id);
    if (!current.ok) return current;
    const deleted = await env.WORKSPACE.deleteWorkspace(principal, input.path.id);
    // Refused from the very next request through this isolate; others see it within the status TTL.
    if (deleted.ok) forgetOrgStatus(input.path.id);
    return deleted.ok ? ok(null) : deleted;
  }),
  // Data retention (purge.ts): the daily job's work for one workspace, now.
  route("purgeWorkspace", ({ env, input }) => purgeWorkspace(env, input.path.id)),
  // The standing totals set from their owners' rows (as their daily jobs do): each owner runs its
  // own, since each holds the binding to the org's meter.
  route("reconcileWorkspaceUsage", async ({ env, input }) => {
    const current = await workspaceById(env, input.path.id);
    if (!current.ok) return current;
    const [endpoints, storage] = await Promise.all([env.WEBHOOKS.reconcileEndpointUsage(input.path.id), env.DOCUMENTS.reconcileStorageUsage(input.path.id)]);
    if (!endpoints.ok) return endpoints;
    if (!storage.ok) return storage;
    return ok({ workspaceId: input.path.id, reconciled: [endpoints.value, storage.value] });
  }),
];

/**
 * The team (`/v1/team`): the workspace worker's invitations and identity's members, behind
 * `WORKSPACE`. A removal comes back with the hashes of the API keys it revoked: their admitting
 * objects drop their cached records here, so those keys fail on their next request, and the
 * member's cached status goes so their JWTs do too.
 */
export const teamRoutes = [
  route("getTeamWorkspace", ({ env, principal }) => env.WORKSPACE.teamWorkspace(principal)),
  route("inviteMember", ({ env, principal, input }) => env.WORKSPACE.invite(principal, input.body)),
  route("listMembers", ({ env, principal, input }) => env.WORKSPACE.listMembers(principal, input.query)),
  route("updateMember", ({ env, principal, input }) => env.WORKSPACE.updateMember(principal, input.path.id, input.body)),
  route("removeMember", async ({ env, principal, input }) => {
    const removed = await env.WORKSPACE.removeMember(principal, input.path.id);
    if (!removed.ok) return removed;
    await Promise.all(removed.value.revokedKeyHashes.map((hash) => env.RATE_LIMITER.getByName(`key:${hash}`).forget()));
    forgetUserStatus(principal.orgId, removed.value.member.id);
    return ok(null);
  }),
  route("listInvitations", ({ env, principal, input }) => env.WORKSPACE.listInvitations(principal, input.query)),
  route("acceptInvitation", ({ env, input }) => env.WORKSPACE.acceptInvitation(input.path.id, input.body)),
  route("revokeInvitation", ({ env, principal, input }) => env.WORKSPACE.revokeInvitation(principal, input.path.id)),
  route("resendInvitation", ({ env, principal, input }) => env.WORKSPACE.resendInvitation(principal, input.path.id)),
];
