import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { DocumentClassification, DocumentKind } from "#contract/types.gen";

/** Drizzle view of migrations/documents; keep the two identical. */
export const documents = sqliteTable("documents", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  kind: text("kind").$type<DocumentKind>().notNull(),
  filename: text("filename").notNull(),
  contentType: text("content_type").notNull(),
  size: integer("size").notNull(),
  sha256: text("sha256").notNull(),
  policyId: text("policy_id"),
  submissionId: text("submission_id"),
  claimId: text("claim_id"),
  invoiceId: text("invoice_id"),
  /** migrations/documents/0004: a rendered document's template name, or `html`. */
  template: text("template"),
  /** Set once, at ingest (migration 0005); null for every other document. */
  classification: text("classification", { mode: "json" }).$type<DocumentClassification>(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  /** Set on issued policy paper: unique per org, so an issue asked twice finds the first document (migrations/documents/0003). */
  sourceKey: text("source_key"),
});

export type DocumentRow = typeof documents.$inferSelect;
