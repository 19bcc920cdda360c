/**
 * The billing worker: invoices that follow each policy's money. It learns of binds, endorsements,
 * cancellations and reinstatements from the domain events on its own queue (queue.consumer.ts) and
 * invoices them from underwriting's `billingFacts`; the gateway reaches {@link BillingService} over a
 * service binding for reads and the manual payment, void and refund. Every method is confined to
 * `principal.orgId`. Its own events (`invoice.created`, `invoice.voided`, `payment.received`,
 * `payment.refunded`, `payment.disputed`, …) leave through its outbox.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Principal } from "#shared/auth";
import { clockOf, MAX_CLOCK_OFFSET_MS } from "#shared/clock";
import { isValidDate } from "#shared/dates";
import { isDevelopment } from "#shared/environment";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { eventQueues, relayOutbox } from "#shared/outbox";
import type { Page } from "#shared/pagination";
import type {
  BillingInvoice,
  BillingRpc,
  BillingSettingsView,
  DelinquencyRunView,
  InvoicePaymentIntent,
  ListInvoicesQuery,
  PayInvoiceInput,
  PaymentIntentInput,
  RefundInvoiceInput,
  RunDelinquencyInput,
  StripeWebhookAck,
  UpdateBillingSettingsInput,
} from "#shared/rpc";
import { syncCardRefunds } from "./card-refunds.ts";
import { database } from "./database.ts";
import type { BillingEnv } from "./env.ts";
import * as invoices from "./invoices.service.ts";
import { autoRetryFailedPayments, createPaymentIntent, retryPayment } from "./payments.service.ts";
import { handleQueue } from "./queue.consumer.ts";
import { receiveStripeEvent } from "./stripe-webhook.service.ts";
import { liftPaid, offsetFor, runDelinquency } from "./delinquency.service.ts";
import { scheduledDelinquency } from "./delinquency.job.ts";
import { issuePdfsAfterCommit } from "./invoice-pdf.ts";
import { sendPaymentReceipts } from "./payment-receipts.ts";
import * as settings from "./settings.service.ts";
import { BILLING_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type { BillingEnv } from "./env.ts";
export { BillingInternal } from "./internal.ts";

/**
 * This worker's registry name: the `source` of the event messages its outbox relay sends. Not
 * exported, because workerd takes every export of the main module for an entrypoint.
 */
const EVENT_SOURCE = "billing";

