/**
 * Plans and metered entitlements: the org's plan (its workspace row, or the default), the limits of
 * the committed table (plans.ts), and the counts of the org's UsageMeter object. Monthly windows are
 * months on the org's clock (`clockOf(principal)`), so a sandbox clock moved a month ahead starts a
 * new window.
 */
import type { EntitlementCheck, EntitlementSummary, Feature, FeatureUsage, Plan, PlanList, RecordedUsage, RecordUsageRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, ok, type AppError, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { WorkspaceEnv } from "./env.ts";
import { DEFAULT_PLAN, FEATURES, isFeature, PLAN_LIMITS, PLANS, periodEnd, periodOf, windowOf } from "./plans.ts";
import { usageRecords } from "./schema.ts";
import { findWorkspace } from "./workspaces.repo.ts";

const DEFAULT_UPGRADE_URL = "https://openinsure.dev/pricing";

export const upgradeUrlOf = (env: Pick<WorkspaceEnv, "UPGRADE_URL">): string => env.UPGRADE_URL || DEFAULT_UPGRADE_URL;

/** The org's plan: its workspace row's, or {@link DEFAULT_PLAN} for an org that never had one written. */
export async function planOf(db: DrizzleD1Database, orgId: string): Promise<Plan> {
  return (await findWorkspace(db, orgId))?.plan ?? DEFAULT_PLAN;
}

export const limitOf = (plan: Plan, feature: Feature): number | null => PLAN_LIMITS[plan][feature];

const resetAtOf = (feature: Feature, at: Date): string | null => (FEATURES[feature].window === "monthly" ? periodEnd(periodOf(at)) : null);

/** The one refusal of an action past a hard limit: 403 `feature_limit_reached`. */
export function limitReached(env: Pick<WorkspaceEnv, "UPGRADE_URL">, feature: Feature, limit: number, used: number): { ok: false; error: AppError } {
  return fail("feature_limit_reached", `The plan's limit for ${feature} is reached (used ${used} of ${limit}); upgrade the plan to go on`, {
    feature,
    limit,
    used,
    upgradeUrl: upgradeUrlOf(env),
  });
}

function meteredFeature(value: unknown, field: string): Result<Feature> {
  if (!isFeature(value)) return invalid(field, "enum", `${field} must be one of ${Object.keys(FEATURES).join(", ")}`);
  if (!FEATURES[value].metered) {
    return invalid(field, "not_metered", `${value} is not metered yet: its limit is in the plan table, but nothing counts it, so no check could be honest`);
  }
  return ok(value);
}

const meterOf = (env: WorkspaceEnv, orgId: string) => env.USAGE_METER.getByName(orgId);

/**
 * Current usage of metered features: seats are the org's users (identity counts them, and admits a
 * new one only within the limit); the others are the org's UsageMeter counters in their windows.
 */
async function usageOf(env: WorkspaceEnv, orgId: string, features: Feature[], at: Date): Promise<Partial<Record<Feature, number>>> {
  const counted = features.filter((f) => f !== "seats");
  const [meter, seats] = await Promise.all([
    counted.length ? meterOf(env, orgId).usage(orgId, Object.fromEntries(counted.map((f) => [f, windowOf(f, at)]))) : Promise.resolve({}),
    features.includes("seats") ? env.IDENTITY.memberCount(orgId) : Promise.resolve(undefined),
  ]);
  return seats === undefined ? meter : { ...meter, seats };
}

export async function checkEntitlement(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, feature: unknown, quantity: unknown = 1): Promise<Result<EntitlementCheck>> {
  const f = meteredFeature(feature, "feature");
  if (!f.ok) return f;
  if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 1) return invalid("quantity", "min", "quantity must be a whole number of at least 1");
  const at = clockOf(principal).now();
  const plan = await planOf(db, principal.orgId);
  const limit = limitOf(plan, f.value);
  const used = (await usageOf(env, principal.orgId, [f.value], at))[f.value] ?? 0;
  const allowed = limit === null || used + quantity <= limit;
  const answer: EntitlementCheck = {
    allowed,
    feature: f.value,
    plan,
    quantity,
    currentUsage: used,
    limit,
    available: limit === null ? null : Math.max(0, limit - used),
    resetAt: resetAtOf(f.value, at),
  };
  if (!allowed) {
    answer.reason = "limit_exceeded";
    answer.message = `The plan's limit for ${f.value} would be passed: used ${used}, limit ${limit}, asked ${quantity}`;
    answer.upgradeUrl = upgradeUrlOf(env);
  }
  return ok(answer);
}

const METADATA_MAX_BYTES = 4096;

