import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { EndorsePolicyRequest, MailingAddress, ProducerAuthority, UsState } from "#contract/types.gen";
import type { CancellationMethod, CancellationReason, InstallmentPlan, RatingResult } from "./rating/types.ts";

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
  state: text("state").$type<UsState>().notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  insuredEmail: text("insured_email"),
  producerId: text("producer_id"),
  propertyValuesCents: integer("property_values_cents"),
  vehicleCount: integer("vehicle_count"),
  /** CA only: the carrier transports hazardous materials (migrations/underwriting/0009). */
  hazmat: integer("hazmat", { mode: "boolean" }).notNull(),
  yearsInBusiness: integer("years_in_business"),
  priorLosses: text("prior_losses", { mode: "json" }).$type<PriorLossRow[]>().notNull(),
  notes: text("notes"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  currentQuoteId: text("current_quote_id"),
  policyId: text("policy_id"),
  renewalOfPolicyId: text("renewal_of_policy_id"),
  intake: text("intake", { mode: "json" }).$type<IntakeRecord>(),
  /** The insured's phone and mailing address beside `insuredEmail` (migrations/underwriting/0014); null when none was given. */
  insuredContact: text("insured_contact", { mode: "json" }).$type<InsuredContactRecord>(),
  /** The partner's referral code it was created with, upper case (migrations/underwriting/0018); null when none. */
  referralCode: text("referral_code"),
  /** The partner it is attributed to, as the partners worker recorded it (`recordAttribution`); null when none. */
  attribution: text("attribution", { mode: "json" }).$type<SubmissionAttributionRecord>(),
});

/** A submission's attribution to a partner (last touch within 90 days), written by the partners worker. */
export interface SubmissionAttributionRecord {
  partnerId: string;
  code: string | null;
  touchedAt: string;
}

/** A submission's insured contact beyond the email. */
export interface InsuredContactRecord {
  phone: string | null;
  mailingAddress: MailingAddress | null;
}

/** The policyholders behind bound policies, one per org and normalised email (migrations/underwriting/0014). */
export const insureds = sqliteTable("insureds", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  phone: text("phone"),
  mailingAddress: text("mailing_address", { mode: "json" }).$type<MailingAddress>(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type InsuredRow = typeof insureds.$inferSelect;

export const policies = sqliteTable("policies", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  status: text("status").$type<PolicyStatus>().notNull(),
  submissionId: text("submission_id").notNull(),
  insuredName: text("insured_name").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  state: text("state").$type<UsState>().notNull(),
  effectiveDate: text("effective_date").notNull(),
  expirationDate: text("expiration_date").notNull(),
  grossPremiumCents: integer("gross_premium_cents").notNull(),
  installmentPlan: text("installment_plan").$type<InstallmentPlan>().notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  quoteId: text("quote_id").notNull(),
  annualPremiumCents: integer("annual_premium_cents").notNull(),
  writtenPremiumCents: integer("written_premium_cents").notNull(),
  limitCents: integer("limit_cents").notNull(),
  deductibleCents: integer("deductible_cents"),
  rateTableVersion: text("rate_table_version").notNull(),
  exposure: text("exposure", { mode: "json" }).$type<PolicyExposure>().notNull(),
  cancellation: text("cancellation", { mode: "json" }).$type<CancellationRecord>(),
  renewalOfPolicyId: text("renewal_of_policy_id"),
  renewedByPolicyId: text("renewed_by_policy_id"),
  daAgreementId: text("da_agreement_id"),
  version: integer("version").notNull(),
  /** Coverage endorsements (migrations/underwriting/0008); null reads as none. */
  endorsements: text("endorsements", { mode: "json" }).$type<PolicyEndorsementsRecord>(),
  /** Pending cancellation for non-payment (migrations/underwriting/0012); null when not pending. */
  pendingCancellation: text("pending_cancellation", { mode: "json" }).$type<PendingCancellationRecord>(),
  /** The insured the bind linked it to (migrations/underwriting/0014); null when the submission named no email. */
  insuredId: text("insured_id"),
});

export const quotes = sqliteTable("quotes", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  submissionId: text("submission_id").notNull(),
  status: text("status").$type<QuoteStatus>().notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  grossPremiumCents: integer("gross_premium_cents").notNull(),
  totalDueCents: integer("total_due_cents").notNull(),
  rating: text("rating", { mode: "json" }).$type<RatingResult>().notNull(),
  rateTableVersion: text("rate_table_version").notNull(),
  validUntil: text("valid_until").notNull(),
  daAgreementId: text("da_agreement_id"),
  withinAuthority: integer("within_authority", { mode: "boolean" }).notNull(),
  authorityReasons: text("authority_reasons", { mode: "json" }).$type<string[]>().notNull(),
  referralId: text("referral_id"),
  createdBy: text("created_by").notNull(),
  /** The creator's stable principal id (`principalIdOf`; migrations/underwriting/0007); null on older rows, judged by `created_by`. */
  createdByPrincipal: text("created_by_principal"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  /** The submission's producer check as of quoting (migrations/underwriting/0011); null without a producer. */
  producerAuthority: text("producer_authority", { mode: "json" }).$type<ProducerAuthority>(),
  /** The org's rules that judged it, each with the version read (migrations/underwriting/0015); [] before the rule studio. */
  rules: text("rules", { mode: "json" }).$type<{ ruleId: string; version: number; name: string; action: "decline" | "refer" | "surcharge" | "require"; matched: boolean }[]>().notNull(),
});

export const policyNumberSequences = sqliteTable("policy_number_sequences", {
  orgId: text("org_id").notNull(),
  lineOfBusiness: text("line_of_business").notNull(),
  year: integer("year").notNull(),
  lastValue: integer("last_value").notNull(),
});

export const policyTransactions = sqliteTable("policy_transactions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  policyId: text("policy_id").notNull(),
  seq: integer("seq").notNull(),
  type: text("type").$type<TransactionType>().notNull(),
  effectiveDate: text("effective_date").notNull(),
  premiumDeltaCents: integer("premium_delta_cents").notNull(),
  actor: text("actor").notNull(),
  details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  createdAt: text("created_at").notNull(),
});

