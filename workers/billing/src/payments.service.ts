/**
 * Card payments of invoices through Stripe (DECISIONS.md, "Billing"): the PaymentIntent of an
 * invoice, a retry of a failed one (by hand, or once by the cron three days after the failure, on
 * the org's clock: a sandbox org's clock moves it, wall time alone does not), and
 * the one way a succeeded PaymentIntent becomes a payment on the invoice, whichever of the confirm's
 * answer or Stripe's events arrives first.
 *
 * Nothing is written before Stripe has answered: an outage (5xx, 429, a timeout) is
 * `payment_provider_unavailable` with the database as it was, and the next call asks Stripe again
 * with the same idempotency key (`oi-pi-{invoiceId}-{attempt}`: the attempt number only moves once a
 * PaymentIntent is recorded), so Stripe answers the PaymentIntent it may already have made.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type Stripe from "stripe";
import type { Principal } from "#shared/auth";
import { clockOf, offsetClock, realClock, sandboxClockEnabled, type Clock } from "#shared/clock";
import { sha256Hex } from "#shared/crypto";
import { atomically, guard, isGuardFailure, isUniqueViolation, type Statement } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import type { InvoicePaymentIntent, PaymentIntentInput } from "#shared/rpc";
import { autopayRetryEnabled } from "./autopay.ts";
import { receiveCardPayment } from "./card-ledger.ts";
import { syncCardRefunds } from "./card-refunds.ts";
import type { BillingEnv } from "./env.ts";
import { amountDueOf } from "./ledger.ts";
import { toLedgerInvoice, withLedger } from "./ledger.repo.ts";
import { attempt as call, stripeOf, type StripeFailure } from "./stripe.ts";
import { cardPayments, invoices, paymentIntents, stripeCustomers, type InvoiceRow, type PaymentIntentRow, type PaymentIntentStatus } from "./schema.ts";

/** Days after a card payment failed that the cron confirms it again, once. */
export const AUTOPAY_RETRY_DAYS = 3;
/** PaymentIntents the cron retries per run. */
const AUTOPAY_BATCH = 25;

const PAYMENT_METHOD = /^pm_[A-Za-z0-9_]{1,250}$/;
/** Statuses from which a PaymentIntent can still be confirmed. */
const CONFIRMABLE: ReadonlySet<PaymentIntentStatus> = new Set(["requires_payment_method", "requires_confirmation", "requires_action"]);
const FINAL: ReadonlySet<PaymentIntentStatus> = new Set(["succeeded", "canceled"]);

export const isFinal = (status: PaymentIntentStatus) => FINAL.has(status);

/** The API's answer for a PaymentIntent row. */
export function toPaymentIntent(row: PaymentIntentRow): InvoicePaymentIntent {
  return {
    paymentIntentId: row.id,
    clientSecret: row.clientSecret,
    status: row.status,
    invoiceId: row.invoiceId,
    attempt: row.attempt,
    amount: fromCents(row.amountCents),
    currency: CURRENCY,
    paymentMethod: row.paymentMethod,
    lastPaymentError: row.status === "requires_payment_method" && row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? "" } : null,
  };
}

/** The outage answer: 502, and nothing was written. */
function providerFailure(failure: StripeFailure, field = "paymentMethod"): Result<never> {
  switch (failure.kind) {
    case "unavailable":
      return fail("payment_provider_unavailable", "The payment provider did not answer; nothing was recorded. Retry with the same Idempotency-Key", { provider: "stripe" });
    case "conflict":
      return fail("conflict", "The payment provider is still working on this payment; retry shortly", { provider: "stripe" });
    case "rejected":
      if (failure.code === "resource_missing" || failure.code?.startsWith("payment_method")) return invalid(field, "payment_method", `The payment provider refused ${field}: ${failure.message}`);
      return fail("business_rule_violation", `The payment provider refused the request: ${failure.message}`, { provider: "stripe", providerCode: failure.code });
    case "card":
      return fail("business_rule_violation", failure.message, { provider: "stripe", providerCode: failure.code });
  }
}

