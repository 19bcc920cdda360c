/**
 * The delinquency job (DECISIONS.md, "Billing"; the dates in delinquency.ts). One pass, as of a day:
 *
 * 1. **Overdue**: every open invoice unpaid its org's `graceDays` after its due date and not yet
 *    flagged is flagged (`overdue_notified_at`) with its `invoice.overdue` event and its policy's
 *    `policy_delinquency` row (`notifying`), in one batch guarded on the flag still being unset:
 *    the event is emitted once per invoice, whatever runs twice.
 * 2. **Notice**: a `notifying` policy is marked `pending_cancellation` by underwriting
 *    (`markPendingCancellation`, which emits `policy.pending_cancellation` once) and its insured is
 *    emailed a notice through identity's outbox (`queueEmail`); the row then moves to
 *    `pending_cancellation` with its cancellation date.
 * 3. **Cancel**: a `pending_cancellation` policy whose cancellation date has come is cancelled pro
 *    rata for `non_payment` as of that date through underwriting's own cancellation path
 *    (`cancelForNonPayment`); its `policy.cancelled` event then reaches billing's consumer like any
 *    cancellation's, which voids, credits and refunds by the same rules.
 * 4. **Lift**, before 2 and 3 and on its own after every payment: a policy whose flagged invoices
 *    are no longer open (paid, or settled by credits) is lifted (`liftPendingCancellation`) and
 *    reads `active` again. It depends on no clock, so the cron's real time never lifts or keeps a
 *    sandbox org's policy by mistake.
 *
 * Every row moves by a conditional update from the state it was read in, so two passes at once never
 * both act, and each call to another worker is idempotent on its side, so a pass that dies half-way
 * is finished by the next. Step 1 considers every invoice past its threshold, not only today's, and
 * step 3 cancels as of the recorded date, so a pass after missed days catches up in one run. Another
 * worker being down defers the row (backoff as for PDFs); a refusal (the policy was cancelled by hand,
 * expired, or refuses the date) closes it with the reason.
 *
 * The notice email is at least once: if this worker dies between queueing it and recording it, the
 * next pass sends it again.
 */
