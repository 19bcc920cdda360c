import type { BillingEnv } from "./env.ts";

/**
 * Whether billing retries a failed card payment of `orgId` by itself (once, three days after the
 * failure, from the cron). On unless `BILLING_AUTOPAY_RETRY` is `"false"`; the one place that
 * decides it, so that the feature flag `billing.autopay_retry` can replace the variable here alone.
 */
export async function autopayRetryEnabled(env: Pick<BillingEnv, "BILLING_AUTOPAY_RETRY">, orgId: string): Promise<boolean> {
  void orgId;
  return env.BILLING_AUTOPAY_RETRY !== "false";
}