export function findInvoice(db: DrizzleD1Database, orgId: string, id: string): Promise<InvoiceRow | undefined> {
  return db.select().from(invoices).where(and(eq(invoices.orgId, orgId), eq(invoices.id, id))).get();
}

export function findIntent(db: DrizzleD1Database, id: string): Promise<PaymentIntentRow | undefined> {
  return db.select().from(paymentIntents).where(eq(paymentIntents.id, id)).get();
}

/** The invoice's PaymentIntents, newest attempt first. */
function intentsOf(db: DrizzleD1Database, orgId: string, invoiceId: string): Promise<PaymentIntentRow[]> {
  return db.select().from(paymentIntents).where(and(eq(paymentIntents.orgId, orgId), eq(paymentIntents.invoiceId, invoiceId))).orderBy(desc(paymentIntents.attempt)).all();
}

/** What a PaymentIntent object says, as the row keeps it. */
export function stateOf(pi: Stripe.PaymentIntent) {
  const error = pi.last_payment_error ?? null;
  const method = typeof pi.payment_method === "string" ? pi.payment_method : (pi.payment_method?.id ?? null);
  const failedWith = error?.payment_method?.id ?? null;
  const failed = pi.status === "requires_payment_method" && error !== null;
  return {
    status: pi.status as PaymentIntentStatus,
    paymentMethod: method ?? failedWith,
    failureCode: failed ? (error.code ?? error.decline_code ?? "card_declined") : null,
    failureMessage: failed ? (error.message ?? null) : null,
  };
}

function validPaymentMethod(input: PaymentIntentInput | undefined): Result<string | undefined> {
  const pm = input?.paymentMethod;
  if (pm === undefined) return ok(undefined);
  if (typeof pm !== "string" || !PAYMENT_METHOD.test(pm)) return invalid("paymentMethod", "format", "paymentMethod must be a Stripe PaymentMethod id (pm_…)");
  return ok(pm);
}

/** The invoice if it can take a card payment now: open with something due. */
async function payableInvoice(db: DrizzleD1Database, orgId: string, id: string): Promise<Result<{ row: InvoiceRow; dueCents: number }>> {
  const row = await findInvoice(db, orgId, id);
  if (!row) return notFound("Invoice");
  const dueCents = amountDueOf(toLedgerInvoice(row));
  if (row.status !== "open") return fail("invalid_state_transition", `A ${row.status} invoice cannot take a payment`, { status: row.status });
  if (dueCents <= 0) return fail("invalid_state_transition", "Nothing is due on this invoice", { status: row.status, amountDue: 0 });
  return ok({ row, dueCents });
}

const normalName = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * The Stripe customer of the invoice's insured: one per org and insured key (the insured's email
 * when billing knows one; billing knows the named insured, so `name:` + it, normalized), created
 * once (its idempotency key is derived from the org and the key).
 */
async function customerFor(env: BillingEnv, db: DrizzleD1Database, invoice: InvoiceRow): Promise<Result<string>> {
  const facts = await env.UNDERWRITING.billingFacts(invoice.orgId, invoice.policyId);
  const name = facts.ok ? facts.value.insuredName : invoice.policyNumber;
  const insuredKey = `name:${normalName(name)}`;
  const where = and(eq(stripeCustomers.orgId, invoice.orgId), eq(stripeCustomers.insuredKey, insuredKey));
  const known = await db.select().from(stripeCustomers).where(where).get();
  if (known) return ok(known.customerId);
  const idempotencyKey = `oi-cus-${invoice.orgId}-${(await sha256Hex(insuredKey)).slice(0, 32)}`;
  const created = await call(() => stripeOf(env).customers.create({ name, metadata: { orgId: invoice.orgId, insuredKey: insuredKey.slice(0, 500) } }, { idempotencyKey }));
  if (!created.ok) return providerFailure(created.failure);
  await db
    .insert(stripeCustomers)
    .values({ orgId: invoice.orgId, insuredKey, customerId: created.value.id, name, email: null, createdAt: realClock.now().toISOString() })
    .onConflictDoNothing()
    .run();
  return ok((await db.select().from(stripeCustomers).where(where).get())!.customerId);
}

