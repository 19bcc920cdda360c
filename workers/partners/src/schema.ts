import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AttributionEventType, PartnerStatus } from "#contract/types.gen";
import type { CommissionTransaction } from "#shared/rpc";

/** Drizzle view of migrations/partners; keep the two identical. */
export const partners = sqliteTable("partners", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  contactEmail: text("contact_email").notNull(),
  landingUrl: text("landing_url").notNull(),
  commissionRateBps: integer("commission_rate_bps").notNull(),
  status: text("status").$type<PartnerStatus>().notNull(),
  defaultCode: text("default_code").notNull(),
  invitedAt: text("invited_at"),
  invitationTokenHash: text("invitation_token_hash"),
  invitationExpiresAt: text("invitation_expires_at"),
  revokedAt: text("revoked_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type PartnerRow = typeof partners.$inferSelect;

export const referralCodes = sqliteTable("referral_codes", {
  code: text("code").primaryKey(),
  orgId: text("org_id").notNull(),
  partnerId: text("partner_id").notNull(),
  landingUrl: text("landing_url").notNull(),
  status: text("status").$type<"active" | "revoked">().notNull(),
  createdAt: text("created_at").notNull(),
});
export type ReferralCodeRow = typeof referralCodes.$inferSelect;

export const clicks = sqliteTable("clicks", {
  id: text("id").primaryKey(),
  code: text("code").notNull(),
  orgId: text("org_id").notNull(),
  partnerId: text("partner_id").notNull(),
  clickedAt: text("clicked_at").notNull(),
  referrer: text("referrer"),
  ipHash: text("ip_hash").notNull(),
  userAgentHash: text("user_agent_hash"),
});

export const attributionEvents = sqliteTable("attribution_events", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  externalId: text("external_id").notNull(),
  type: text("type").$type<AttributionEventType>().notNull(),
  partnerId: text("partner_id").notNull(),
  code: text("code"),
  submissionId: text("submission_id"),
  occurredAt: text("occurred_at").notNull(),
  /** The first answer, verbatim (JSON of the AttributionEvent returned). */
  response: text("response").notNull(),
  createdAt: text("created_at").notNull(),
});

export const attributions = sqliteTable("attributions", {
  submissionId: text("submission_id").primaryKey(),
  orgId: text("org_id").notNull(),
  partnerId: text("partner_id"),
  code: text("code"),
  touchedAt: text("touched_at"),
  submissionCreatedAt: text("submission_created_at").notNull(),
  syncedAt: text("synced_at"),
  updatedAt: text("updated_at").notNull(),
});
export type AttributionRow = typeof attributions.$inferSelect;

export const partnerCommissions = sqliteTable("partner_commissions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  partnerId: text("partner_id").notNull(),
  policyId: text("policy_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  submissionId: text("submission_id").notNull(),
  transactionId: text("transaction_id").notNull(),
  transactionSeq: integer("transaction_seq").notNull(),
  transactionType: text("transaction_type").$type<CommissionTransaction["type"]>().notNull(),
  effectiveDate: text("effective_date").notNull(),
  bookedOn: text("booked_on").notNull(),
  rateBps: integer("rate_bps").notNull(),
  premiumDeltaCents: integer("premium_delta_cents").notNull(),
  commissionCents: integer("commission_cents").notNull(),
  paidAt: text("paid_at"),
  createdAt: text("created_at").notNull(),
});
export type PartnerCommissionRow = typeof partnerCommissions.$inferSelect;

export const processedEvents = sqliteTable("processed_events", {
  eventId: text("event_id").primaryKey(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  processedAt: text("processed_at").notNull(),
});

/** A partner's own login (migrations/partners/0002): sign-in email unique platform-wide, lower case. */
export const partnerLogins = sqliteTable("partner_logins", {
  partnerId: text("partner_id").primaryKey(),
  orgId: text("org_id").notNull(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type PartnerLoginRow = typeof partnerLogins.$inferSelect;
