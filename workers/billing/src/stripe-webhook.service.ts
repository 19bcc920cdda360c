/**
 * Stripe's events (`POST /webhooks/stripe`, forwarded by the gateway with the raw body). Each is
 * verified first (`constructEventAsync`, the endpoint's secret, 300 s tolerance): unsigned,
 * mis-signed or stale is `validation_failed` and nothing is written. A verified event is handled
 * once by its id: its `stripe_events` row is inserted in the same batch as its effects, and that
 * row's primary key refuses the batch of a concurrent or later redelivery.
 *
 * Order does not matter. `succeeded` and `canceled` are final, so nothing arriving later moves a
 * PaymentIntent out of them; other changes apply only when the event is not older than the newest
 * applied (`last_event_created`); a refund is confirmed from the charge's cumulative
 * `amount_refunded`, so a stale `charge.refunded` changes nothing; and a charge event that arrives
 * before `payment_intent.succeeded` records the payment itself. An event of a PaymentIntent billing
 * does not know (and whose metadata names none of its invoices) is acknowledged and logged, never
 * refused, so Stripe does not retry it for days.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type Stripe from "stripe";
import { realClock } from "#shared/clock";
import { atomically, isUniqueViolation, type Statement } from "#shared/db";
import { fail, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents } from "#shared/money";
import { recordOutboxEvent } from "#shared/outbox";
import type { StripeWebhookAck } from "#shared/rpc";
import type { BillingEnv } from "./env.ts";
import { collectedOf, refund } from "./ledger.ts";
import { withLedger } from "./ledger.repo.ts";
import { findIntent, findInvoice, isFinal, orgClock, recordCardPayment, recordIntent, stateOf, updateIntent } from "./payments.service.ts";
import { cardPayments, cardRefunds, invoices, paymentIntents, stripeEvents, type PaymentIntentRow } from "./schema.ts";
import { verifiedEvent } from "./stripe.ts";

/** The reason of a refund made in Stripe itself (the dashboard), which billing learns of from `charge.refunded`. */
export const REFUNDED_IN_STRIPE = "refunded in Stripe";

type Outcome = "applied" | "stale" | "already_recorded" | "unknown_payment_intent" | "ignored";

const idOf = (ref: string | { id: string } | null | undefined): string | null => (ref == null ? null : typeof ref === "string" ? ref : ref.id);

/** The event's row: inserted with its effects; a second insert of the same id fails the whole batch. */
function eventRow(db: DrizzleD1Database, event: Stripe.Event, outcome: Outcome, orgId: string | null, paymentIntentId: string | null): Statement {
  return db.insert(stripeEvents).values({ id: event.id, type: event.type, orgId, paymentIntentId, created: event.created, outcome, receivedAt: realClock.now().toISOString() });
}

/** Write a batch that carries the event's row; false when the event was recorded meanwhile. */
async function commit(db: DrizzleD1Database, statements: Statement[]): Promise<boolean> {
  try {
    await atomically(db, statements);
    return true;
  } catch (err) {
    if (isUniqueViolation(err, "stripe_events.id")) return false;
    throw err;
  }
}

/**
 * A PaymentIntent billing has no row for, but whose metadata names an invoice of the org it names
 * (it was created while billing's own call timed out): recorded now, so its money is not lost.
 */
async function adopt(db: DrizzleD1Database, pi: Stripe.PaymentIntent): Promise<PaymentIntentRow | null> {
  const { invoiceId, orgId, attempt } = pi.metadata ?? {};
  if (!invoiceId || !orgId) return null;
  const invoice = await findInvoice(db, orgId, invoiceId);
  if (!invoice) return null;
  return recordIntent(db, invoice, Number(attempt) || 1, idOf(pi.customer), pi, { withFailure: false });
}

async function unknown(db: DrizzleD1Database, event: Stripe.Event, piId: string | null): Promise<Outcome | null> {
  console.warn(JSON.stringify({ level: "warn", message: "Stripe event for a PaymentIntent billing does not know; acknowledged", eventId: event.id, type: event.type, paymentIntentId: piId }));
  return (await commit(db, [eventRow(db, event, "unknown_payment_intent", null, piId)])) ? "unknown_payment_intent" : null;
}

const recorded = async (db: DrizzleD1Database, piId: string) => (await db.select().from(cardPayments).where(eq(cardPayments.paymentIntentId, piId)).get()) !== undefined;

