/**
 * The delinquency job on billing's cron (every minute, for the outbox sweep): cheap when nothing is
 * due. Every tick runs the lift check (one indexed query over the policies with a delinquency open);
 * the daily pass runs once per UTC day: a tick finds `billing_job_runs` already at today and stops
 * after one read. A pass that left work (a batch limit, another worker down) does not record the
 * day, so the next tick goes on with it. Real time: an org's sandbox clock moves the job only through
 * the sandbox route (BillingService.runDelinquency).
 */
import { eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { liftPaid, runDelinquency, type DelinquencyEnv, type DelinquencyRunResult } from "./delinquency.service.ts";
import { billingJobRuns } from "./schema.ts";

export const DELINQUENCY_JOB = "delinquency";

/** One cron tick at `now`: the pass it ran, or null when today's was already complete. */
export async function scheduledDelinquency(db: DrizzleD1Database, env: DelinquencyEnv, now: Date): Promise<DelinquencyRunResult | null> {
  const at = now.toISOString();
  const today = at.slice(0, 10);
  try {
    await liftPaid(db, env, {}, at);
    const last = await db.select().from(billingJobRuns).where(eq(billingJobRuns.job, DELINQUENCY_JOB)).get();
    if (last && last.lastCompletedDay >= today) return null;
    const result = await runDelinquency(db, env, { asOf: today, at, realNow: () => now });
    if (result.complete) {
      await db
        .insert(billingJobRuns)
        .values({ job: DELINQUENCY_JOB, lastCompletedDay: today, updatedAt: at })
        .onConflictDoUpdate({ target: billingJobRuns.job, set: { lastCompletedDay: today, updatedAt: at } });
    }
    return result;
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: "delinquency pass failed; the next tick retries it", error: String(error) }));
    return null;
  }
}
