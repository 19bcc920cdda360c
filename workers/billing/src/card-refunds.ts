/**
 * Refunds of card money go back through Stripe's refunds API. The ledger decides every refund (a
 * manual `refund`, the return premium of an endorsement or cancellation, an overpayment) as a
 * refund entry in its own batch; this module then plans, for each refund entry on an invoice paid
 * by card, which PaymentIntents it draws on (the newest card payment first, never more than a
 * PaymentIntent has left; the rest was paid by hand and is refunded by hand), writes that plan as
 * `card_refunds` rows, and only then asks Stripe, with the row id as the idempotency key. So a
 * refund reaches Stripe exactly once: a crash or an outage leaves the row `pending`, and the next
 * sweep (after the refund, after each queue batch, and every minute from the cron) sends it again
 * under the same key. A refund asked by hand is the exception ({@link sendBeforeRecording}): it is
 * sent first, so its caller learns of an outage.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { realClock } from "#shared/clock";
import { fail, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { BillingEnv } from "./env.ts";
import { attempt as call, stripeOf } from "./stripe.ts";
import { cardPayments, cardRefunds, invoiceEntries, type CardRefundRow } from "./schema.ts";

const BATCH = 25;

/** A refund row's id: `rfd_` like the refund entries (it is the card part of one). */
const rowId = () => newId("rfd");

/** One PaymentIntent a refund draws on, and how much of it. */
export interface CardPart {
  paymentIntentId: string;
  amountCents: number;
}

/**
 * How a refund of `amountCents` on `invoiceId` draws on its card payments as they stand: the newest
 * card payment first, never more than a PaymentIntent has left (what refunds not `failed` already
 * took); `manualCents` is the rest, paid by hand and refunded by hand.
 */
export async function cardPartsOf(db: DrizzleD1Database, invoiceId: string, amountCents: number): Promise<{ parts: CardPart[]; manualCents: number }> {
  const paid = await db.select().from(cardPayments).where(eq(cardPayments.invoiceId, invoiceId)).orderBy(asc(cardPayments.recordedAt)).all();
  const drawn = paid.length
    ? await db
        .select({ pi: cardRefunds.paymentIntentId, cents: sql<number>`SUM(${cardRefunds.amountCents})` })
        .from(cardRefunds)
        .where(and(inArray(cardRefunds.paymentIntentId, paid.map((p) => p.paymentIntentId)), sql`${cardRefunds.status} <> 'failed'`))
        .groupBy(cardRefunds.paymentIntentId)
        .all()
    : [];
  const used = new Map(drawn.map((d) => [d.pi, Number(d.cents)]));
  let left = amountCents;
  const parts: CardPart[] = [];
  for (const p of [...paid].reverse()) {
    if (left === 0) break;
    const take = Math.min(left, p.amountCents - (used.get(p.paymentIntentId) ?? 0));
    if (take <= 0) continue;
    parts.push({ paymentIntentId: p.paymentIntentId, amountCents: take });
    left -= take;
  }
  return { parts, manualCents: left };
}

/** Plan the card part of refund entries that have none yet (of one invoice, or any). */
async function plan(db: DrizzleD1Database, invoiceId?: string): Promise<void> {
  const entries = await db
    .select()
    .from(invoiceEntries)
    .where(
      and(
        eq(invoiceEntries.type, "refund"),
        invoiceId === undefined ? undefined : eq(invoiceEntries.invoiceId, invoiceId),
        sql`EXISTS (SELECT 1 FROM card_payments c WHERE c.invoice_id = ${invoiceEntries.invoiceId})`,
        sql`NOT EXISTS (SELECT 1 FROM card_refunds r WHERE r.refund_entry_id = ${invoiceEntries.id})`,
      ),
    )
    .orderBy(asc(invoiceEntries.createdAt), asc(invoiceEntries.id))
    .limit(BATCH)
    .all();
  for (const entry of entries) {
    const { parts, manualCents } = await cardPartsOf(db, entry.invoiceId, entry.amountCents);
    const at = realClock.now().toISOString();
    const rows: (typeof cardRefunds.$inferInsert)[] = parts.map((p) => ({ id: rowId(), orgId: entry.orgId, invoiceId: entry.invoiceId, refundEntryId: entry.id, paymentIntentId: p.paymentIntentId, amountCents: p.amountCents, status: "pending", attempts: 0, createdAt: at, updatedAt: at }));
    if (manualCents > 0 || rows.length === 0) {
      rows.push({ id: rowId(), orgId: entry.orgId, invoiceId: entry.invoiceId, refundEntryId: entry.id, paymentIntentId: null, amountCents: manualCents, status: "manual", attempts: 0, createdAt: at, updatedAt: at });
    }
    await db.insert(cardRefunds).values(rows).onConflictDoNothing().run();
  }
}