import { and, eq, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { DAY_MS } from "#shared/clock";
import { daysBetween } from "#shared/dates";
import { atomically, guard, isGuardFailure } from "#shared/db";
import { platformEmail } from "#shared/email-templates";
import { CURRENCY, fromCents } from "#shared/money";
import { newId } from "#shared/ids";
import { cancellationDate, DEFAULT_GRACE_DAYS, retryDelayMs } from "./delinquency.ts";
import type { BillingEnv } from "./env.ts";
import { amountDueOf } from "./ledger.ts";
import { toLedgerInvoice } from "./ledger.repo.ts";
import { invoices, policyDelinquency, type PolicyDelinquencyRow } from "./schema.ts";

export type DelinquencyEnv = Pick<BillingEnv, "UNDERWRITING" | "IDENTITY">;

/** What a pass did; `complete` when it left nothing for a later pass today. */
export interface DelinquencyRunResult {
  asOf: string;
  overdue: number;
  pendingCancellation: number;
  cancelled: number;
  restored: number;
  deferred: number;
  complete: boolean;
}

export interface DelinquencyRunOptions {
  /** The day the pass runs as of (`YYYY-MM-DD`). */
  asOf: string;
  /** The pass's instant (stamps and event times); on the same clock as `asOf`. */
  at: string;
  /** Only this org (the sandbox route); every org otherwise. */
  orgId?: string;
  /** The job's clock as an offset from real time, passed to underwriting's cancellation; absent: real time. */
  clockOffsetMs?: number;
  /** Ignore rows' backoff (an explicit run). */
  ignoreBackoff?: boolean;
  /** Real time, for backoff. */
  realNow?: () => Date;
}

/** Invoices and policies one pass takes on; more waits for the next (the cron's pass is then incomplete). */
export const PASS_BATCH = 100;

/** The day `offsetMs` from real time reads as today. */
export const dayAt = (offsetMs: number, realNow: Date = new Date()): string => new Date(realNow.getTime() + offsetMs).toISOString().slice(0, 10);

/** The clock offset that makes `asOf` today while keeping `baseOffsetMs`'s time of day. */
export function offsetFor(asOf: string, baseOffsetMs: number, realNow: Date = new Date()): number {
  return baseOffsetMs + daysBetween(dayAt(baseOffsetMs, realNow), asOf) * DAY_MS;
}

interface Candidate {
  id: string;
  org_id: string;
  policy_id: string;
  due_date: string;
  grace_days: number;
}

/** Step 1: flag every invoice newly delinquent as of `asOf` (once each, with its event and its policy's row). */
async function flagOverdue(db: DrizzleD1Database, options: DelinquencyRunOptions): Promise<{ flagged: number; full: boolean }> {
  const org = options.orgId ? sql`AND i.org_id = ${options.orgId}` : sql``;
  const candidates = await db.all<Candidate>(sql`
    SELECT i.id, i.org_id, i.policy_id, i.due_date, COALESCE(s.grace_days, ${DEFAULT_GRACE_DAYS}) AS grace_days
    FROM invoices i LEFT JOIN billing_settings s ON s.org_id = i.org_id
    WHERE i.status = 'open' AND i.overdue_notified_at IS NULL AND i.due_date < ${options.asOf} ${org}
      AND date(i.due_date, '+' || COALESCE(s.grace_days, ${DEFAULT_GRACE_DAYS}) || ' days') <= ${options.asOf}
    ORDER BY i.due_date, i.id
    LIMIT ${PASS_BATCH}`);
  let flagged = 0;
  for (const c of candidates) {
    const since = sql`date(${c.due_date}, '+' || ${c.grace_days} || ' days')`;
    try {
      await atomically(db, [
        guard("invoice_not_yet_overdue", sql`EXISTS (SELECT 1 FROM invoices WHERE id = ${c.id} AND status = 'open' AND overdue_notified_at IS NULL)`),
        sql`UPDATE invoices SET overdue_notified_at = ${options.at}, overdue_grace_days = ${c.grace_days}
          WHERE id = ${c.id} AND status = 'open' AND overdue_notified_at IS NULL`,
        sql`INSERT INTO events (id, org_id, type, data, created_at)
          SELECT ${newId("evt")}, org_id, 'invoice.overdue', json_object('invoiceId', id, 'number', number, 'policyId', policy_id, 'dueDate', due_date,
            'amountDue', MAX(0, total_cents - premium_credited_cents - charges_waived_cents - (paid_cents - refunded_cents)) / 100.0,
            'currency', ${CURRENCY}, 'graceDays', ${c.grace_days}), ${options.at}
          FROM invoices WHERE id = ${c.id}`,
        // A policy already on its way (notifying, pending, cancelled, closed) keeps its round; a lifted one starts a new one.
        sql`INSERT INTO policy_delinquency (org_id, policy_id, state, invoice_id, since, attempts, created_at, updated_at)
          VALUES (${c.org_id}, ${c.policy_id}, 'notifying', ${c.id}, ${since}, 0, ${options.at}, ${options.at})
          ON CONFLICT (org_id, policy_id) DO UPDATE SET state = 'notifying', invoice_id = excluded.invoice_id, since = excluded.since,
            notice_date = NULL, cancel_on = NULL, notice_email_id = NULL, notice_recipient = NULL, cancellation_transaction_id = NULL,
            closed_reason = NULL, attempts = 0, last_error = NULL, next_attempt_at = NULL, updated_at = excluded.updated_at
          WHERE policy_delinquency.state = 'lifted'`,
      ]);
      flagged++;
    } catch (error) {
      // Another pass flagged it first, or it was paid meanwhile: nothing to do.
      if (!isGuardFailure(error)) throw error;
    }
  }
  return { flagged, full: candidates.length === PASS_BATCH };
}

/** An open invoice of the policy flagged overdue (what keeps it delinquent), if any. */
async function stillOverdue(db: DrizzleD1Database, orgId: string, policyId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), eq(invoices.policyId, policyId), eq(invoices.status, "open"), sql`overdue_notified_at IS NOT NULL`))
    .orderBy(invoices.dueDate)
    .get();
}

