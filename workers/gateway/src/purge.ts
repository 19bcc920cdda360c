/**
 * The purge job: 30 days after a workspace's soft delete, the org's data goes from every worker.
 * The gateway runs it because it alone is bound to every domain worker (each public entrypoint
 * serves `purgeOrg` to the system principal); its daily cron purges what is due and
 * `POST /v1/workspaces/{id}/purge` purges one eligible workspace now.
 *
 * Order: the workspace worker first (it is the one that can tell eligibility, and refuses an org
 * that is not deleted or not yet past its retention, on real time), then every other worker, identity
 * last (its org row is the org), and only once every worker answered `done` does the workspace
 * worker write `purgedAt` on its row, the tombstone. Each `purgeOrg` deletes a bounded share and is
 * idempotent, so an invocation that runs out of its budget, or crashes half-way, leaves the rest to
 * the next call: the job finishes on a rerun, and a rerun of a purged workspace does nothing.
 */
import type { WorkspacePurge } from "#contract/types.gen";
import { fail, ok, type Result } from "#shared/errors";
import type { PublicBindings, PurgeTicket } from "#shared/rpc";
import type { GatewayEnv } from "./env.ts";
import { systemPrincipal } from "./middleware/authenticate.ts";

/**
 * Every public binding, in purge order. A `Record` over all of them, so a worker added to the
 * platform without a place here fails the typecheck instead of keeping its data forever.
 */
const PURGE_ORDER: Record<keyof PublicBindings, number> = {
  WORKSPACE: 0,
  UNDERWRITING: 1,
  CLAIMS: 2,
  BILLING: 3,
  DOCUMENTS: 4,
  WEBHOOKS: 5,
  DEAL_ROOMS: 6,
  PRODUCERS: 7,
  PORTAL: 8,
  MARKET: 9,
  PARTNERS: 10,
  IDENTITY: 11,
};
const BINDINGS = (Object.keys(PURGE_ORDER) as (keyof PublicBindings)[]).sort((a, b) => PURGE_ORDER[a] - PURGE_ORDER[b]);

/** `purgeOrg` calls one invocation makes at most (each deletes a bounded share); the rest waits for the next. */
export const PURGE_CALLS_PER_RUN = 100;
/** Workspaces the daily cron takes per run. */
export const PURGES_PER_RUN = 20;

function toPurge(ticket: PurgeTicket): WorkspacePurge {
  return {
    id: ticket.orgId,
    status: ticket.purgedAt ? "purged" : "purging",
    deletedAt: ticket.deletedAt,
    purgeAfter: ticket.purgeAfter,
    purgedAt: ticket.purgedAt,
  };
}

/**
 * Purges `orgId` as far as `budget.calls` allows: `purged` with `purgedAt` once every worker is done
 * (at once, for a workspace already purged), `purging` when the budget ran out first.
 */
export async function purgeWorkspace(
  env: GatewayEnv,
  orgId: string,
  budget = { calls: PURGE_CALLS_PER_RUN },
): Promise<Result<WorkspacePurge>> {
  const ticket = await env.WORKSPACE.purgeTicket(orgId);
  if (!ticket.ok) {
    if (ticket.error.code !== "not_found") return ticket;
    // No workspace row: an org on the defaults, never deleted, or no org at all.
    const org = await env.IDENTITY.getOrg(systemPrincipal(orgId), orgId);
    return org.ok
      ? fail("invalid_state_transition", "The workspace is not deleted; only a deleted workspace is purged", { status: "active" })
      : org;
  }
  if (ticket.value.purgedAt) return ok(toPurge(ticket.value));
  const principal = systemPrincipal(orgId);
  for (const binding of BINDINGS) {
    for (;;) {
      if (budget.calls <= 0) return ok(toPurge(ticket.value));
      budget.calls--;
      const progress = await env[binding].purgeOrg(principal);
      if (!progress.ok) return progress;
      if (progress.value.done) break;
    }
  }
  const marked = await env.WORKSPACE.markPurged(orgId);
  return marked.ok ? ok(toPurge(marked.value)) : marked;
}

/** The daily cron: every workspace due, oldest first, within one run's budget; one org's failure does not stop the others. */
export async function purgeDue(env: GatewayEnv): Promise<{ purged: string[]; pending: string[]; failed: string[] }> {
  const budget = { calls: PURGE_CALLS_PER_RUN };
  const out = { purged: [] as string[], pending: [] as string[], failed: [] as string[] };
  for (const orgId of await env.WORKSPACE.purgesDue(PURGES_PER_RUN)) {
    if (budget.calls <= 0) {
      out.pending.push(orgId);
      continue;
    }
    try {
      const result = await purgeWorkspace(env, orgId, budget);
      if (!result.ok) {
        out.failed.push(orgId);
        console.error(JSON.stringify({ message: "workspace purge refused", orgId, code: result.error.code, error: result.error.message }));
      } else (result.value.status === "purged" ? out.purged : out.pending).push(orgId);
    } catch (err) {
      out.failed.push(orgId);
      console.error(JSON.stringify({ message: "workspace purge failed", orgId, error: err instanceof Error ? err.message : String(err) }));
    }
  }
  return out;
}