/**
 * The row of a PaymentIntent Stripe answered, recorded once (a webhook may have adopted it first, or
 * billing's own call may). `withFailure: false` leaves a failure for the event that reports it to record.
 */
export async function recordIntent(
  db: DrizzleD1Database,
  invoice: InvoiceRow,
  attemptNo: number,
  customerId: string | null,
  pi: Stripe.PaymentIntent,
  { withFailure = true, clock = realClock }: { withFailure?: boolean; clock?: Clock } = {},
): Promise<PaymentIntentRow> {
  const at = realClock.now().toISOString();
  const state = stateOf(pi);
  const failed = withFailure && state.failureCode !== null;
  const failedAt = clock.now().toISOString();
  await db
    .insert(paymentIntents)
    .values({
      id: pi.id,
      orgId: invoice.orgId,
      invoiceId: invoice.id,
      policyId: invoice.policyId,
      attempt: attemptNo,
      customerId,
      amountCents: pi.amount,
      currency: pi.currency.toUpperCase(),
      status: state.status === "succeeded" ? "processing" : state.status,
      clientSecret: pi.client_secret ?? "",
      paymentMethod: state.paymentMethod,
      failureCode: failed ? state.failureCode : null,
      failureMessage: failed ? state.failureMessage : null,
      failedAt: failed ? failedAt : null,
      confirmations: 0,
      autoRetriedAt: null,
      lastEventCreated: 0,
      paymentEntryId: null,
      disputedAt: null,
      disputeId: null,
      version: 1,
      createdAt: at,
      updatedAt: at,
    })
    .onConflictDoNothing()
    .run();
  return (await findIntent(db, pi.id))!;
}

/** A change of one PaymentIntent row decided on version `row.version`; false when a concurrent write moved it first. */
export async function updateIntent(db: DrizzleD1Database, row: PaymentIntentRow, changes: Partial<PaymentIntentRow>, alongside: Statement[] = []): Promise<boolean> {
  const at = realClock.now().toISOString();
  try {
    await atomically(db, [
      guard("payment_intent_version", sql`EXISTS (SELECT 1 FROM payment_intents WHERE id = ${row.id} AND version = ${row.version})`),
      db.update(paymentIntents).set({ ...changes, version: row.version + 1, updatedAt: at }).where(eq(paymentIntents.id, row.id)),
      ...alongside,
    ]);
    return true;
  } catch (err) {
    if (isGuardFailure(err)) return false;
    throw err;
  }
}

/**
 * Record a succeeded PaymentIntent as a card payment on its invoice, once: the `card_payments`
 * row's primary key refuses a second recording, whichever path (the confirm's answer, the
 * `payment_intent.succeeded` event, a charge event arriving first) gets there second. `alongside`
 * (the Stripe event's row) commits with it. Answers false when it was already recorded (and then
 * `alongside` is not written).
 */
export async function recordCardPayment(env: BillingEnv, db: DrizzleD1Database, intent: PaymentIntentRow, amountCents: number, alongside: Statement[] = []): Promise<boolean> {
  const invoice = await findInvoice(db, intent.orgId, intent.invoiceId);
  if (!invoice) throw new Error(`payment intent ${intent.id} names invoice ${intent.invoiceId}, which is not in ${intent.orgId}`);
  const at = realClock.now().toISOString();
  try {
    const written = await withLedger(db, { orgId: invoice.orgId, policyId: invoice.policyId, policyNumber: invoice.policyNumber }, () => at, ({ ledger, ctx }) => {
      const outcome = receiveCardPayment(ledger, ctx, invoice.id, { amountCents, paymentIntentId: intent.id, receivedAt: at });
      return ok({
        write: true as const,
        value: outcome,
        alongside: [
          db.insert(cardPayments).values({ paymentIntentId: intent.id, orgId: invoice.orgId, invoiceId: invoice.id, paymentEntryId: outcome.paymentId, amountCents, recordedAt: at }),
          sql`UPDATE payment_intents SET status = 'succeeded', payment_entry_id = ${outcome.paymentId}, version = version + 1, updated_at = ${at} WHERE id = ${intent.id}`,
          ...alongside,
        ],
      });
    });
    if (!written.ok) throw new Error(`recording card payment ${intent.id}: ${written.error.code} ${written.error.message}`);
    if (written.value.excessCents > 0) await syncCardRefunds(env, db, { invoiceId: invoice.id });
    return true;
  } catch (err) {
    // Recorded meanwhile, or (with `alongside`) its Stripe event was.
    if (isUniqueViolation(err, "card_payments.payment_intent_id") || isUniqueViolation(err, "stripe_events.id")) return false;
    throw err;
  }
}