/** Move `row` from the state it was read in; false when another pass moved it first. */
async function move(db: DrizzleD1Database, row: PolicyDelinquencyRow, set: Partial<PolicyDelinquencyRow>, at: string): Promise<boolean> {
  const result = await db
    .update(policyDelinquency)
    .set({ ...set, updatedAt: at })
    .where(and(eq(policyDelinquency.orgId, row.orgId), eq(policyDelinquency.policyId, row.policyId), eq(policyDelinquency.state, row.state), eq(policyDelinquency.updatedAt, row.updatedAt)))
    .run();
  return (result.meta.changes ?? 0) > 0;
}

async function defer(db: DrizzleD1Database, row: PolicyDelinquencyRow, reason: string, options: DelinquencyRunOptions): Promise<void> {
  const failures = row.attempts + 1;
  const real = options.realNow?.() ?? new Date();
  const nextAttemptAt = new Date(real.getTime() + retryDelayMs(failures)).toISOString();
  await db
    .update(policyDelinquency)
    .set({ attempts: failures, lastError: reason, nextAttemptAt })
    .where(and(eq(policyDelinquency.orgId, row.orgId), eq(policyDelinquency.policyId, row.policyId), eq(policyDelinquency.state, row.state)));
  console.error(JSON.stringify({ level: failures >= 8 ? "error" : "warn", message: "delinquency step deferred", policyId: row.policyId, state: row.state, attempts: failures, reason, nextAttemptAt }));
}

/** The notice (the platform's delinquency_notice template): what is unpaid, and the day the policy is cancelled unless it is paid. */
function noticeEmail(policyNumber: string, insuredName: string, invoice: { number: string; dueDate: string; amountDue: number }, cancelOn: string, issuer: string | null) {
  const amountDue = invoice.amountDue.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // It holds no secret: the stored copy is the delivered one.
  return platformEmail(
    "delinquency_notice",
    { policyNumber, insuredName, invoiceNumber: invoice.number, dueDate: invoice.dueDate, currency: CURRENCY, amountDue, cancelOn, issuerLine: issuer ? `\n\n${issuer}` : "" },
    { production: false },
  );
}

type Step = "restored" | "pendingCancellation" | "cancelled" | "deferred" | "closed" | "waiting" | "lost";

/** Step 4 for one row: lift it if its flagged invoices are settled. Null when it is still delinquent. */
async function liftIfCured(db: DrizzleD1Database, env: DelinquencyEnv, row: PolicyDelinquencyRow, options: DelinquencyRunOptions): Promise<Step | null> {
  if (await stillOverdue(db, row.orgId, row.policyId)) return null;
  // A notifying row may already be marked in underwriting (a pass that died before recording it).
  let wasPending = row.state === "pending_cancellation";
  try {
    const lifted = await env.UNDERWRITING.liftPendingCancellation(row.orgId, row.policyId);
    if (!lifted.ok && lifted.error.code !== "not_found") {
      await defer(db, row, lifted.error.code, options);
      return "deferred";
    }
    if (lifted.ok && lifted.value.lifted) wasPending = true;
  } catch {
    await defer(db, row, "underwriting_unavailable", options);
    return "deferred";
  }
  if (!(await move(db, row, { state: "lifted", lastError: null, nextAttemptAt: null }, options.at))) return "lost";
  return wasPending ? "restored" : "closed";
}

/** Steps 2 to 4 for one policy's row, as far as `asOf` takes it. */
async function advance(db: DrizzleD1Database, env: DelinquencyEnv, start: PolicyDelinquencyRow, options: DelinquencyRunOptions): Promise<Step[]> {
  const steps: Step[] = [];
  let row = start;
  for (let i = 0; i < 3; i++) {
    const cured = await liftIfCured(db, env, row, options);
    if (cured) return [...steps, cured];
    if (row.state === "notifying") {
      const step = await notify(db, env, row, options);
      steps.push(step);
      if (step !== "pendingCancellation") return steps;
    } else if (row.state === "pending_cancellation") {
      if (row.cancelOn === null || row.cancelOn > options.asOf) return [...steps, "waiting"];
      return [...steps, await cancel(db, env, row, options)];
    } else return steps;
    const next = await db.select().from(policyDelinquency).where(and(eq(policyDelinquency.orgId, row.orgId), eq(policyDelinquency.policyId, row.policyId))).get();
    if (!next) return steps;
    row = next;
  }
  return steps;
}

