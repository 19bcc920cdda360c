import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Feature, Plan } from "#contract/types.gen";
import type { Role } from "#shared/auth";

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
  /** When the org's data was purged; the row stays as the tombstone (migration 0006). */
  purgedAt: text("purged_at"),
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

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

export const invitations = sqliteTable("invitations", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  email: text("email").notNull(),
  role: text("role").$type<Role>().notNull(),
  status: text("status").$type<InvitationStatus>().notNull(),
  tokenHash: text("token_hash").notNull(),
  invitedBy: text("invited_by").notNull(),
  expiresAt: text("expires_at").notNull(),
  memberId: text("member_id"),
  acceptedAt: text("accepted_at"),
  revokedAt: text("revoked_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type InvitationRow = typeof invitations.$inferSelect;

export const memberRemovals = sqliteTable("member_removals", {
  userId: text("user_id").primaryKey(),
  orgId: text("org_id").notNull(),
  email: text("email").notNull(),
  name: text("name").notNull(),
  role: text("role").$type<Role>().notNull(),
  revokedApiKeys: integer("revoked_api_keys").notNull(),
  removedBy: text("removed_by").notNull(),
  removedAt: text("removed_at").notNull(),
});