/** Usage an integrator meters itself, checked and counted in one step by the org's meter, then recorded. */
export async function recordUsage(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, input: RecordUsageRequest): Promise<Result<RecordedUsage>> {
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  const f = meteredFeature(input.feature, "feature");
  if (!f.ok) return f;
  if (!FEATURES[f.value].recordable) {
    return invalid("feature", "platform_metered", `${f.value} is counted by the platform where it happens; recording it too would count it twice`);
  }
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > 1_000_000) return invalid("quantity", "range", "quantity must be a whole number from 1 to 1000000");
  const metadata = input.metadata ?? null;
  if (metadata !== null && (typeof metadata !== "object" || Array.isArray(metadata))) return invalid("metadata", "type", "metadata must be an object");
  if (metadata !== null && new TextEncoder().encode(JSON.stringify(metadata)).length > METADATA_MAX_BYTES) {
    return invalid("metadata", "max_bytes", `metadata must be at most ${METADATA_MAX_BYTES} bytes of JSON`);
  }
  const at = clockOf(principal).now();
  const window = windowOf(f.value, at);
  const plan = await planOf(db, principal.orgId);
  const limit = limitOf(plan, f.value);
  const meter = meterOf(env, principal.orgId);
  const admitted = await meter.admit(principal.orgId, f.value, window, quantity, limit);
  if (!admitted.ok) return limitReached(env, f.value, admitted.limit, admitted.used);
  const id = newId("ent");
  const createdAt = new Date().toISOString();
  try {
    await db.insert(usageRecords).values({ id, orgId: principal.orgId, feature: f.value, quantity, period: window, metadata, actor: principal.actorId, createdAt });
  } catch (error) {
    // Not recorded, so not counted: the meter gives the quantity back.
    await meter.giveBack(principal.orgId, f.value, window, quantity);
    throw error;
  }
  return ok({
    id,
    recorded: true,
    feature: f.value,
    quantity,
    currentUsage: admitted.used,
    limit,
    available: limit === null ? null : Math.max(0, limit - admitted.used),
    resetAt: resetAtOf(f.value, at),
    createdAt,
  });
}

const meteredFeatures = (Object.keys(FEATURES) as Feature[]).filter((f) => FEATURES[f].metered);

export async function entitlementSummary(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal): Promise<Result<EntitlementSummary>> {
  const at = clockOf(principal).now();
  const plan = await planOf(db, principal.orgId);
  const usage = await usageOf(env, principal.orgId, meteredFeatures, at);
  const entitlements: FeatureUsage[] = [];
  for (const feature of meteredFeatures) {
    const used = usage[feature] ?? 0;
    const limit = limitOf(plan, feature);
    entitlements.push({
      feature,
      used,
      limit,
      available: limit === null ? null : Math.max(0, limit - used),
      // Two decimals, from integers: (used * 10000 / limit) rounded half-up, then / 100.
      percentage: limit === null ? null : limit === 0 ? 100 : Math.floor((used * 10_000) / limit + 0.5) / 100,
      resetAt: resetAtOf(feature, at),
      unit: FEATURES[feature].unit,
    });
  }
  return ok({ workspaceId: principal.orgId, plan, period: periodOf(at), entitlements });
}

export function listPlans(): PlanList {
  const features = Object.keys(FEATURES) as Feature[];
  return { data: PLANS.map((plan) => ({ plan, limits: features.map((feature) => ({ feature, limit: PLAN_LIMITS[plan][feature], unit: FEATURES[feature].unit, window: FEATURES[feature].window })) })) };
}

/**
 * A metered write's reservation (a bind's `policies_bound`), keyed by what it writes: admitted and
 * counted now, or 403 `feature_limit_reached`. The writer then commits or releases it.
 */
export async function reserveUsage(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, feature: Feature, key: string, quantity = 1): Promise<Result<{ used: number; limit: number | null }>> {
  const at = clockOf(principal).now();
  const limit = limitOf(await planOf(db, principal.orgId), feature);
  const admitted = await meterOf(env, principal.orgId).reserve(principal.orgId, key, feature, windowOf(feature, at), quantity, limit);
  if (!admitted.ok) return limitReached(env, feature, admitted.limit, admitted.used);
  return ok({ used: admitted.used, limit });
}

/**
 * A standing total's write counted under `key` at once (a stored document's bytes): admitted and
 * committed in one step, or 403 `feature_limit_reached`. The writer gives it back with
 * {@link returnUsage} if what it counted for is not written; the daily reconcile corrects a writer
 * that crashed in between. One call where a reservation takes two.
 */
export async function countUsage(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, feature: Feature, key: string, quantity = 1): Promise<Result<{ used: number; limit: number | null }>> {
  if (!isFeature(feature) || FEATURES[feature].window !== "total") {
    return invalid("feature", "standing_total", `${String(feature)} is not a standing total: a monthly feature is reserved, then committed`);
  }
  const limit = limitOf(await planOf(db, principal.orgId), feature);
  const admitted = await meterOf(env, principal.orgId).count(principal.orgId, key, feature, quantity, limit);
  if (!admitted.ok) return limitReached(env, feature, admitted.limit, admitted.used);
  return ok({ used: admitted.used, limit });
}

/** What {@link reserveUsage} would answer now, counting nothing: a bind preview's check. */
export async function checkUsage(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, feature: Feature, quantity = 1): Promise<Result<{ used: number; limit: number | null }>> {
  const at = clockOf(principal).now();
  const limit = limitOf(await planOf(db, principal.orgId), feature);
  const used = (await usageOf(env, principal.orgId, [feature], at))[feature] ?? 0;
  if (limit !== null && used + quantity > limit) return limitReached(env, feature, limit, used);
  return ok({ used, limit });
}

/**
 * Gives back what a committed write under `key` counted, now that what it created is gone (a deleted
 * webhook endpoint): standing totals only, since a month's usage happened and stays. Once per key.
 */
export async function returnUsage(env: WorkspaceEnv, orgId: string, feature: Feature, key: string, quantity = 1): Promise<Result<{ used: number }>> {
  if (!isFeature(feature) || FEATURES[feature].window !== "total") {
    return invalid("feature", "standing_total", `${String(feature)} is not a standing total: a month's usage happened and stays used`);
  }
  return ok({ used: await meterOf(env, orgId).refund(orgId, key, feature, "total", quantity) });
}
