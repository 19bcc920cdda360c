import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { EmailLogStatus, LlmKeyTestStatus, LlmProvider } from "#contract/types.gen";

/** Drizzle view of migrations/workspace/0003–0004, 0007 and 0008; keep the two identical. */
export const llmKeys = sqliteTable("llm_keys", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  provider: text("provider").$type<LlmProvider>().notNull(),
  model: text("model"),
  keyCiphertext: text("key_ciphertext").notNull(),
  last4: text("last4").notNull(),
  lastTestStatus: text("last_test_status").$type<LlmKeyTestStatus>(),
  lastTestHttpStatus: integer("last_test_http_status"),
  lastTestError: text("last_test_error"),
  lastTestedAt: text("last_tested_at"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  /** Workers AI only: the Cloudflare account the token runs models in (migration 0008). */
  accountId: text("account_id"),
});
export type LlmKeyRow = typeof llmKeys.$inferSelect;

export const emailTemplates = sqliteTable("email_templates", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  name: text("name").notNull(),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  variables: text("variables", { mode: "json" }).$type<string[]>().notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type EmailTemplateRow = typeof emailTemplates.$inferSelect;

export const emailLogs = sqliteTable("email_logs", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  to: text("to_address").notNull(),
  subject: text("subject").notNull(),
  kind: text("kind").notNull(),
  template: text("template"),
  status: text("status").$type<EmailLogStatus>().notNull(),
  messageId: text("message_id"),
  error: text("error"),
  sentBy: text("sent_by").notNull(),
  createdAt: text("created_at").notNull(),
  // migrations/workspace/0007: keyed by the outbox's id, followed to delivery.
  emailId: text("email_id"),
  attempts: integer("attempts").notNull().default(0),
  updatedAt: text("updated_at"),
});
export type EmailLogRow = typeof emailLogs.$inferSelect;
