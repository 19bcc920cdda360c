import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ErrorDetailValue } from "#shared/errors";
import type { Claimant, ClaimActivityType, ClaimCostType, ClaimStatus, LineOfBusiness, LossLocation, ReserveChangeSource, SettlementStatus } from "#contract/types.gen";

/** Drizzle view of migrations/claims; keep the two identical. */
export const claims = sqliteTable("claims", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  claimNumber: text("claim_number").notNull(),
  lossYear: integer("loss_year").notNull(),
  status: text("status").$type<ClaimStatus>().notNull(),
  policyId: text("policy_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  lossDate: text("loss_date").notNull(),
  description: text("description").notNull(),
  causeOfLoss: text("cause_of_loss").notNull(),
  lossLocation: text("loss_location", { mode: "json" }).$type<LossLocation>().notNull(),
  claimant: text("claimant", { mode: "json" }).$type<Claimant>().notNull(),
  reportedBy: text("reported_by"),
  estimatedLossCents: integer("estimated_loss_cents"),
  policeReportNumber: text("police_report_number"),
  adjusterId: text("adjuster_id"),
  policyLimitCents: integer("policy_limit_cents").notNull(),
  deductibleCents: integer("deductible_cents"),
  indemnityPaidCents: integer("indemnity_paid_cents").notNull(),
  indemnityOutstandingCents: integer("indemnity_outstanding_cents").notNull(),
  expensePaidCents: integer("expense_paid_cents").notNull(),
  expenseOutstandingCents: integer("expense_outstanding_cents").notNull(),
  denialReason: text("denial_reason"),
  dedupeKey: text("dedupe_key").notNull(),
  dedupeSlot: text("dedupe_slot"),
  version: integer("version").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type ClaimRow = typeof claims.$inferSelect;

export const claimNumberSequences = sqliteTable("claim_number_sequences", {
  orgId: text("org_id").notNull(),
  year: integer("year").notNull(),
  lastValue: integer("last_value").notNull(),
});

/** What an activity entry's `details` may hold: JSON two levels deep (it crosses RPC). */
export type ActivityDetails = { [key: string]: ErrorDetailValue };

export const claimActivity = sqliteTable("claim_activity", {
  claimId: text("claim_id").notNull(),
  seq: integer("seq").notNull(),
  orgId: text("org_id").notNull(),
  type: text("type").$type<ClaimActivityType>().notNull(),
  statusAfter: text("status_after").$type<ClaimStatus>().notNull(),
  actor: text("actor").notNull(),
  details: text("details", { mode: "json" }).$type<ActivityDetails>().notNull(),
  createdAt: text("created_at").notNull(),
});
export type ClaimActivityRow = typeof claimActivity.$inferSelect;

export const reserveTransactions = sqliteTable("claim_reserve_transactions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  claimId: text("claim_id").notNull(),
  costType: text("cost_type").$type<ClaimCostType>().notNull(),
  previousCents: integer("previous_cents").notNull(),
  newCents: integer("new_cents").notNull(),
  deltaCents: integer("delta_cents").notNull(),
  source: text("source").$type<ReserveChangeSource>().notNull(),
  reason: text("reason"),
  actor: text("actor").notNull(),
  createdAt: text("created_at").notNull(),
});
export type ReserveTransactionRow = typeof reserveTransactions.$inferSelect;

export const claimPayments = sqliteTable("claim_payments", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  claimId: text("claim_id").notNull(),
  costType: text("cost_type").$type<ClaimCostType>().notNull(),
  amountCents: integer("amount_cents").notNull(),
  payee: text("payee").notNull(),
  reference: text("reference"),
  settlementId: text("settlement_id"),
  actor: text("actor").notNull(),
  createdAt: text("created_at").notNull(),
});
export type ClaimPaymentRow = typeof claimPayments.$inferSelect;

export const claimSettlements = sqliteTable("claim_settlements", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  claimId: text("claim_id").notNull(),
  status: text("status").$type<SettlementStatus>().notNull(),
  amountCents: integer("amount_cents").notNull(),
  deductibleCents: integer("deductible_cents").notNull(),
  netCents: integer("net_cents").notNull(),
  payee: text("payee").notNull(),
  notes: text("notes"),
  paymentId: text("payment_id"),
  acceptedAt: text("accepted_at"),
  actor: text("actor").notNull(),
  createdAt: text("created_at").notNull(),
});
export type ClaimSettlementRow = typeof claimSettlements.$inferSelect;

export const claimAttachments = sqliteTable("claim_attachments", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  claimId: text("claim_id").notNull(),
  documentId: text("document_id").notNull(),
  filename: text("filename").notNull(),
  size: integer("size").notNull(),
  contentType: text("content_type").notNull(),
  sha256: text("sha256").notNull(),
  uploadedBy: text("uploaded_by").notNull(),
  createdAt: text("created_at").notNull(),
});
export type ClaimAttachmentRow = typeof claimAttachments.$inferSelect;
