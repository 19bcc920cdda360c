import type { Context } from "hono";
import { realClock } from "#shared/clock";
import type { GatewayContext } from "../env.ts";

/**
 * How long an isolate reuses an org's "still active" answer before asking the workspace worker
 * again. A workspace deleted through this gateway is forgotten here at once ({@link forgetOrgStatus}),
 * so its very next request through the same isolate is refused; the TTL bounds how long another
 * isolate may still admit it. Real time: credential machinery.
 */
export const ORG_STATUS_TTL_MS = 5_000;

const statuses = new Map<string, { active: boolean; until: number }>();
const MAX_CACHED = 10_000;

/** Drop an org's cached status: called once its workspace was deleted (or restored). */
export function forgetOrgStatus(orgId: string): void {
  statuses.delete(orgId);
}

/**
 * False when the org's workspace is soft-deleted: every credential of it (API keys, JWTs, sessions
 * exchanged for JWTs, insured tokens, the API secret naming it) is then refused with the same 401.
 * One RPC per org per isolate per {@link ORG_STATUS_TTL_MS}; a request without an org costs nothing.
 */
export async function orgIsActive(c: Context<GatewayContext>, orgId: string): Promise<boolean> {
  if (!orgId) return true;
  const now = realClock.now().getTime();
  const cached = statuses.get(orgId);
  if (cached && cached.until > now) return cached.active;
  const active = await c.env.WORKSPACE.orgActive(orgId);
  if (statuses.size >= MAX_CACHED) statuses.clear();
  statuses.set(orgId, { active, until: now + ORG_STATUS_TTL_MS });
  return active;
}

const users = new Map<string, { active: boolean; until: number }>();

/** Drop a user's cached status: called once the user was removed from the team. */
export function forgetUserStatus(orgId: string, userId: string): void {
  users.delete(`${orgId}|${userId}`);
}

/**
 * False once a user was removed from the team (the workspace worker's record of the removal): their
 * JWTs (stateless, up to an hour) are refused from the next request through this isolate, and within
 * {@link ORG_STATUS_TTL_MS} everywhere. Only user ids (`usr_`) are looked up: a demo token's subject
 * has no account to remove.
 */
export async function userIsActive(c: Context<GatewayContext>, orgId: string, userId: string): Promise<boolean> {
  if (!userId.startsWith("usr_")) return true;
  const key = `${orgId}|${userId}`;
  const now = realClock.now().getTime();
  const cached = users.get(key);
  if (cached && cached.until > now) return cached.active;
  const active = !(await c.env.WORKSPACE.memberRemoved(orgId, userId));
  if (users.size >= MAX_CACHED) users.clear();
  users.set(key, { active, until: now + ORG_STATUS_TTL_MS });
  return active;
}
