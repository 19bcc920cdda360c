/**
 * Usage the platform counts in bulk or sets from elsewhere, beside the exact per-write metering of
 * entitlements.service.ts: the gateway's batched `api_calls`, and the reconcile of the standing
 * totals whose source of truth is another worker's rows (`webhook_endpoints` in webhooks,
 * `document_storage_bytes` in documents), which began being metered after orgs already had rows.
 */
import type { Feature } from "#contract/types.gen";
import { offsetClock, realClock, sandboxClockEnabled } from "#shared/clock";
import { fail, invalid, ok, type Result } from "#shared/errors";
import type { ApiCallsMeterAnswer, UsageReconciled } from "#shared/rpc";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { limitOf, planOf, upgradeUrlOf } from "./entitlements.service.ts";
import type { WorkspaceEnv } from "./env.ts";
import { FEATURES, periodEnd, periodOf } from "./plans.ts";

/**
 * Counts `quantity` API calls of `orgId` (the gateway's flush of one isolate's batch) in this
 * month's window on the org's clock, never refusing: the calls were answered already. The answer
 * says whether the plan's limit is exhausted and when the window rolls, so the gateway refuses the
 * org's next calls until then (or until the plan changes). `quantity` 0 only reads.
 */
export async function meterApiCalls(env: WorkspaceEnv, db: DrizzleD1Database, orgId: string, quantity: number): Promise<ApiCallsMeterAnswer> {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new Error(`meterApiCalls: quantity must be a whole number, got ${quantity}`);
  // The org's clock, as its summary reads it: only development has sandbox clocks.
  const clock = sandboxClockEnabled(env.ENVIRONMENT) ? offsetClock(await env.IDENTITY.clockOffsetOf(orgId)) : realClock;
  const now = clock.now();
  const window = periodOf(now);
  const limit = limitOf(await planOf(db, orgId), "api_calls");
  const counted = await env.USAGE_METER.getByName(orgId).add(orgId, "api_calls", window, quantity, limit);
  const resetAt = periodEnd(window);
  return { ...counted, window, resetAt, resetInMs: Date.parse(resetAt) - now.getTime(), upgradeUrl: upgradeUrlOf(env) };
}

/** The features whose gauge is reconciled against another worker's rows. */
const RECONCILED: readonly Feature[] = ["webhook_endpoints", "document_storage_bytes"];

function reconciled(feature: Feature): Result<Feature> {
  if (!RECONCILED.includes(feature) || FEATURES[feature]?.window !== "total") {
    return invalid("feature", "reconciled", `${String(feature)} is not reconciled from a source; only ${RECONCILED.join(" and ")} are`);
  }
  return ok(feature);
}

/** Opens a reconcile of `feature` for `orgId` (UsageMeter.beginReconcile); read the source after it answers. */
export async function beginUsageReconcile(env: WorkspaceEnv, orgId: string, feature: Feature): Promise<Result<{ reconcileId: string }>> {
  const f = reconciled(feature);
  if (!f.ok) return f;
  return ok({ reconcileId: await env.USAGE_METER.getByName(orgId).beginReconcile(orgId, f.value) });
}

/**
 * Sets `feature`'s standing total from the source's live rows read since the begin
 * (UsageMeter.finishReconcile); `conflict` when a later reconcile superseded this one.
 */
export async function finishUsageReconcile(env: WorkspaceEnv, orgId: string, feature: Feature, reconcileId: string, live: [string, number][]): Promise<Result<UsageReconciled>> {
  const f = reconciled(feature);
  if (!f.ok) return f;
  if (!Array.isArray(live) || live.some((e) => !Array.isArray(e) || typeof e[0] !== "string" || !Number.isSafeInteger(e[1]) || e[1] < 0)) {
    return invalid("live", "entries", "live must be [key, quantity] pairs with whole, non-negative quantities");
  }
  const done = await env.USAGE_METER.getByName(orgId).finishReconcile(orgId, f.value, reconcileId, live);
  if (!done) return fail("conflict", `Another reconcile of ${f.value} for this org began meanwhile; run it again`);
  return ok({ feature: f.value, ...done });
}