/** Step 2: underwriting marks the policy, the insured is emailed, the row records both. */
async function notify(db: DrizzleD1Database, env: DelinquencyEnv, row: PolicyDelinquencyRow, options: DelinquencyRunOptions): Promise<Step> {
  const invoiceRow = await db.select().from(invoices).where(and(eq(invoices.orgId, row.orgId), eq(invoices.id, row.invoiceId))).get();
  const noticeDate = options.asOf;
  const request = { invoiceId: row.invoiceId, since: row.since, noticeDate, cancelOn: cancellationDate(noticeDate) };
  let marked;
  try {
    marked = await env.UNDERWRITING.markPendingCancellation(row.orgId, row.policyId, request);
  } catch {
    await defer(db, row, "underwriting_unavailable", options);
    return "deferred";
  }
  if (!marked.ok) {
    if (marked.error.code === "conflict") {
      await defer(db, row, marked.error.code, options);
      return "deferred";
    }
    const status = typeof marked.error.details?.status === "string" ? marked.error.details.status : null;
    await move(db, row, { state: "closed", closedReason: status ? `policy_${status}` : marked.error.code, lastError: marked.error.message, nextAttemptAt: null }, options.at);
    return "closed";
  }
  const pending = marked.value.pendingCancellation;
  let emailId: string | null = null;
  const recipient = marked.value.insuredEmail;
  if (recipient) {
    const issuer = await env.IDENTITY.orgName(row.orgId).catch(() => null);
    const amountDue = invoiceRow ? fromCents(amountDueOf(toLedgerInvoice(invoiceRow))) : 0;
    const email = noticeEmail(marked.value.policyNumber, marked.value.insuredName, { number: invoiceRow?.number ?? row.invoiceId, dueDate: invoiceRow?.dueDate ?? row.since, amountDue }, pending.cancelOn, issuer);
    try {
      const queued = await env.IDENTITY.queueEmail({ orgId: row.orgId, to: recipient, kind: "pending_cancellation_notice", ...email });
      if (!queued.ok) {
        await defer(db, row, `email_${queued.error.code}`, options);
        return "deferred";
      }
      emailId = queued.value.id;
    } catch {
      await defer(db, row, "identity_unavailable", options);
      return "deferred";
    }
  } else {
    console.error(JSON.stringify({ level: "warn", message: "pending cancellation without an insured email: no notice emailed", policyId: row.policyId }));
  }
  const moved = await move(
    db,
    row,
    { state: "pending_cancellation", noticeDate: pending.noticeDate, cancelOn: pending.cancelOn, noticeEmailId: emailId, noticeRecipient: recipient, attempts: 0, lastError: null, nextAttemptAt: null },
    options.at,
  );
  return moved ? "pendingCancellation" : "lost";
}

/** Step 3: the pro-rata cancellation for non-payment as of the recorded date. */
async function cancel(db: DrizzleD1Database, env: DelinquencyEnv, row: PolicyDelinquencyRow, options: DelinquencyRunOptions): Promise<Step> {
  let cancelled;
  try {
    cancelled = await env.UNDERWRITING.cancelForNonPayment(row.orgId, row.policyId, {
      effectiveDate: row.cancelOn!,
      invoiceId: row.invoiceId,
      ...(options.clockOffsetMs === undefined ? {} : { clockOffsetMs: options.clockOffsetMs }),
    });
  } catch {
    await defer(db, row, "underwriting_unavailable", options);
    return "deferred";
  }
  if (!cancelled.ok) {
    if (cancelled.error.code === "conflict") {
      await defer(db, row, cancelled.error.code, options);
      return "deferred";
    }
    const status = typeof cancelled.error.details?.status === "string" ? cancelled.error.details.status : null;
    await move(db, row, { state: "closed", closedReason: status ? `policy_${status}` : cancelled.error.code, lastError: cancelled.error.message, nextAttemptAt: null }, options.at);
    return "closed";
  }
  const moved = await move(db, row, { state: "cancelled", cancellationTransactionId: cancelled.value.transactionId, lastError: null, nextAttemptAt: null }, options.at);
  return moved ? "cancelled" : "lost";
}

