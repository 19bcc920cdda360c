/**
 * Drizzle mirror of `migrations/identity/*.sql` (the SQL is the source of truth; keep the two identical).
 * Timestamps are ISO-8601 UTC text so they order and compare correctly as strings.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { RateLimitTier, Role } from "#shared/auth";
import type { OutboxEmailKind } from "./types.ts";

export const orgs = sqliteTable(
  "orgs",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("orgs_slug_unique").on(t.slug)],
);

/** An org's sandbox clock: milliseconds ahead of real time (negative: behind). No row is real time. */
export const sandboxClocks = sqliteTable("sandbox_clocks", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  offsetMs: integer("offset_ms").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    passwordHash: text("password_hash").notNull(),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email), index("users_org_id_idx").on(t.orgId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(),
    /** JSON array of scope strings. */
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    rateLimitTier: text("rate_limit_tier").$type<RateLimitTier>().notNull(),
    expiresAt: text("expires_at"),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
    rotatedFromId: text("rotated_from_id"),
    /**
     * The id of the first key of this key's rotation chain (its own id when never rotated into):
     * a key and its rotations are one principal (migrations/identity/0003). Set by every insert;
     * nullable only because SQLite cannot add a NOT NULL column without a default.
     */
    lineageId: text("lineage_id"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_unique").on(t.keyHash),
    index("api_keys_org_created_idx").on(t.orgId, t.createdAt, t.id),
    uniqueIndex("api_keys_rotated_from_id_unique").on(t.rotatedFromId),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("sessions_token_hash_unique").on(t.tokenHash), index("sessions_user_id_idx").on(t.userId)],
);

export const verificationCodes = sqliteTable("verification_codes", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  codeHash: text("code_hash").notNull(),
  attempts: integer("attempts").notNull().default(0),
  expiresAt: text("expires_at").notNull(),
  createdAt: text("created_at").notNull(),
});

export const outboxEmails = sqliteTable(
  "outbox_emails",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id"),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    kind: text("kind").$type<OutboxEmailKind>().notNull(),
    createdAt: text("created_at").notNull(),
    // migrations/identity/0005: the email queue's relay.
    template: text("template"),
    sentBy: text("sent_by"),
    relayedAt: text("relayed_at"),
    relayClaimedAt: text("relay_claimed_at"),
  },
  (t) => [
    index("outbox_emails_to_created_idx").on(t.toAddress, t.createdAt, t.id),
    index("outbox_emails_created_idx").on(t.createdAt, t.id),
  ],
);

export type OrgRow = typeof orgs.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type VerificationCodeRow = typeof verificationCodes.$inferSelect;
export type OutboxEmailRow = typeof outboxEmails.$inferSelect;
export type NewOutboxEmailRow = typeof outboxEmails.$inferInsert;
