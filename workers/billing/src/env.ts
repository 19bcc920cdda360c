import type { WebhookQueueMessage } from "#shared/events";
import type { DocumentsInternalRpc, IdentityInternalRpc, ProducersInternalRpc, UnderwritingInternalRpc } from "#shared/rpc";

/** Bindings of the billing worker (workers/billing/wrangler.toml). */
export interface BillingEnv {
  /** Invoices, their entries (credits, payments, refunds), the consumer's processed events, the outbox. */
  BILLING_DB: D1Database;
  /**
   * `billingFacts` (a policy's installments, taxes, fees and premium deltas) and `readEvents` (its
   * events' bodies); the delinquency job's `markPendingCancellation`, `liftPendingCancellation`, `cancelForNonPayment`.
   */
  UNDERWRITING: Service<UnderwritingInternalRpc>;
  /** The webhooks worker's events queue: the outbox relay sends this worker's events there. */
  WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
  /** This worker's own events queue, for putting back an event the dead-letter queue received. */
  BILLING_REQUEUE: Queue<WebhookQueueMessage>;
  ENVIRONMENT: string;
  /** The producers worker's evaluator: the org's feature flags (`readFlags(env.PRODUCERS, orgId)`, `#shared/flags`), e.g. `billing.autopay_retry`. */
  PRODUCERS: Service<ProducersInternalRpc>;
  /** Stripe's secret key (`sk_test_…` / `sk_live_…`); locally the stand-in's. */
  STRIPE_SECRET_KEY?: string;
  /** The signing secret of the `/webhooks/stripe` endpoint (`whsec_…`). */
  STRIPE_WEBHOOK_SECRET?: string;
  /** When set, the SDK talks to this origin (the local stand-in) instead of api.stripe.com. */
  STRIPE_API_BASE?: string;
  /** How long one Stripe request may take before it counts as an outage (default 10 s). */
  STRIPE_TIMEOUT_MS?: string;
  /** `issueInvoiceDocument`: each invoice's PDF (invoice-pdf.ts). */
  DOCUMENTS: Service<DocumentsInternalRpc>;
  /** `queueEmail` (the delinquency notice) and `orgName` (the issuer on invoice PDFs). */
  IDENTITY: Service<IdentityInternalRpc>;
}
