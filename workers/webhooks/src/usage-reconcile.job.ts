/**
 * `webhook_endpoints` set from the truth: the org's endpoints that are not deleted (enabled or
 * paused alike, as the meter counts them from create to delete). Endpoints created before metering
 * began were never counted; the reconcile counts them, and adopts their keys so their delete gives
 * them back. Daily for every org with an endpoint (the cron), and for one org through the gateway.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Result } from "#shared/errors";
import type { UsageReconciled } from "#shared/rpc";
import { reconcileEveryOrg, reconcileGauge } from "#shared/usage-reconcile";
import type { WebhooksEnv } from "./env.ts";
import { webhookEndpoints } from "./schema.ts";

export function reconcileEndpointUsage(db: DrizzleD1Database, env: Pick<WebhooksEnv, "WORKSPACE">, orgId: string): Promise<Result<UsageReconciled>> {
  return reconcileGauge(env.WORKSPACE, orgId, "webhook_endpoints", async () => {
    const rows = await db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.orgId, orgId), isNull(webhookEndpoints.deletedAt)))
      .all();
    return rows.map((r): [string, number] => [r.id, 1]);
  });
}

/** The daily run: every org that ever had an endpoint (one whose endpoints are all deleted may still hold a stale count). */
export async function reconcileAllEndpointUsage(db: DrizzleD1Database, env: Pick<WebhooksEnv, "WORKSPACE">): Promise<number> {
  const orgs = await db.selectDistinct({ orgId: webhookEndpoints.orgId }).from(webhookEndpoints).all();
  return reconcileEveryOrg(orgs.map((o) => o.orgId), (orgId) => reconcileEndpointUsage(db, env, orgId), "webhook_endpoints_reconcile");
}
