import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Drizzle view of migrations/deal-rooms; keep the two identical. */
export const rooms = sqliteTable("rooms", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  submissionId: text("submission_id"),
  participants: text("participants", { mode: "json" }).$type<string[]>().notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
});

export type RoomRow = typeof rooms.$inferSelect;