/** The public entrypoint: the gateway's `BILLING` binding. */
export class BillingService extends WorkerEntrypoint<BillingEnv> implements BillingRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.BILLING_DB, BILLING_PURGE);
  }

  /** After a write commits, relay its outbox events (and send the receipts of payments it recorded) without delaying the answer. */
  private relayAfter<T>(write: Promise<T>): Promise<T> {
    return write.finally(() => {
      this.ctx.waitUntil(relayOutbox(database(this.env), eventQueues(this.env), EVENT_SOURCE));
      this.ctx.waitUntil(sendPaymentReceipts(database(this.env), this.env).catch((err) => console.error("billing: payment receipts failed", err)));
    });
  }

  listInvoices(principal: Principal, query?: ListInvoicesQuery): Promise<Result<Page<BillingInvoice>>> {
    return invoices.listInvoices(database(this.env), principal, query);
  }

  getInvoice(principal: Principal, id: string): Promise<Result<BillingInvoice>> {
    return invoices.getInvoice(database(this.env), principal, id);
  }

  payInvoice(principal: Principal, id: string, input: PayInvoiceInput): Promise<Result<BillingInvoice>> {
    return this.relayAfter(invoices.payInvoice(database(this.env), principal, id, input)).then((paid) => this.liftAfterPayment(principal, paid));
  }

  voidInvoice(principal: Principal, id: string): Promise<Result<BillingInvoice>> {
    return this.relayAfter(invoices.voidOne(database(this.env), principal, id));
  }

  refundInvoice(principal: Principal, id: string, input: RefundInvoiceInput): Promise<Result<BillingInvoice>> {
    // A refund of card money goes to Stripe's refunds API before it is recorded (502 when Stripe is
    // down, nothing written); the sweep after it sends anything else pending (card-refunds.ts).
    return this.relayAfter(
      invoices.refundInvoice(database(this.env), principal, id, input, this.env).then(async (refunded) => {
        if (!refunded.ok || !(await syncCardRefunds(this.env, database(this.env), { invoiceId: id }))) return refunded;
        return invoices.getInvoice(database(this.env), principal, id);
      }),
    );
  }

  /**
   * A payment that settles a policy's overdue invoices lifts its pending cancellation before the
   * answer (a synchronous RPC to underwriting); if that call fails, the cron's lift check (every
   * minute, delinquency.service.ts) lifts it, so the payment's answer never depends on it.
   */
  private async liftAfterPayment(principal: Principal, paid: Result<BillingInvoice>): Promise<Result<BillingInvoice>> {
    if (!paid.ok) return paid;
    try {
      await liftPaid(database(this.env), this.env, { orgId: principal.orgId, policyId: paid.value.policyId }, clockOf(principal).now().toISOString());
    } catch (error) {
      console.error(JSON.stringify({ level: "warn", message: "lifting a paid policy's pending cancellation failed; the cron lifts it", policyId: paid.value.policyId, error: String(error) }));
    }
    return paid;
  }

  getBillingSettings(principal: Principal): Promise<Result<BillingSettingsView>> {
    return settings.getSettings(database(this.env), principal);
  }

  updateBillingSettings(principal: Principal, input: UpdateBillingSettingsInput): Promise<Result<BillingSettingsView>> {
    return settings.updateSettings(database(this.env), principal, input);
  }

  /**
   * The sandbox's run of the delinquency job for the principal's org, as of `asOf` or the org's
   * clock: the job's clock alone moves (underwriting's cancellation is told the same day). Only in
   * development, like every sandbox route, whatever the gateway does.
   */
  async runDelinquency(principal: Principal, input: RunDelinquencyInput): Promise<Result<DelinquencyRunView>> {
    if (!isDevelopment(this.env)) return notFound("Route");
    const baseOffset = principal.clockOffsetMs ?? 0;
    const asOf = input?.asOf ?? clockOf(principal).today();
    if (!isValidDate(asOf)) return invalid("asOf", "date", "asOf must be a calendar date (YYYY-MM-DD)");
    const offset = offsetFor(asOf, baseOffset);
    if (Math.abs(offset) > MAX_CLOCK_OFFSET_MS) return invalid("asOf", "range", "asOf stays within ten years of today");
    const result = await this.relayAfter(
      runDelinquency(database(this.env), this.env, { asOf, at: new Date(Date.now() + offset).toISOString(), orgId: principal.orgId, clockOffsetMs: offset, ignoreBackoff: true }),
    );
    const { complete: _complete, ...shown } = result;
    return ok(shown);
  }
  createPaymentIntent(principal: Principal, id: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>> {
    return this.relayAfter(createPaymentIntent(this.env, database(this.env), principal, id, input));
  }

  retryPayment(principal: Principal, id: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>> {
    return this.relayAfter(retryPayment(this.env, database(this.env), principal, id, input));
  }

  receiveStripeEvent(payload: string, signature: string | null): Promise<Result<StripeWebhookAck>> {
    return this.relayAfter(receiveStripeEvent(this.env, database(this.env), payload, signature));
  }
}

/** The Stripe side of the cron: card refunds not yet sent, and the automatic retry of failed card payments. */
async function stripeSweep(env: BillingEnv): Promise<void> {
  if (!env.STRIPE_SECRET_KEY) return;
  await syncCardRefunds(env, database(env)).catch((err) => console.error("billing: card refund sweep failed", err));
  await autoRetryFailedPayments(env, database(env)).catch((err) => console.error("billing: automatic payment retry failed", err));
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /** The policy events (and their dead letters): invoice what each policy has not been invoiced for yet. */
  async queue(batch, env, ctx) {
    await handleQueue(batch, env);
    ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE));
    // Return premium of a cancellation or endorsement on card-paid invoices goes back to the card.
    if (env.STRIPE_SECRET_KEY) ctx.waitUntil(syncCardRefunds(env, database(env)).then(() => relayOutbox(database(env), eventQueues(env), EVENT_SOURCE)));
    // The invoices just written get their PDFs now; what fails waits for the cron's sweep.
    ctx.waitUntil(issuePdfsAfterCommit(database(env), env));
  },
  /** The outbox sweep: relays whatever a prompt relay missed (a crash between commit and send). */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE));
    ctx.waitUntil(stripeSweep(env).then(() => relayOutbox(database(env), eventQueues(env), EVENT_SOURCE)));
    // Invoice PDFs still pending (documents was down, slow, or its answer was lost), due ones only.
    ctx.waitUntil(issuePdfsAfterCommit(database(env), env));
    // Receipts of recorded payments a prompt pass missed or that failed to send (payment-receipts.ts).
    ctx.waitUntil(sendPaymentReceipts(database(env), env, new Date(controller.scheduledTime)).catch((err) => console.error("billing: payment receipts failed", err)));
    // Delinquency on real time: the lift check every tick, the daily pass once a UTC day (delinquency.job.ts).
    ctx.waitUntil(scheduledDelinquency(database(env), env, new Date(controller.scheduledTime)).then(() => relayOutbox(database(env), eventQueues(env), EVENT_SOURCE)));
  },
} satisfies ExportedHandler<BillingEnv, unknown>;