/** `payment_intent.*`: the PaymentIntent's new state, never out of a final one, never from an older event. */
async function onPaymentIntent(env: BillingEnv, db: DrizzleD1Database, event: Stripe.Event): Promise<Outcome | null> {
  const pi = event.data.object as Stripe.PaymentIntent;
  const row = (await findIntent(db, pi.id)) ?? (await adopt(db, pi));
  if (!row) return unknown(db, event, pi.id);
  const mark = (outcome: Outcome) => eventRow(db, event, outcome, row.orgId, row.id);
  if (event.type === "payment_intent.succeeded" || pi.status === "succeeded") {
    if (await recorded(db, row.id)) return (await commit(db, [mark("already_recorded")])) ? "already_recorded" : null;
    const done = await recordCardPayment(env, db, row, pi.amount_received || pi.amount, [mark("applied"), sql`UPDATE payment_intents SET last_event_created = MAX(last_event_created, ${event.created}) WHERE id = ${row.id}`]);
    return done ? "applied" : null;
  }
  if (isFinal(row.status) || event.created < row.lastEventCreated) return (await commit(db, [mark("stale")])) ? "stale" : null;
  const state = stateOf(pi);
  const changes: Partial<PaymentIntentRow> = { status: state.status, lastEventCreated: event.created, paymentMethod: state.paymentMethod ?? row.paymentMethod };
  const alongside: Statement[] = [mark("applied")];
  if (event.type === "payment_intent.payment_failed") {
    const at = realClock.now().toISOString();
    // On the org's clock, as the automatic retry three days later reads it.
    const failedAt = (await orgClock(env, row.orgId)).now().toISOString();
    Object.assign(changes, { failureCode: state.failureCode ?? "payment_failed", failureMessage: state.failureMessage, failedAt });
    alongside.push(
      recordOutboxEvent(db, row.orgId, "payment.failed", {
        paymentIntentId: row.id,
        invoiceId: row.invoiceId,
        policyId: row.policyId,
        attempt: row.attempt,
        amount: fromCents(row.amountCents),
        currency: CURRENCY,
        method: "card",
        failureCode: state.failureCode ?? "payment_failed",
        failureMessage: state.failureMessage,
      }, at),
    );
  }
  try {
    return (await updateIntent(db, row, changes, alongside)) ? "applied" : null;
  } catch (err) {
    if (isUniqueViolation(err, "stripe_events.id")) return null;
    throw err;
  }
}

/** The PaymentIntent a charge or dispute belongs to, with its payment recorded when the charge shows it paid. */
async function chargedIntent(env: BillingEnv, db: DrizzleD1Database, charge: Pick<Stripe.Charge, "payment_intent" | "paid" | "status" | "amount" | "amount_captured"> | null, piId: string | null) {
  const row = piId ? await findIntent(db, piId) : undefined;
  if (!row) return null;
  if (charge && charge.paid && charge.status === "succeeded" && !(await recorded(db, row.id))) {
    // The charge event came before payment_intent.succeeded: the money is taken, record it now.
    await recordCardPayment(env, db, row, charge.amount_captured || charge.amount);
  }
  return (await findIntent(db, row.id))!;
}

/**
 * `charge.refunded`: Stripe's cumulative `amount_refunded` confirms the refunds billing sent; more
 * than billing sent was refunded in Stripe itself, and is recorded on the invoice as a refund.
 */
async function onChargeRefunded(env: BillingEnv, db: DrizzleD1Database, event: Stripe.Event): Promise<Outcome | null> {
  const charge = event.data.object as Stripe.Charge;
  const row = await chargedIntent(env, db, charge, idOf(charge.payment_intent));
  if (!row) return unknown(db, event, idOf(charge.payment_intent));
  const at = realClock.now().toISOString();
  const sent = await db
    .select({ cents: sql<number>`COALESCE(SUM(${cardRefunds.amountCents}), 0)` })
    .from(cardRefunds)
    .where(and(eq(cardRefunds.paymentIntentId, row.id), inArray(cardRefunds.status, ["pending", "succeeded"])))
    .get();
  const outside = charge.amount_refunded - Number(sent?.cents ?? 0);
  const confirmSent = sql`UPDATE card_refunds SET confirmed_at = ${at}, updated_at = ${at} WHERE payment_intent_id = ${row.id} AND status = 'succeeded' AND confirmed_at IS NULL`;
  if (outside <= 0) return (await commit(db, [confirmSent, eventRow(db, event, "applied", row.orgId, row.id)])) ? "applied" : null;
  const invoice = await findInvoice(db, row.orgId, row.invoiceId);
  if (!invoice) throw new Error(`payment intent ${row.id} names invoice ${row.invoiceId}, which is not in ${row.orgId}`);
  const refundId = (charge.refunds?.data ?? []).map((r) => r.id).find(Boolean) ?? null;
  try {
    const written = await withLedger(db, { orgId: invoice.orgId, policyId: invoice.policyId, policyNumber: invoice.policyNumber }, () => at, ({ ledger, ctx }) => {
      const inv = ledger.invoices.find((i) => i.id === invoice.id)!;
      const amountCents = Math.min(outside, collectedOf(inv));
      const marks = [confirmSent, eventRow(db, event, "applied", row.orgId, row.id)];
      if (amountCents <= 0) return ok({ write: false as const, value: marks });
      refund(ledger, ctx, invoice.id, { amountCents, reason: REFUNDED_IN_STRIPE });
      const entry = ledger.entries[ledger.entries.length - 1]!;
      return ok({
        write: true as const,
        value: [] as Statement[],
        alongside: [
          db.insert(cardRefunds).values({ id: newId("rfd"), orgId: invoice.orgId, invoiceId: invoice.id, refundEntryId: entry.id, paymentIntentId: row.id, amountCents, status: "succeeded", stripeRefundId: refundId, attempts: 0, confirmedAt: at, createdAt: at, updatedAt: at }),
          ...marks,
        ],
      });
    });
    if (!written.ok) throw new Error(`recording a refund made in Stripe: ${written.error.code} ${written.error.message}`);
    if (written.value.length) return (await commit(db, written.value)) ? "applied" : null;
    return "applied";
  } catch (err) {
    if (isUniqueViolation(err, "stripe_events.id")) return null;
    throw err;
  }
}