/** The policies with an open delinquency to move (one org, or all), their backoff honoured unless told otherwise. */
async function openRows(db: DrizzleD1Database, options: DelinquencyRunOptions, policyId?: string): Promise<PolicyDelinquencyRow[]> {
  const conditions: (SQL | undefined)[] = [inArray(policyDelinquency.state, ["notifying", "pending_cancellation"])];
  if (options.orgId) conditions.push(eq(policyDelinquency.orgId, options.orgId));
  if (policyId) conditions.push(eq(policyDelinquency.policyId, policyId));
  if (!options.ignoreBackoff) {
    const real = (options.realNow?.() ?? new Date()).toISOString();
    conditions.push(or(isNull(policyDelinquency.nextAttemptAt), lte(policyDelinquency.nextAttemptAt, real)));
  }
  return db.select().from(policyDelinquency).where(and(...conditions)).orderBy(policyDelinquency.createdAt).limit(PASS_BATCH).all();
}

/** One pass of the job as of `options.asOf` (see the module comment). */
export async function runDelinquency(db: DrizzleD1Database, env: DelinquencyEnv, options: DelinquencyRunOptions): Promise<DelinquencyRunResult> {
  const result: DelinquencyRunResult = { asOf: options.asOf, overdue: 0, pendingCancellation: 0, cancelled: 0, restored: 0, deferred: 0, complete: true };
  const flagged = await flagOverdue(db, options);
  result.overdue = flagged.flagged;
  if (flagged.full) result.complete = false;
  const rows = await openRows(db, options);
  if (rows.length === PASS_BATCH) result.complete = false;
  for (const row of rows) {
    for (const step of await advance(db, env, row, options)) {
      if (step === "restored" || step === "pendingCancellation" || step === "cancelled" || step === "deferred") result[step]++;
      if (step === "deferred") result.complete = false;
    }
  }
  // A row waiting out a backoff is today's work too: the pass is not done until it has been retried.
  if (result.complete && !options.ignoreBackoff) {
    const waiting = await db
      .select({ policyId: policyDelinquency.policyId })
      .from(policyDelinquency)
      .where(and(inArray(policyDelinquency.state, ["notifying", "pending_cancellation"]), isNotNull(policyDelinquency.nextAttemptAt), options.orgId ? eq(policyDelinquency.orgId, options.orgId) : undefined))
      .limit(1)
      .get();
    if (waiting) result.complete = false;
  }
  return result;
}

/**
 * Step 4 alone, for the policies with a delinquency open (one org or policy, or all): after a
 * payment, and on every cron tick. It reads no clock. Returns how many were restored.
 */
export async function liftPaid(db: DrizzleD1Database, env: DelinquencyEnv, scope: { orgId?: string; policyId?: string }, at: string): Promise<number> {
  const cured = await db.all<{ org_id: string; policy_id: string }>(sql`
    SELECT d.org_id, d.policy_id FROM policy_delinquency d
    WHERE d.state IN ('notifying', 'pending_cancellation') ${scope.orgId ? sql`AND d.org_id = ${scope.orgId}` : sql``} ${scope.policyId ? sql`AND d.policy_id = ${scope.policyId}` : sql``}
      AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.org_id = d.org_id AND i.policy_id = d.policy_id AND i.status = 'open' AND i.overdue_notified_at IS NOT NULL)
    LIMIT ${PASS_BATCH}`);
  let restored = 0;
  for (const c of cured) {
    const row = await db.select().from(policyDelinquency).where(and(eq(policyDelinquency.orgId, c.org_id), eq(policyDelinquency.policyId, c.policy_id))).get();
    if (!row || (row.state !== "notifying" && row.state !== "pending_cancellation")) continue;
    if ((await liftIfCured(db, env, row, { asOf: at.slice(0, 10), at, ignoreBackoff: true })) === "restored") restored++;
  }
  return restored;
}
