/**
 * Invoice PDFs inside workerd: `DocumentsInternal.issueInvoiceDocument` renders the invoice template
 * into a document of kind `invoice` linked to its invoice and policy, whose text layer says what the
 * invoice is, once per source key however often it is asked; bad data names its field.
 */
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import type { InvoiceDocumentRequest } from "#shared/rpc";
import type { DocumentsInternal } from "../../workers/documents/src/internal.ts";
import { database } from "../../workers/documents/src/database.ts";
import { objectKey } from "../../workers/documents/src/documents.service.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { documents } from "../../workers/documents/src/schema.ts";
import { errorOf, unwrap } from "../support/results.ts";

const internal = (exports as unknown as { DocumentsInternal: Service<DocumentsInternal> }).DocumentsInternal;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;

const request = (invoiceId = newId("inv")): InvoiceDocumentRequest => ({
  sourceKey: `invoice:${invoiceId}`,
  invoiceId,
  policyId: newId("pol"),
  filename: "INV-2027-000007.pdf",
  data: {
    invoiceNumber: "INV-2027-000007",
    policyNumber: "GL-2027-000003",
    issueDate: "2027-01-01",
    dueDate: "2027-04-01",
    status: "open",
    billTo: { name: "Cascade Timber Works" },
    issuer: { name: "Harbor Risk Partners" },
    installment: { number: 2, of: 4 },
    lines: [
      { description: "Premium, installment 2 of 4", amount: 3_000 },
      { description: "Installment fee", amount: 5 },
    ],
    amountPaid: 1_000,
    notes: "Installment invoice for policy GL-2027-000003.",
  },
});

describe("issueInvoiceDocument", () => {
  it("stores the invoice PDF once per source key, linked to its invoice, its text naming the invoice", async () => {
    const orgId = newId("org");
    const req = request();
    const first = unwrap(await internal.issueInvoiceDocument(orgId, req));
    expect(first).toMatchObject({ kind: "invoice", invoiceId: req.invoiceId, policyId: req.policyId, contentType: "application/pdf", template: "invoice" });
    const again = unwrap(await internal.issueInvoiceDocument(orgId, req));
    expect(again.id).toBe(first.id);
    const rows = await database(env as never).select().from(documents).where(eq(documents.orgId, orgId)).all();
    expect(rows).toHaveLength(1);
    const object = await bucket.get(objectKey(orgId, first.id));
    const text = (await pdfText(new Uint8Array(await object!.arrayBuffer()))).text.replace(/\s+/g, " ");
    for (const expected of ["INV-2027-000007", "GL-2027-000003", "Cascade Timber Works", "Harbor Risk Partners", "04/01/2027", "2 of 4", "Premium, installment 2 of 4", "$3,000", "$5", "$1,000", "$2,005"]) {
      expect(text).toContain(expected);
    }
  });

  it("refuses data the template refuses, naming the field, and stores nothing", async () => {
    const orgId = newId("org");
    const req = request();
    const bad = { ...req, data: { ...req.data, lines: [{ description: "Premium", amount: 10.001 }] } };
    expect(errorOf(await internal.issueInvoiceDocument(orgId, bad))).toMatchObject({ code: "validation_failed", details: { field: "data.lines.0.amount" } });
    expect(errorOf(await internal.issueInvoiceDocument(orgId, { ...req, invoiceId: "pol_1" }))).toMatchObject({ code: "validation_failed", details: { field: "invoiceId" } });
    expect(await database(env as never).select().from(documents).where(eq(documents.orgId, orgId)).all()).toEqual([]);
  });
});
