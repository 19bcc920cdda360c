import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AppointmentStatus, CommissionRates, LineOfBusiness, ProducerLicense, ProducerStatus, UsState } from "#contract/types.gen";
import type { FlagValue } from "#shared/flags.catalogue";

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
