import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AppointmentStatus, CommissionRateKind, CommissionRates, LineOfBusiness, ProducerLicense, ProducerStatus, UsState } from "#contract/types.gen";
import type { FlagValue } from "#shared/flags.catalogue";
import type { CommissionTransaction } from "#shared/rpc";

type CommissionTransactionType = CommissionTransaction["type"];

/** Drizzle view of migrations/producers; keep the two identical. */
export const producers = sqliteTable("producers", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  npn: text("npn").notNull(),
  agency: text("agency"),
  status: text("status").$type<ProducerStatus>().notNull(),
  licenses: text("licenses", { mode: "json" }).$type<ProducerLicense[]>().notNull(),
  commissionRates: text("commission_rates", { mode: "json" }).$type<CommissionRates>().notNull(),
  /** The `producer` user who sells as this producer (migrations/producers/0002); null when none. */
  userId: text("user_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type ProducerRow = typeof producers.$inferSelect;

export const appointments = sqliteTable("appointments", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  producerId: text("producer_id").notNull(),
  carrier: text("carrier").notNull(),
  state: text("state").$type<UsState>().notNull(),
  lines: text("lines", { mode: "json" }).$type<LineOfBusiness[]>().notNull(),
  status: text("status").$type<AppointmentStatus>().notNull(),
  requestedOn: text("requested_on").notNull(),
  activatedOn: text("activated_on"),
  terminatedOn: text("terminated_on"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type AppointmentRow = typeof appointments.$inferSelect;

/** An org's override of a catalogue flag (migrations/producers/0003); `value` is the value's JSON. */
export const flagOverrides = sqliteTable("flag_overrides", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  key: text("key").notNull(),
  value: text("value", { mode: "json" }).$type<FlagValue>().notNull(),
  updatedBy: text("updated_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type FlagOverrideRow = typeof flagOverrides.$inferSelect;

/** Commission per premium-bearing transaction (migrations/producers/0002); `rate_bps` is the percentage × 100. */
export const commissions = sqliteTable("commissions", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  producerId: text("producer_id").notNull(),
  policyId: text("policy_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  transactionId: text("transaction_id").notNull(),
  transactionSeq: integer("transaction_seq").notNull(),
  transactionType: text("transaction_type").$type<CommissionTransactionType>().notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  effectiveDate: text("effective_date").notNull(),
  bookedOn: text("booked_on").notNull(),
  month: text("month").notNull(),
  rateKind: text("rate_kind").$type<CommissionRateKind>().notNull(),
  rateBps: integer("rate_bps").notNull(),
  premiumDeltaCents: integer("premium_delta_cents").notNull(),
  commissionCents: integer("commission_cents").notNull(),
  createdAt: text("created_at").notNull(),
});
export type CommissionRow = typeof commissions.$inferSelect;

/** Sums per org × month × producer × line, kept in the batch that writes each commission. */
export const commissionSummaries = sqliteTable("commission_summaries", {
  orgId: text("org_id").notNull(),
  month: text("month").notNull(),
  producerId: text("producer_id").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  writtenPremiumCents: integer("written_premium_cents").notNull(),
  commissionCents: integer("commission_cents").notNull(),
  transactionCount: integer("transaction_count").notNull(),
});

/** One `producer.license_expiring` per license and expiry day. */
export const licenseExpiryNotices = sqliteTable("license_expiry_notices", {
  orgId: text("org_id").notNull(),
  producerId: text("producer_id").notNull(),
  state: text("state").$type<UsState>().notNull(),
  expiresOn: text("expires_on").notNull(),
  eventId: text("event_id").notNull(),
  notifiedAt: text("notified_at").notNull(),
});

