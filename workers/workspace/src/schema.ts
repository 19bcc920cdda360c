import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Feature, Plan } from "#contract/types.gen";

/** Drizzle view of migrations/workspace; keep the two identical. */
export const workspaces = sqliteTable("workspaces", {
  orgId: text("org_id").primaryKey(),
  plan: text("plan").$type<Plan>().notNull(),
  timezone: text("timezone").notNull(),
  locale: text("locale").notNull(),
  deletedAt: text("deleted_at"),
  purgeAfter: text("purge_after"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});
export type WorkspaceRow = typeof workspaces.$inferSelect;

export const usageRecords = sqliteTable("usage_records", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  feature: text("feature").$type<Feature>().notNull(),
  quantity: integer("quantity").notNull(),
  period: text("period").notNull(),
  metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown> | null>(),
  actor: text("actor").notNull(),
  createdAt: text("created_at").notNull(),
});
export type UsageRecordRow = typeof usageRecords.$inferSelect;