/**
 * Bring a row up to what a confirm (or create) answered: a success is recorded as a payment, a
 * failure kept with its code for `retry`. Final rows are left as they are.
 */
async function applyAnswer(env: BillingEnv, db: DrizzleD1Database, row: PaymentIntentRow, pi: Stripe.PaymentIntent, clock: Clock, changes: Partial<PaymentIntentRow> = {}): Promise<PaymentIntentRow> {
  for (let i = 0; i < 5; i++) {
    const current = (await findIntent(db, row.id))!;
    if (pi.status === "succeeded") {
      if (Object.keys(changes).length) await updateIntent(db, current, changes);
      await recordCardPayment(env, db, current, pi.amount_received || pi.amount);
      break;
    }
    if (isFinal(current.status)) break;
    const state = stateOf(pi);
    const at = clock.now().toISOString();
    const done = await updateIntent(db, current, {
      ...changes,
      status: state.status,
      paymentMethod: state.paymentMethod ?? current.paymentMethod,
      ...(state.failureCode ? { failureCode: state.failureCode, failureMessage: state.failureMessage, failedAt: at } : {}),
    });
    if (done) break;
  }
  return (await findIntent(db, row.id))!;
}

/** Confirm a recorded PaymentIntent (again) with `paymentMethod`: confirmation n + 1 is its idempotency key. */
async function confirm(env: BillingEnv, db: DrizzleD1Database, row: PaymentIntentRow, paymentMethod: string, clock: Clock, extra: Partial<PaymentIntentRow> = {}): Promise<Result<InvoicePaymentIntent>> {
  const n = row.confirmations + 1;
  const answered = await call(() => stripeOf(env).paymentIntents.confirm(row.id, { payment_method: paymentMethod }, { idempotencyKey: `oi-pi-${row.id}-confirm-${n}` }));
  let pi: Stripe.PaymentIntent;
  if (answered.ok) pi = answered.value;
  else if (answered.failure.kind === "card" && answered.failure.paymentIntent) pi = answered.failure.paymentIntent;
  else return providerFailure(answered.failure);
  const updated = await applyAnswer(env, db, row, pi, clock, { confirmations: n, paymentMethod, ...extra });
  return ok(toPaymentIntent(updated));
}

/**
 * `POST /v1/invoices/:id/payment-intent`: the invoice's open PaymentIntent when it still asks the
 * amount due (confirmed with `paymentMethod` when one is given), else a new one for the amount due,
 * in cents, with metadata `invoiceId`, `orgId`, `policyId`, `attempt`.
 */
