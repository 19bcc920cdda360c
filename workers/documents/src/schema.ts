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

/** A certificate's holder as stored (migrations/documents/0002). */
export interface CertificateHolderRecord {
  name: string;
  address: { line1: string; line2?: string; city: string; state: string; postalCode: string };
}

/** Certificates of insurance (migrations/documents/0002): one row per certificate, never updated. */
export const certificates = sqliteTable("certificates", {
  id: text("id").primaryKey(),
  orgId: text("org_id").notNull(),
  year: integer("year").notNull(),
  seq: integer("seq").notNull(),
  number: text("number").notNull(),
  policyId: text("policy_id").notNull(),
  policyNumber: text("policy_number").notNull(),
  documentId: text("document_id").notNull(),
  holder: text("holder", { mode: "json" }).$type<CertificateHolderRecord>().notNull(),
  descriptionOfOperations: text("description_of_operations"),
  additionalInsured: integer("additional_insured", { mode: "boolean" }).notNull(),
  waiverOfSubrogation: integer("waiver_of_subrogation", { mode: "boolean" }).notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
});

export type CertificateRow = typeof certificates.$inferSelect;

/** The events outbox: the table every event-recording worker shares (workers/_shared/outbox.ts). */
export { outboxEvents as events } from "#shared/outbox";

/** Where a sweep over the bucket stopped (migrations/documents/0006): one row per sweep. */
export const sweepCursors = sqliteTable("sweep_cursors", {
  name: text("name").primaryKey(),
  afterKey: text("after_key"),
  updatedAt: text("updated_at").notNull(),
});
