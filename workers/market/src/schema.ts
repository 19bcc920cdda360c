import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AmBestRating, AppetiteLevel, LineOfBusiness, MarketType, UsState } from "#contract/types.gen";

/** Drizzle view of migrations/market; keep the two identical. Money columns are integer cents. */
export const carriers = sqliteTable("carriers", {
  id: text("id").primaryKey(),
  /** null: platform reference data, seen by every org. */
  orgId: text("org_id"),
  name: text("name").notNull(),
  naicNumber: text("naic_number").notNull(),
  amBestRating: text("am_best_rating").$type<AmBestRating>().notNull(),
  marketType: text("market_type").$type<MarketType>().notNull(),
  states: text("states", { mode: "json" }).$type<UsState[]>().notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type CarrierRow = typeof carriers.$inferSelect;

export const carrierProducts = sqliteTable("carrier_products", {
  id: text("id").primaryKey(),
  orgId: text("org_id"),
  carrierId: text("carrier_id").notNull(),
  name: text("name").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  states: text("states", { mode: "json" }).$type<UsState[]>().notNull(),
  minLimit: integer("min_limit").notNull(),
  maxLimit: integer("max_limit").notNull(),
  minPremium: integer("min_premium").notNull(),
  createdAt: text("created_at").notNull(),
});
export type CarrierProductRow = typeof carrierProducts.$inferSelect;

export const appetites = sqliteTable("appetites", {
  id: text("id").primaryKey(),
  orgId: text("org_id"),
  carrierId: text("carrier_id").notNull(),
  lineOfBusiness: text("line_of_business").$type<LineOfBusiness>().notNull(),
  naicsPrefixes: text("naics_prefixes", { mode: "json" }).$type<string[]>().notNull(),
  states: text("states", { mode: "json" }).$type<UsState[]>().notNull(),
  minRevenue: integer("min_revenue").notNull(),
  maxRevenue: integer("max_revenue"),
  minLimit: integer("min_limit").notNull(),
  maxLimit: integer("max_limit").notNull(),
  minYearsInBusiness: integer("min_years_in_business").notNull(),
  appetite: text("appetite").$type<AppetiteLevel>().notNull(),
  createdAt: text("created_at").notNull(),
});
export type AppetiteRow = typeof appetites.$inferSelect;

export const clients = sqliteTable("clients", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  normalizedName: text("normalized_name").notNull(),
  domain: text("domain"),
  state: text("state").$type<UsState>(),
  naicsCode: text("naics_code"),
  annualRevenue: integer("annual_revenue"),
  contactName: text("contact_name"),
  contactEmail: text("contact_email"),
  notes: text("notes"),
  status: text("status").$type<"prospect" | "converted">().notNull(),
  submissionId: text("submission_id"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  /** The token of the request turning the client into a submission (clients.convert.ts), while it runs. */
  conversionClaim: text("conversion_claim"),
  conversionClaimedAt: text("conversion_claimed_at"),
  convertedAt: text("converted_at"),
});
export type ClientRow = typeof clients.$inferSelect;

export const termsAcceptances = sqliteTable("terms_acceptances", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  principalId: text("principal_id").notNull(),
  version: text("version").notNull(),
  acceptedAt: text("accepted_at").notNull(),
});

/** A rule's action, as stored (JSON). */
export type RuleActionValue =
  | { type: "decline"; reason?: string }
  | { type: "refer"; reason?: string }
  | { type: "surcharge"; factor: number; reason?: string }
  | { type: "require"; field: string; reason?: string };

export const rules = sqliteTable("rules", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  description: text("description"),
  condition: text("condition", { mode: "json" }).$type<unknown>().notNull(),
  action: text("action", { mode: "json" }).$type<RuleActionValue>().notNull(),
  priority: integer("priority").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  version: integer("version").notNull(),
  deletedAt: text("deleted_at"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type RuleRow = typeof rules.$inferSelect;

export const ruleVersions = sqliteTable(
  "rule_versions",
  {
    ruleId: text("rule_id").notNull(),
    version: integer("version").notNull(),
    orgId: text("org_id").notNull(),
    snapshot: text("snapshot", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    changedBy: text("changed_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.version] })],
);
