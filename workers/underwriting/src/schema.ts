import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Drizzle view of migrations/underwriting; keep the two identical. */
export const submissions = sqliteTable("submissions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  status: text("status").$type<SubmissionStatus>().notNull(),
  insuredName: text("insured_name").notNull(),
  naicsCode: text("naics_code").notNull(),
  annualRevenueCents: integer("annual_revenue_cents").notNull(),
  requestedLimitCents: integer("requested_limit_cents").notNull(),
  deductibleCents: integer("deductible_cents"),
  effectiveDate: text("effective_date").notNull(),
  expirationDate: text("expiration_date").notNull(),
  state: text("state").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  insuredEmail: text("insured_email"),
  producerId: text("producer_id"),
  propertyValuesCents: integer("property_values_cents"),
  vehicleCount: integer("vehicle_count"),
  yearsInBusiness: integer("years_in_business"),
  priorLosses: text("prior_losses", { mode: "json" }).$type<PriorLossRow[]>().notNull(),
  notes: text("notes"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const policies = sqliteTable("policies", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  status: text("status").$type<PolicyStatus>().notNull(),
  submissionId: text("submission_id").notNull(),
  insuredName: text("insured_name").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  state: text("state").notNull(),
  effectiveDate: text("effective_date").notNull(),
  expirationDate: text("expiration_date").notNull(),
  grossPremiumCents: integer("gross_premium_cents").notNull(),
  installmentPlan: text("installment_plan").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const events = sqliteTable("events", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  createdAt: text("created_at").notNull(),
});

export type LineOfBusiness = "GL" | "PROP" | "CA";
export type SubmissionStatus = "received" | "quoted" | "referred" | "bound" | "declined" | "expired";
export type PolicyStatus = "active" | "cancelled" | "expired" | "pending_renewal";
export interface PriorLossRow {
  year: number;
  amountCents: number;
  description: string | null;
}
export type SubmissionRow = typeof submissions.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;
