import { FlagsUnavailable, readFlag } from "#shared/flags";
import type { BillingEnv } from "./env.ts";

/**
 * Whether billing retries a failed card payment of `orgId` by itself (once, three days after the
 * failure, from the cron): the org's feature flag `billing.autopay_retry` (on by default). When the
 * flags cannot be read the answer is no for this run; the payment is not marked, so the next run asks again.
 */
export async function autopayRetryEnabled(env: Pick<BillingEnv, "PRODUCERS">, orgId: string): Promise<boolean> {
  try {
    return await readFlag(env.PRODUCERS, orgId, "billing.autopay_retry");
  } catch (error) {
    if (error instanceof FlagsUnavailable) return false;
    throw error;
  }
}