export async function createPaymentIntent(env: BillingEnv, db: DrizzleD1Database, principal: Principal, invoiceId: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>> {
  const pm = validPaymentMethod(input);
  if (!pm.ok) return pm;
  const payable = await payableInvoice(db, principal.orgId, invoiceId);
  if (!payable.ok) return payable;
  const { row: invoice, dueCents } = payable.value;
  const intents = await intentsOf(db, principal.orgId, invoiceId);
  const busy = intents.find((i) => i.status === "processing" || i.status === "requires_capture" || (i.status === "succeeded" && i.paymentEntryId === null));
  if (busy) return fail("invalid_state_transition", "A card payment of this invoice is already being processed", { paymentIntentId: busy.id, status: busy.status });
  const latest = intents[0];
  if (latest && CONFIRMABLE.has(latest.status) && latest.amountCents === dueCents) {
    if (pm.value === undefined) return ok(toPaymentIntent(latest));
    return confirm(env, db, latest, pm.value, clockOf(principal));
  }
  const stripe = stripeOf(env);
  if (latest && CONFIRMABLE.has(latest.status)) {
    // The amount due changed since (a manual payment, a credit): the old PaymentIntent can no longer be paid.
    const canceled = await call(() => stripe.paymentIntents.cancel(latest.id, {}, { idempotencyKey: `oi-pi-${latest.id}-cancel` }));
    if (!canceled.ok && canceled.failure.kind !== "rejected") return providerFailure(canceled.failure);
    await updateIntent(db, latest, { status: "canceled" });
  }
  const customer = await customerFor(env, db, invoice);
  if (!customer.ok) return customer;
  const attemptNo = (latest?.attempt ?? 0) + 1;
  const created = await call(() =>
    stripe.paymentIntents.create(
      {
        amount: dueCents,
        currency: CURRENCY.toLowerCase(),
        customer: customer.value,
        description: `Invoice ${invoice.number} (${invoice.policyNumber})`,
        // Cards confirmed server-side: no redirect-based method may be offered.
        automatic_payment_methods: { enabled: true, allow_redirects: "never" },
        metadata: { invoiceId: invoice.id, orgId: invoice.orgId, policyId: invoice.policyId, invoiceNumber: invoice.number, attempt: String(attemptNo) },
        ...(pm.value === undefined ? {} : { payment_method: pm.value, confirm: true }),
      },
      { idempotencyKey: `oi-pi-${invoice.id}-${attemptNo}` },
    ),
  );
  let pi: Stripe.PaymentIntent;
  if (created.ok) pi = created.value;
  else if (created.failure.kind === "card" && created.failure.paymentIntent) pi = created.failure.paymentIntent;
  else return providerFailure(created.failure);
  const clock = clockOf(principal);
  const row = await recordIntent(db, invoice, attemptNo, customer.value, pi, { clock });
  const updated = await applyAnswer(env, db, row, pi, clock, pm.value === undefined ? {} : { paymentMethod: pm.value });
  return ok(toPaymentIntent(updated));
}

/**
 * `POST /v1/invoices/:id/retry`: confirm the invoice's failed PaymentIntent again, with the payment
 * method it last failed with or `paymentMethod`. Nothing failed (or it no longer asks the amount due) is 422.
 */
export async function retryPayment(env: BillingEnv, db: DrizzleD1Database, principal: Principal, invoiceId: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>> {
  const pm = validPaymentMethod(input);
  if (!pm.ok) return pm;
  const payable = await payableInvoice(db, principal.orgId, invoiceId);
  if (!payable.ok) return payable;
  const latest = (await intentsOf(db, principal.orgId, invoiceId))[0];
  if (!latest || latest.status !== "requires_payment_method" || latest.failureCode === null) {
    return fail("invalid_state_transition", "This invoice has no failed card payment to retry", { status: latest?.status ?? null });
  }
  if (latest.amountCents !== payable.value.dueCents) {
    return fail("business_rule_violation", "The amount due changed since the card payment failed: create a new payment intent", { amountDue: fromCents(payable.value.dueCents), paymentIntentAmount: fromCents(latest.amountCents) });
  }
  const method = pm.value ?? latest.paymentMethod;
  if (!method) return fail("business_rule_violation", "No payment method is saved for this payment: send paymentMethod", { field: "paymentMethod", rule: "required" });
  return confirm(env, db, latest, method, clockOf(principal));
}

/**
 * The org's clock where no principal carries it (Stripe's events, the cron): in development its
 * sandbox clock, read from identity; real time in production, or when identity cannot say (the
 * event is recorded all the same, and a sandbox's retry then runs on real time).
 */
export async function orgClock(env: Pick<BillingEnv, "ENVIRONMENT" | "IDENTITY">, orgId: string): Promise<Clock> {
  if (!sandboxClockEnabled(env.ENVIRONMENT)) return realClock;
  try {
    const offset = await env.IDENTITY.clockOffsetOf(orgId);
    return Number.isFinite(offset) && offset !== 0 ? offsetClock(offset) : realClock;
  } catch (error) {
    console.warn(JSON.stringify({ level: "warn", message: "the org's sandbox clock could not be read; real time used", orgId, error: String(error) }));
    return realClock;
  }
}

/** The failed PaymentIntents (of one org, or any) whose failure is {@link AUTOPAY_RETRY_DAYS} days old at `now` and not yet retried by the cron. */
function dueForRetry(db: DrizzleD1Database, now: Date, orgId: string | null): Promise<PaymentIntentRow[]> {
  const cutoff = new Date(now.getTime() - AUTOPAY_RETRY_DAYS * 86_400_000).toISOString();
  return db
    .select()
    .from(paymentIntents)
    .where(
      and(
        eq(paymentIntents.status, "requires_payment_method"),
        orgId === null ? undefined : eq(paymentIntents.orgId, orgId),
        sql`${paymentIntents.failedAt} IS NOT NULL AND ${paymentIntents.failedAt} <= ${cutoff} AND ${paymentIntents.autoRetriedAt} IS NULL`,
      ),
    )
    .limit(AUTOPAY_BATCH)
    .all();
}

/**
 * The cron's automatic retry: each failed PaymentIntent whose failure is {@link AUTOPAY_RETRY_DAYS}
 * days old and was never retried by the cron is confirmed once more with its saved payment method,
 * if the org has the retry on and the invoice still asks its amount. An outage leaves it for the
 * next run. Both ends are on the org's clock: `failedAt` is stamped on it, and `now` (the cron's
 * real instant) is read on it, so in development moving an org's sandbox clock three days ahead
 * brings its retry, and waiting three real days does not while its clock stands elsewhere.
 * Answers how many it confirmed.
 */
export async function autoRetryFailedPayments(env: BillingEnv, db: DrizzleD1Database, now: Date = realClock.now()): Promise<number> {
  // Each org's run: the cron's instant on the org's clock, and that clock for what the retry stamps.
  const runs: { orgNow: Date; rows: PaymentIntentRow[] }[] = [];
  if (!sandboxClockEnabled(env.ENVIRONMENT)) {
    runs.push({ orgNow: now, rows: await dueForRetry(db, now, null) });
  } else {
    // Every org with a failure still waiting (not a batch of them: an org not yet due must not keep
    // another that is out of the run); each org's due rows are then read in batches of AUTOPAY_BATCH.
    const orgs = await db.all<{ org_id: string }>(sql`
      SELECT DISTINCT org_id FROM payment_intents
      WHERE status = 'requires_payment_method' AND failed_at IS NOT NULL AND auto_retried_at IS NULL`);
    for (const { org_id } of orgs) {
      const offset = (await orgClock(env, org_id)).now().getTime() - Date.now();
      const orgNow = new Date(now.getTime() + offset);
      runs.push({ orgNow, rows: await dueForRetry(db, orgNow, org_id) });
    }
  }
  let confirmed = 0;
  for (const { orgNow, rows } of runs) {
    const clock = offsetClock(orgNow.getTime() - Date.now());
    for (const row of rows) {
      if (!(await autopayRetryEnabled(env, row.orgId))) continue;
      const at = orgNow.toISOString();
      const invoice = await findInvoice(db, row.orgId, row.invoiceId);
      const dueCents = invoice ? amountDueOf(toLedgerInvoice(invoice)) : 0;
      const latest = (await intentsOf(db, row.orgId, row.invoiceId))[0];
      if (!invoice || invoice.status !== "open" || dueCents !== row.amountCents || latest?.id !== row.id || !row.paymentMethod) {
        // Nothing to retry any more: never look at it again.
        await updateIntent(db, row, { autoRetriedAt: at });
        continue;
      }
      const result = await confirm(env, db, row, row.paymentMethod, clock, { autoRetriedAt: at });
      if (result.ok) confirmed++;
      else console.error(`billing: automatic retry of ${row.id} failed: ${result.error.code} ${result.error.message}`);
    }
  }
  return confirmed;
}
