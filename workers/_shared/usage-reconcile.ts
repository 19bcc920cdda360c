/**
 * The reconcile of a standing total the workspace worker meters but another worker owns the truth
 * of (webhooks' live endpoints, documents' stored bytes): the meter's gauge is set from the owner's
 * rows. Run by the owner, which already holds the `WorkspaceInternal` binding, so no binding points
 * back: daily from its cron, and for one org when the system principal asks through the gateway.
 *
 * Order matters for a write that races it: the meter opens the reconcile first, the rows are read
 * after, and the meter then sets the total in one step, counting on top of the rows whatever
 * committed or is in flight since the open (UsageMeter.finishReconcile). A superseded reconcile
 * (another began meanwhile) is run again, a few times at most.
 */
import type { Feature } from "#contract/types.gen";
import type { Result } from "./errors.ts";
import type { UsageReconciled, WorkspaceInternalRpc } from "./rpc.ts";

type Meter = Pick<WorkspaceInternalRpc, "beginUsageReconcile" | "finishUsageReconcile">;

const ATTEMPTS = 3;

/** Reconciles `feature` of `orgId` from `readLive` (the org's live rows as `[key, quantity]`, keyed as their writes reserve). */
export async function reconcileGauge(meter: Meter, orgId: string, feature: Feature, readLive: () => Promise<[string, number][]>): Promise<Result<UsageReconciled>> {
  for (let attempt = 1; ; attempt++) {
    const begun = await meter.beginUsageReconcile(orgId, feature);
    if (!begun.ok) return begun;
    const done = await meter.finishUsageReconcile(orgId, feature, begun.value.reconcileId, await readLive());
    if (done.ok || done.error.code !== "conflict" || attempt >= ATTEMPTS) return done;
  }
}

/**
 * The daily job: every org the owner has rows for, one at a time (an org that fails is logged and
 * the next goes on; tomorrow's run tries it again). Answers how many orgs were reconciled.
 */
export async function reconcileEveryOrg(orgIds: string[], reconcileOne: (orgId: string) => Promise<Result<UsageReconciled>>, job: string): Promise<number> {
  let reconciled = 0;
  for (const orgId of orgIds) {
    try {
      const done = await reconcileOne(orgId);
      if (done.ok) reconciled++;
      else console.error(JSON.stringify({ level: "error", job, orgId, error: done.error.code, message: done.error.message }));
    } catch (error) {
      console.error(JSON.stringify({ level: "error", job, orgId, message: String(error) }));
    }
  }
  return reconciled;
}