export const installments = sqliteTable("installments", {
  policyId: text("policy_id").notNull(),
  number: integer("number").notNull(),
  dueDate: text("due_date").notNull(),
  premiumCents: integer("premium_cents").notNull(),
  feeCents: integer("fee_cents").notNull(),
});

export const referrals = sqliteTable("referrals", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  submissionId: text("submission_id").notNull(),
  quoteId: text("quote_id"),
  status: text("status").$type<ReferralStatus>().notNull(),
  reasons: text("reasons", { mode: "json" }).$type<string[]>().notNull(),
  dealRoomId: text("deal_room_id"),
  createdBy: text("created_by").notNull(),
  /** The creator's stable principal id (`principalIdOf`; migrations/underwriting/0007); null on older rows, judged by `created_by`. */
  createdByPrincipal: text("created_by_principal"),
  decision: text("decision").$type<ReferralDecision>(),
  decidedBy: text("decided_by"),
  notes: text("notes"),
  createdAt: text("created_at").notNull(),
  decidedAt: text("decided_at"),
  /** An endorsement referral (migrations/underwriting/0006): the policy, the held request, and the transaction an approval applied. */
  policyId: text("policy_id"),
  endorsement: text("endorsement", { mode: "json" }).$type<EndorsePolicyRequest>(),
  transactionId: text("transaction_id"),
});

export const daAgreements = sqliteTable("da_agreements", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  carrier: text("carrier").notNull(),
  program: text("program").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>(),
  maxLimitPerRiskCents: integer("max_limit_per_risk_cents").notNull(),
  states: text("states", { mode: "json" }).$type<UsState[]>().notNull(),
  naicsPrefixes: text("naics_prefixes", { mode: "json" }).$type<string[]>().notNull(),
  aggregateCapCents: integer("aggregate_cap_cents").notNull(),
  createdAt: text("created_at").notNull(),
});

/**
 * Policy paper jobs (migrations/underwriting/0009; see policy-paper.ts): one row per declarations page
 * or MCS-90 a transaction issues, pending until the documents worker has stored it.
 */
