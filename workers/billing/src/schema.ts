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
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  paidAt: text("paid_at"),
  voidedAt: text("voided_at"),
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
