import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { InvoiceKind, InvoiceLine, InvoiceStatus } from "./ledger.ts";

/** The billing database (migrations/billing). Money is integer cents. */
export const billingPolicies = sqliteTable("billing_policies", {
  policyId: text("policy_id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  appliedSeq: integer("applied_seq").notNull(),
  version: integer("version").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const invoices = sqliteTable("invoices", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyId: text("policy_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  number: text("number").notNull(),
  kind: text("kind").$type<InvoiceKind>().notNull(),
  installmentNumber: integer("installment_number"),
  transactionId: text("transaction_id").notNull(),
  status: text("status").$type<InvoiceStatus>().notNull(),
  dueDate: text("due_date").notNull(),
  lines: text("lines", { mode: "json" }).$type<InvoiceLine[]>().notNull(),
  totalCents: integer("total_cents").notNull(),
  premiumCents: integer("premium_cents").notNull(),
  premiumCreditedCents: integer("premium_credited_cents").notNull(),
  chargesWaivedCents: integer("charges_waived_cents").notNull(),
  paidCents: integer("paid_cents").notNull(),
  refundedCents: integer("refunded_cents").notNull(),
  voidedByTransactionId: text("voided_by_transaction_id"),
  voidedPremiumCents: integer("voided_premium_cents").notNull(),
  reissueOf: text("reissue_of"),
  reissuedAs: text("reissued_as"),
  /** The invoice's PDF in the documents worker (migrations/billing/0003); null until it is issued. */
  documentId: text("document_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  paidAt: text("paid_at"),
  voidedAt: text("voided_at"),
  /** Set when a card payment of the invoice is disputed (migrations/billing/0002). */
  disputedAt: text("disputed_at"),
});

export const invoiceEntries = sqliteTable("invoice_entries", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  invoiceId: text("invoice_id").notNull(),
  policyId: text("policy_id").notNull(),
  type: text("type").$type<"credit" | "payment" | "refund">().notNull(),
  amountCents: integer("amount_cents").notNull(),
  premiumCents: integer("premium_cents").notNull(),
  chargesCents: integer("charges_cents").notNull(),
  method: text("method"),
  reference: text("reference"),
  receivedAt: text("received_at"),
  reason: text("reason"),
  transactionId: text("transaction_id"),
  createdAt: text("created_at").notNull(),
});

export const processedEvents = sqliteTable("processed_events", {
  eventId: text("event_id").primaryKey(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  policyId: text("policy_id"),
  processedAt: text("processed_at").notNull(),
});

export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceEntryRow = typeof invoiceEntries.$inferSelect;
export type BillingPolicyRow = typeof billingPolicies.$inferSelect;

// Card payments through Stripe (migrations/billing/0002_stripe.sql).

export const stripeCustomers = sqliteTable("stripe_customers", {
  orgId: text("org_id").notNull(),
  insuredKey: text("insured_key").notNull(),
  customerId: text("customer_id").notNull(),
  name: text("name").notNull(),
  email: text("email"),
  createdAt: text("created_at").notNull(),
});

/** Stripe's PaymentIntent statuses, as the row mirrors them. */
export type PaymentIntentStatus = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "requires_capture" | "succeeded" | "canceled";

export const paymentIntents = sqliteTable("payment_intents", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  invoiceId: text("invoice_id").notNull(),
  policyId: text("policy_id").notNull(),
  attempt: integer("attempt").notNull(),
  customerId: text("customer_id"),
  amountCents: integer("amount_cents").notNull(),
  currency: text("currency").notNull(),
  status: text("status").$type<PaymentIntentStatus>().notNull(),
  clientSecret: text("client_secret").notNull(),
  paymentMethod: text("payment_method"),
  failureCode: text("failure_code"),
  failureMessage: text("failure_message"),
  /** When the last confirmation failed, on the org's clock (its sandbox clock in development): the automatic retry reads it on the same clock. */
  failedAt: text("failed_at"),
  confirmations: integer("confirmations").notNull(),
  autoRetriedAt: text("auto_retried_at"),
  lastEventCreated: integer("last_event_created").notNull(),
  paymentEntryId: text("payment_entry_id"),
  disputedAt: text("disputed_at"),
  disputeId: text("dispute_id"),
  version: integer("version").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const cardPayments = sqliteTable("card_payments", {
  paymentIntentId: text("payment_intent_id").primaryKey(),
  orgId: text("org_id").notNull(),
  invoiceId: text("invoice_id").notNull(),
  paymentEntryId: text("payment_entry_id").notNull(),
  amountCents: integer("amount_cents").notNull(),
  recordedAt: text("recorded_at").notNull(),
});

export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  orgId: text("org_id"),
  paymentIntentId: text("payment_intent_id"),
  created: integer("created").notNull(),
  outcome: text("outcome").notNull(),
  receivedAt: text("received_at").notNull(),
});

export const cardRefunds = sqliteTable("card_refunds", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  invoiceId: text("invoice_id").notNull(),
  refundEntryId: text("refund_entry_id").notNull(),
  paymentIntentId: text("payment_intent_id"),
  amountCents: integer("amount_cents").notNull(),
  status: text("status").$type<"pending" | "succeeded" | "failed" | "manual">().notNull(),
  stripeRefundId: text("stripe_refund_id"),
  attempts: integer("attempts").notNull(),
  lastError: text("last_error"),
  confirmedAt: text("confirmed_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * The invoice row's job columns (migrations/billing/0003): its PDF's issue attempts, and when the
 * delinquency job found it overdue. The same table as {@link invoices}, read apart so the ledger's
 * reads and writes never carry them.
 */
export const invoiceJobs = sqliteTable("invoices", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyId: text("policy_id").notNull(),
  status: text("status").$type<InvoiceStatus>().notNull(),
  dueDate: text("due_date").notNull(),
  createdAt: text("created_at").notNull(),
  documentId: text("document_id"),
  pdfAttempts: integer("pdf_attempts").notNull(),
  pdfLastError: text("pdf_last_error"),
  pdfNextAttemptAt: text("pdf_next_attempt_at"),
  overdueNotifiedAt: text("overdue_notified_at"),
  overdueGraceDays: integer("overdue_grace_days"),
});

/** Per-org billing settings; no row means the defaults. */
export const billingSettings = sqliteTable("billing_settings", {
  orgId: text("org_id").primaryKey(),
  graceDays: integer("grace_days").notNull(),
  updatedAt: text("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

export type DelinquencyState = "notifying" | "pending_cancellation" | "cancelled" | "lifted" | "closed";

/** Where the delinquency job has taken a policy (migrations/billing/0003). */
export const policyDelinquency = sqliteTable("policy_delinquency", {
  orgId: text("org_id").notNull(),
  policyId: text("policy_id").notNull(),
  state: text("state").$type<DelinquencyState>().notNull(),
  invoiceId: text("invoice_id").notNull(),
  since: text("since").notNull(),
  noticeDate: text("notice_date"),
  cancelOn: text("cancel_on"),
  noticeEmailId: text("notice_email_id"),
  noticeRecipient: text("notice_recipient"),
  cancellationTransactionId: text("cancellation_transaction_id"),
  closedReason: text("closed_reason"),
  attempts: integer("attempts").notNull(),
  lastError: text("last_error"),
  nextAttemptAt: text("next_attempt_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const billingJobRuns = sqliteTable("billing_job_runs", {
  job: text("job").primaryKey(),
  lastCompletedDay: text("last_completed_day").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export type PaymentIntentRow = typeof paymentIntents.$inferSelect;
export type CardRefundRow = typeof cardRefunds.$inferSelect;
export type PolicyDelinquencyRow = typeof policyDelinquency.$inferSelect;
export type InvoiceJobRow = typeof invoiceJobs.$inferSelect;
