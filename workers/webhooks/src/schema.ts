import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Drizzle view of migrations/webhooks; keep the two identical. */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  url: text("url").notNull(),
  description: text("description"),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  disabledReason: text("disabled_reason").$type<DisabledReason>(),
  disabledAt: text("disabled_at"),
  secretCiphertext: text("secret_ciphertext"),
  previousSecretCiphertext: text("previous_secret_ciphertext"),
  previousSecretExpiresAt: text("previous_secret_expires_at"),
  successCount: integer("success_count").notNull(),
  failureCount: integer("failure_count").notNull(),
  consecutiveFailures: integer("consecutive_failures").notNull(),
  failingSince: text("failing_since"),
  lastDeliveryAt: text("last_delivery_at"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  deletedAt: text("deleted_at"),
});

export const events = sqliteTable("events", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  type: text("type").notNull(),
  source: text("source").notNull(),
  body: text("body").notNull(),
  createdAt: text("created_at").notNull(),
  receivedAt: text("received_at").notNull(),
});

export const deliveries = sqliteTable("webhook_deliveries", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  endpointId: text("endpoint_id").notNull(),
  eventId: text("event_id").notNull(),
  eventType: text("event_type").notNull(),
  /** The event's subject (subject.ts); null: never ordered. */
  subject: text("subject"),
  /** The event's envelope timestamp: its place in the subject's order (then event_id). */
  occurredAt: text("occurred_at"),
  status: text("status").$type<DeliveryStatus>().notNull(),
  attemptCount: integer("attempt_count").notNull(),
  scheduleStart: integer("schedule_start").notNull(),
  nextAttemptAt: text("next_attempt_at"),
  requeuedAt: text("requeued_at"),
  deadLetteredAt: text("dead_lettered_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const deliveryAttempts = sqliteTable(
  "webhook_delivery_attempts",
  {
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    responseExcerpt: text("response_excerpt"),
    error: text("error"),
    attemptedAt: text("attempted_at").notNull(),
    nextAttemptAt: text("next_attempt_at"),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

/** Why the platform disabled an endpoint; a user's own disable leaves it null. */
export type DisabledReason = "gone" | "failing";
export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type DeliveryAttemptRow = typeof deliveryAttempts.$inferSelect;