/** A card part Stripe accepted. */
export interface SentCardPart extends CardPart {
  stripeRefundId: string;
}

/**
 * A refund asked by hand (`POST /v1/invoices/:id/refund`) of card money reaches Stripe before
 * anything is written, so the caller can be answered: an outage is 502
 * `payment_provider_unavailable` with the invoice as it was. Each part's idempotency key is derived
 * from the invoice, its refund number `refundNo` (the refunds it already holds + 1: it moves only
 * once a refund is recorded), the PaymentIntent and the amount, so a retry after an outage, or
 * after an answer that was lost, asks Stripe under the same keys and money goes back once.
 */
export async function sendBeforeRecording(env: BillingEnv, invoice: { id: string; orgId: string }, refundNo: number, parts: CardPart[]): Promise<Result<SentCardPart[]>> {
  const sent: SentCardPart[] = [];
  for (const part of parts) {
    const answered = await call(() =>
      stripeOf(env).refunds.create(
        { payment_intent: part.paymentIntentId, amount: part.amountCents, metadata: { orgId: invoice.orgId, invoiceId: invoice.id, refundNumber: String(refundNo) } },
        { idempotencyKey: `oi-rfd-${invoice.id}-${refundNo}-${part.paymentIntentId}-${part.amountCents}` },
      ),
    );
    if (!answered.ok) {
      const failure = answered.failure;
      if (failure.kind === "unavailable") return fail("payment_provider_unavailable", "The payment provider did not answer; nothing was refunded or recorded. Retry with the same Idempotency-Key", { provider: "stripe" });
      if (failure.kind === "conflict") return fail("conflict", "The payment provider is still working on this refund; retry shortly", { provider: "stripe" });
      return fail("business_rule_violation", `The payment provider refused the refund: ${failure.message}`, { provider: "stripe", providerCode: failure.code ?? null });
    }
    if (answered.value.status === "failed" || answered.value.status === "canceled") {
      return fail("business_rule_violation", `The payment provider refused the refund: ${answered.value.failure_reason ?? answered.value.status}`, { provider: "stripe", paymentIntentId: part.paymentIntentId });
    }
    sent.push({ ...part, stripeRefundId: answered.value.id });
  }
  return ok(sent);
}

/** Ask Stripe for one planned refund; an outage leaves it pending for the next sweep. */
async function send(env: BillingEnv, db: DrizzleD1Database, row: CardRefundRow): Promise<void> {
  const answered = await call(() =>
    stripeOf(env).refunds.create(
      { payment_intent: row.paymentIntentId!, amount: row.amountCents, metadata: { orgId: row.orgId, invoiceId: row.invoiceId, refundEntryId: row.refundEntryId } },
      { idempotencyKey: `oi-rfd-${row.id}` },
    ),
  );
  const at = realClock.now().toISOString();
  if (answered.ok) {
    const status = answered.value.status === "failed" || answered.value.status === "canceled" ? "failed" : "succeeded";
    await db.update(cardRefunds).set({ status, stripeRefundId: answered.value.id, attempts: row.attempts + 1, lastError: answered.value.failure_reason ?? null, updatedAt: at }).where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.status, "pending"))).run();
    if (status === "failed") console.error(`billing: Stripe refused refund ${row.id} of ${row.paymentIntentId}: ${answered.value.failure_reason}`);
    return;
  }
  const failure = answered.failure;
  const final = failure.kind === "rejected" || failure.kind === "card";
  await db
    .update(cardRefunds)
    .set({ status: final ? "failed" : "pending", attempts: row.attempts + 1, lastError: failure.message.slice(0, 500), updatedAt: at })
    .where(and(eq(cardRefunds.id, row.id), eq(cardRefunds.status, "pending")))
    .run();
  console.error(`billing: refund ${row.id} of ${row.paymentIntentId} to Stripe ${final ? "was refused" : "failed; retried by the next sweep"}: ${failure.message}`);
}

/**
 * Plan and send the card refunds not yet sent (of one invoice, or the oldest of any). Answers how
 * many were sent to Stripe.
 */
export async function syncCardRefunds(env: BillingEnv, db: DrizzleD1Database, scope: { invoiceId?: string } = {}): Promise<number> {
  await plan(db, scope.invoiceId);
  const pending = await db
    .select()
    .from(cardRefunds)
    .where(and(eq(cardRefunds.status, "pending"), scope.invoiceId === undefined ? undefined : eq(cardRefunds.invoiceId, scope.invoiceId)))
    .orderBy(asc(cardRefunds.updatedAt))
    .limit(BATCH)
    .all();
  for (const row of pending) await send(env, db, row);
  return pending.length;
}
