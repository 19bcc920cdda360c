/**
 * The committed plan table (DECISIONS.md, "Workspace, team, entitlements, connectors"): each plan's
 * limit per metered feature, null for none. Changing a number here is a product decision, reviewed
 * like code; the summary and the checks read nothing else.
 */
import type { Feature, Plan } from "#contract/types.gen";

export const PLANS = ["free", "starter", "pro", "enterprise"] as const satisfies readonly Plan[];

/**
 * What an org without a workspace row is on, and what `POST /v1/orgs` gives without `plan`. Its
 * limits sit far above what one agency's evaluation does in a month (the billing benchmark binds 200
 * policies in one org; the test suites a few hundred), so choosing it breaks nothing that exists.
 */
export const DEFAULT_PLAN: Plan = "starter";

export interface FeatureInfo {
  /** Counted per calendar month on the org's clock, or a standing total. */
  window: "monthly" | "total";
  unit: "count" | "bytes";
  /**
   * Metered by the platform where it happens today. Only these appear in the summary and can be
   * checked; the others keep their limit in the table for when their metering lands.
   */
  metered: boolean;
  /** An integrator may record it through `POST /v1/entitlements/usage` (the platform does not count it itself). */
  recordable: boolean;
}

export const FEATURES: Record<Feature, FeatureInfo> = {
  policies_bound: { window: "monthly", unit: "count", metered: true, recordable: false },
  api_calls: { window: "monthly", unit: "count", metered: true, recordable: true },
  // Every stored document's bytes, counted by the documents worker at store (documents are never deleted).
  document_storage_bytes: { window: "total", unit: "bytes", metered: true, recordable: false },
  // The org's users, counted by identity (an accepted invitation is admitted only within the limit).
  seats: { window: "total", unit: "count", metered: true, recordable: false },
  // The org's live webhook endpoints: reserved at create, committed with the row, returned at delete.
  webhook_endpoints: { window: "total", unit: "count", metered: true, recordable: false },
};

const GB = 1024 ** 3;

export const PLAN_LIMITS: Record<Plan, Record<Feature, number | null>> = {
  free: { policies_bound: 25, api_calls: 10_000, document_storage_bytes: 1 * GB, seats: 3, webhook_endpoints: 2 },
  starter: { policies_bound: 1_000, api_calls: 250_000, document_storage_bytes: 25 * GB, seats: 25, webhook_endpoints: 10 },
  pro: { policies_bound: 10_000, api_calls: 2_500_000, document_storage_bytes: 250 * GB, seats: 100, webhook_endpoints: 50 },
  enterprise: { policies_bound: null, api_calls: null, document_storage_bytes: null, seats: null, webhook_endpoints: null },
};

export const isPlan = (value: unknown): value is Plan => typeof value === "string" && (PLANS as readonly string[]).includes(value);
export const isFeature = (value: unknown): value is Feature => typeof value === "string" && Object.hasOwn(FEATURES, value);

/** `YYYY-MM` of an instant (UTC): the monthly window it counts in. */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The first instant of the month after `period` (UTC): when a monthly window starts again. */
export function periodEnd(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString();
}

/** The window a feature counts in at `at`: the month, or `total` for a standing total. */
export function windowOf(feature: Feature, at: Date): string {
  return FEATURES[feature].window === "monthly" ? periodOf(at) : "total";
}