/**
 * `charge.dispute.created`: recorded on the PaymentIntent, its invoice flagged (`disputedAt`, the
 * first dispute's time), and `payment.disputed` emitted, all in the batch of the event's row, so a
 * redelivery emits nothing twice.
 */
async function onDispute(env: BillingEnv, db: DrizzleD1Database, event: Stripe.Event): Promise<Outcome | null> {
  const dispute = event.data.object as Stripe.Dispute;
  const piId = idOf(dispute.payment_intent);
  const row = await chargedIntent(env, db, typeof dispute.charge === "object" ? dispute.charge : null, piId);
  if (!row) return unknown(db, event, piId);
  const at = realClock.now().toISOString();
  const ok_ = await commit(db, [
    db.update(paymentIntents).set({ disputedAt: at, disputeId: dispute.id, updatedAt: at }).where(eq(paymentIntents.id, row.id)),
    db.update(invoices).set({ disputedAt: at }).where(and(eq(invoices.id, row.invoiceId), sql`${invoices.disputedAt} IS NULL`)),
    eventRow(db, event, "applied", row.orgId, row.id),
    recordOutboxEvent(db, row.orgId, "payment.disputed", {
      paymentIntentId: row.id,
      disputeId: dispute.id,
      invoiceId: row.invoiceId,
      policyId: row.policyId,
      amount: fromCents(typeof dispute.amount === "number" ? dispute.amount : row.amountCents),
      currency: CURRENCY,
      reason: dispute.reason ?? null,
      status: dispute.status ?? null,
      disputedAt: at,
    }, at),
  ]);
  if (ok_) console.warn(JSON.stringify({ level: "warn", message: "card payment disputed", paymentIntentId: row.id, invoiceId: row.invoiceId, disputeId: dispute.id, reason: dispute.reason }));
  return ok_ ? "applied" : null;
}

async function applyEvent(env: BillingEnv, db: DrizzleD1Database, event: Stripe.Event): Promise<Outcome | null> {
  switch (event.type) {
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
    case "payment_intent.canceled":
    case "payment_intent.processing":
      return onPaymentIntent(env, db, event);
    case "charge.refunded":
      return onChargeRefunded(env, db, event);
    case "charge.dispute.created":
      return onDispute(env, db, event);
    default:
      return (await commit(db, [eventRow(db, event, "ignored", null, null)])) ? "ignored" : null;
  }
}

/** Verify, deduplicate and apply one Stripe event. */
export async function receiveStripeEvent(env: BillingEnv, db: DrizzleD1Database, payload: string, signature: string | null): Promise<Result<StripeWebhookAck>> {
  const event = await verifiedEvent(env, payload, signature);
  if (!event) return fail("validation_failed", "The Stripe-Signature header does not verify this body (missing, mis-signed or older than 300 s)", { field: "Stripe-Signature", rule: "signature" });
  for (let i = 0; i < 5; i++) {
    const seen = await db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id)).get();
    if (seen) return ok({ received: true, eventId: event.id, duplicate: true, outcome: seen.outcome });
    const outcome = await applyEvent(env, db, event);
    if (outcome) return ok({ received: true, eventId: event.id, duplicate: false, outcome });
  }
  return fail("conflict", "The event kept racing with another delivery of it; Stripe will deliver it again", { eventId: event.id });
}
