/**
 * The org's billing settings: `graceDays` (default 15, 1 to 90), which the delinquency job reads.
 * Billing keeps them in its own database, beside the invoices they govern, so the job reads them in
 * the same query as the invoices; an org that never changed them has no row and runs on the defaults.
 */
import { eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { invalid, ok, type Result } from "#shared/errors";
import type { BillingSettingsView, UpdateBillingSettingsInput } from "#shared/rpc";
import { CANCELLATION_NOTICE_DAYS, DEFAULT_GRACE_DAYS, isGraceDays, MAX_GRACE_DAYS, MIN_GRACE_DAYS } from "./delinquency.ts";
import { billingSettings } from "./schema.ts";

export async function getSettings(db: DrizzleD1Database, principal: Principal): Promise<Result<BillingSettingsView>> {
  const row = await db.select().from(billingSettings).where(eq(billingSettings.orgId, principal.orgId)).get();
  return ok({ graceDays: row?.graceDays ?? DEFAULT_GRACE_DAYS, cancellationNoticeDays: CANCELLATION_NOTICE_DAYS, updatedAt: row?.updatedAt ?? null });
}

/** Change what the body names; a body naming nothing answers the settings unchanged. */
export async function updateSettings(db: DrizzleD1Database, principal: Principal, input: UpdateBillingSettingsInput): Promise<Result<BillingSettingsView>> {
  if (input?.graceDays === undefined) return getSettings(db, principal);
  if (!isGraceDays(input.graceDays)) return invalid("graceDays", "range", `graceDays must be a whole number of days from ${MIN_GRACE_DAYS} to ${MAX_GRACE_DAYS}`);
  // Audit time is real time, like every record's (the sandbox clock moves the book's calendar only).
  const at = new Date().toISOString();
  await db
    .insert(billingSettings)
    .values({ orgId: principal.orgId, graceDays: input.graceDays, updatedAt: at, updatedBy: principal.actorId })
    .onConflictDoUpdate({ target: billingSettings.orgId, set: { graceDays: input.graceDays, updatedAt: at, updatedBy: principal.actorId } });
  return getSettings(db, principal);
}