export const policyDocuments = sqliteTable("policy_documents", {
  orgId: text("org_id").notNull(),
  sourceKey: text("source_key").notNull(),
  policyId: text("policy_id").notNull(),
  kind: text("kind").$type<PolicyPaperKind>().notNull(),
  transactionId: text("transaction_id").notNull(),
  seq: integer("seq").notNull(),
  transactionType: text("transaction_type").$type<"new_business" | "renewal" | "endorsement">().notNull(),
  endorsementNumber: integer("endorsement_number"),
  effectiveDate: text("effective_date").notNull(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  status: text("status").$type<"pending" | "issued">().notNull(),
  documentId: text("document_id"),
  attempts: integer("attempts").notNull(),
  lastError: text("last_error"),
  createdAt: text("created_at").notNull(),
  issuedAt: text("issued_at"),
  /** After a failed attempt, when the sweep may ask again (migration 0010). */
  nextAttemptAt: text("next_attempt_at"),
});

export type PolicyPaperKind = "declarations" | "mcs90";
export type PolicyDocumentRow = typeof policyDocuments.$inferSelect;

/** The events outbox: the table every event-recording worker shares (workers/_shared/outbox.ts). */
export { outboxEvents as events } from "#shared/outbox";

/** Portfolio summary (migrations/underwriting/0005; see portfolio-summary.ts): written premium and policies per line and state. */
export const portfolioTotals = sqliteTable("portfolio_totals", {
  orgId: text("org_id").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  state: text("state").$type<UsState>().notNull(),
  writtenCents: integer("written_cents").notNull(),
  policyCount: integer("policy_count").notNull(),
});

/** Per day, the increase in earned premium and in active policies. */
export const portfolioDaily = sqliteTable("portfolio_daily", {
  orgId: text("org_id").notNull(),
  day: text("day").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  state: text("state").$type<UsState>().notNull(),
  earnedCents: integer("earned_cents").notNull(),
  activeDelta: integer("active_delta").notNull(),
});

/** {@link portfolioDaily} summed per month (`YYYY-MM`). */
export const portfolioMonthly = sqliteTable("portfolio_monthly", {
  orgId: text("org_id").notNull(),
  month: text("month").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  state: text("state").$type<UsState>().notNull(),
  earnedCents: integer("earned_cents").notNull(),
  activeDelta: integer("active_delta").notNull(),
});

/** Premium bound under each delegated authority agreement, and when it first crossed 85% of its cap. */
export const daAgreementUsage = sqliteTable("da_agreement_usage", {
  agreementId: text("agreement_id").primaryKey(),
  orgId: text("org_id").notNull(),
  writtenCents: integer("written_cents").notNull(),
  limitApproachingAt: text("limit_approaching_at"),
});

export type LineOfBusiness = "GL" | "PROP" | "CA";
export type SubmissionStatus = "received" | "quoted" | "referred" | "bound" | "declined" | "expired" | "withdrawn";
export type PolicyStatus = "active" | "cancelled" | "expired" | "pending_renewal" | "pending_cancellation";

/**
 * Why and until when a policy is pending cancellation (billing's delinquency job sets it through
 * UnderwritingInternal): the unpaid invoice that put it there, the day it became pending, the day
 * the notice was given and the day it is cancelled unless paid. The stored status stays `active`.
 */
export interface PendingCancellationRecord {
  reason: "non_payment";
  invoiceId: string;
  since: string;
  noticeDate: string;
  cancelOn: string;
}
export interface PriorLossRow {
  year: number;
  amountCents: number;
  description: string | null;
}
export type QuoteStatus = "active" | "superseded" | "bound" | "expired" | "referred";
export type TransactionType = "new_business" | "endorsement" | "cancellation" | "reinstatement" | "renewal";
export type ReferralStatus = "pending" | "approved" | "rejected" | "more_info_requested";
export type ReferralDecision = "approve" | "reject" | "request_info";

/** How a submission arrived and what intake found (ACORD 125 field report). */
export interface IntakeRecord {
  source: "json" | "acord125";
  fields: { field: string; found: boolean; confidence: number; source: string | null }[];
  missing: string[];
}

/** The rated exposures a policy carries, so endorsements re-rate from the same inputs. */
export interface PolicyExposure {
  naicsCode: string;
  annualRevenueCents: number;
  propertyValuesCents: number | null;
  vehicleCount: number | null;
  /** CA: hazardous materials (its MCS-90 limit); absent on policies bound before migrations/underwriting/0009. */
  hazmat?: boolean;
  yearsInBusiness: number | null;
  priorLosses: { year: number; amountCents: number }[];
}

/** The coverage endorsements in force on a policy (additional insureds, waiver of subrogation). */
export interface PolicyEndorsementsRecord {
  additionalInsureds: { name: string; address: string | null }[];
  waiverOfSubrogation: boolean;
}

export interface CancellationRecord {
  effectiveDate: string;
  method: CancellationMethod;
  reason: CancellationReason;
  returnPremiumCents: number;
  transactionId: string;
}

export type SubmissionRow = typeof submissions.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;
export type QuoteRow = typeof quotes.$inferSelect;
export type TransactionRow = typeof policyTransactions.$inferSelect;
export type InstallmentRow = typeof installments.$inferSelect;
export type ReferralRow = typeof referrals.$inferSelect;
export type DaAgreementRow = typeof daAgreements.$inferSelect;
