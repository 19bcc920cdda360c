/**
 * Data retention: a deleted workspace's data is kept {@link RETENTION_DAYS} days (`purge_after`),
 * then purged in every worker by the gateway's purge job. This worker judges eligibility, purges its
 * own rows and the org's {@link UsageMeter}, and writes `purged_at` on the workspace row, which stays
 * as the tombstone. Retention runs on real time: it is platform machinery, never a sandbox clock.
 */
import type { Principal } from "#shared/auth";
import { realClock } from "#shared/clock";
import { fail, ok, type Result } from "#shared/errors";
import { purgeOrgOf, type PurgePlan, type PurgeProgress } from "#shared/purge";
import type { PurgeTicket } from "#shared/rpc";
import { and, asc, eq, isNotNull, isNull, lte } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { database } from "./database.ts";
import type { WorkspaceEnv } from "./env.ts";
import { workspaces, type WorkspaceRow } from "./schema.ts";
import { findWorkspace } from "./workspaces.repo.ts";
import { RETENTION_DAYS } from "./workspaces.service.ts";

/** The workspace row is the tombstone: every other table with the org's `org_id` goes. */
export const WORKSPACE_PURGE: PurgePlan = { keep: ["workspaces"] };

function ticketOf(row: WorkspaceRow & { deletedAt: string; purgeAfter: string }): PurgeTicket {
  return { orgId: row.orgId, deletedAt: row.deletedAt, purgeAfter: row.purgeAfter, purgedAt: row.purgedAt };
}

/** Eligibility of `orgId` for the purge now (see `WorkspaceRpc.purgeTicket`). */
export async function purgeTicket(db: DrizzleD1Database, orgId: string, now = realClock.now()): Promise<Result<PurgeTicket>> {
  const row = await findWorkspace(db, orgId);
  if (!row) return fail("not_found", "No workspace with that id has been deleted", { status: "active" });
  if (!row.deletedAt || !row.purgeAfter) {
    return fail("invalid_state_transition", "The workspace is not deleted; only a deleted workspace is purged", { status: "active" });
  }
  const ticket = ticketOf({ ...row, deletedAt: row.deletedAt, purgeAfter: row.purgeAfter });
  if (row.purgedAt) return ok(ticket);
  if (row.purgeAfter > now.toISOString()) {
    return fail(
      "invalid_state_transition",
      `The workspace's data is kept ${RETENTION_DAYS} days after deletion; it can be purged from purgeAfter`,
      {
        status: "deleted",
        deletedAt: row.deletedAt,
        purgeAfter: row.purgeAfter,
      },
    );
  }
  return ok(ticket);
}

/** Org ids past their retention and not yet purged, oldest deletion first (the partial index of migration 0006). */
export async function purgesDue(db: DrizzleD1Database, limit: number, now = realClock.now()): Promise<string[]> {
  const rows = await db
    .select({ orgId: workspaces.orgId })
    .from(workspaces)
    .where(and(isNotNull(workspaces.deletedAt), isNull(workspaces.purgedAt), lte(workspaces.purgeAfter, now.toISOString())))
    .orderBy(asc(workspaces.purgeAfter))
    .limit(Math.max(1, Math.min(100, Math.trunc(limit))))
    .all();
  return rows.map((r) => r.orgId);
}

/**
 * This worker's share of the purge, refused unless the workspace is eligible (the one worker that can
 * tell): the org's usage meter first (no row finds it), then its rows.
 */
export async function purgeWorkspaceData(env: WorkspaceEnv, principal: Principal): Promise<Result<PurgeProgress>> {
  if (principal.kind !== "system") return purgeOrgOf(principal, env.WORKSPACE_DB, WORKSPACE_PURGE);
  const eligible = await purgeTicket(database(env), principal.orgId);
  if (!eligible.ok) return eligible;
  await env.USAGE_METER.getByName(principal.orgId).purge();
  return purgeOrgOf(principal, env.WORKSPACE_DB, WORKSPACE_PURGE);
}

/** Writes `purged_at` once, on an eligible tombstone; a second call answers the first's stamp. */
export async function markPurged(db: DrizzleD1Database, orgId: string, now = realClock.now()): Promise<Result<PurgeTicket>> {
  const ticket = await purgeTicket(db, orgId, now);
  if (!ticket.ok || ticket.value.purgedAt) return ticket;
  await db
    .update(workspaces)
    .set({ purgedAt: now.toISOString() })
    .where(
      and(
        isNotNull(workspaces.deletedAt),
        isNull(workspaces.purgedAt),
        lte(workspaces.purgeAfter, now.toISOString()),
        eq(workspaces.orgId, orgId),
      ),
    )
    .run();
  return purgeTicket(db, orgId, now);
}
