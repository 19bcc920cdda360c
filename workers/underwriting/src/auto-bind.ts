/**
 * The auto-bind premium limit (issue 14): one more authority check, read from the flag
 * `underwriting.auto_bind_max_premium` when a submission is quoted (a quote above it is held like one
 * outside delegated authority, the reason in its `authority`) and again on every bind (so an org
 * admin's `PUT /v1/flags/…` holds the next bind of a quote made before it). A quote whose gross premium is above it is not bound unless an underwriter released
 * that very quote through an approved referral: the bind opens a referral instead, and the same
 * bind succeeds once the referral is approved (`decideReferral` makes the quote active again).
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { atomically, isGuardFailure } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import type { FlagKey } from "#shared/flags.catalogue";
import { readFlags, type FlagSource } from "#shared/flags";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { recordEvent } from "./events.ts";
import { newReferralRow } from "./referral-rows.ts";
import { toReferral } from "./referrals.service.ts";
import { quotes, referrals, submissions, type QuoteRow, type SubmissionRow } from "./schema.ts";
import { SUBMISSION_CHANGED, submissionUnchanged } from "./submissions.repo.ts";
import type { BindReferred } from "./types.ts";

export const AUTO_BIND_FLAG = "underwriting.auto_bind_max_premium" satisfies FlagKey;

/** Why a bind must wait for an underwriter, with the two figures that decided it. */
export interface AutoBindHold {
  reason: string;
  premiumCents: number;
  maxCents: number;
}

const money = (cents: number) => fromCents(cents).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The reason a premium of `premiumCents` is held for an underwriter, at quote and at bind. */
export const autoBindReason = (premiumCents: number, maxCents: number): string =>
  `gross premium ${money(premiumCents)} is above the org's auto-bind maximum ${money(maxCents)} (flag ${AUTO_BIND_FLAG})`;

/** The org's auto-bind maximum in cents, read now. */
export async function autoBindMaxCents(flags: FlagSource, orgId: string): Promise<number> {
  // The catalogue admits only money (two decimals, 0 to the maximum) for this flag, so this is exact.
  return toCents((await readFlags(flags, orgId)).get(AUTO_BIND_FLAG))!;
}

/**
 * Whether binding `quote` now needs an underwriter: its gross premium is above the org's auto-bind
 * maximum and it was not released by an approved referral. Null when it may bind.
 */
export async function autoBindHold(db: DrizzleD1Database, flags: FlagSource, orgId: string, quote: QuoteRow): Promise<AutoBindHold | null> {
  const maxCents = await autoBindMaxCents(flags, orgId);
  if (quote.grossPremiumCents <= maxCents) return null;
  if (quote.referralId) {
    const released = await db
      .select({ status: referrals.status })
      .from(referrals)
      .where(and(eq(referrals.orgId, orgId), eq(referrals.id, quote.referralId)))
      .get();
    if (released?.status === "approved") return null;
  }
  return {
    reason: autoBindReason(quote.grossPremiumCents, maxCents),
    premiumCents: quote.grossPremiumCents,
    maxCents,
  };
}

/**
 * The bind held: with `preview`, only the answer; otherwise a referral opens for the quote in one
 * batch with the submission and quote set `referred` and the `referral.created` event, guarded on
 * the submission as read (a bind or re-quote committed since rolls it back: 409 `conflict`).
 */
export async function holdBind(
  db: DrizzleD1Database,
  principal: Principal,
  sub: SubmissionRow,
  quote: QuoteRow,
  hold: AutoBindHold,
  preview: boolean,
  at: string,
): Promise<Result<BindReferred>> {
  const answer = (referral: BindReferred["referral"]): BindReferred => ({
    preview,
    status: "referred",
    referral,
    reasons: [hold.reason],
    grossPremium: fromCents(hold.premiumCents),
    autoBindMaxPremium: fromCents(hold.maxCents),
    currency: CURRENCY,
  });
  if (preview) return ok(answer(null));
  const row = newReferralRow(principal, at, { submissionId: sub.id, quoteId: quote.id, reasons: [hold.reason] });
  try {
    await atomically(db, [
      submissionUnchanged(sub),
      db.insert(referrals).values(row),
      db.update(submissions).set({ status: "referred", updatedAt: at }).where(and(eq(submissions.id, sub.id), eq(submissions.status, "quoted"))),
      db.update(quotes).set({ status: "referred", referralId: row.id, updatedAt: at }).where(and(eq(quotes.id, quote.id), eq(quotes.status, "active"))),
      recordEvent(db, principal.orgId, "referral.created", { referralId: row.id, submissionId: sub.id, quoteId: quote.id, reasons: row.reasons }, at),
    ]);
  } catch (error) {
    if (isGuardFailure(error)) return SUBMISSION_CHANGED;
    throw error;
  }
  return ok(answer(toReferral(row)));
}
