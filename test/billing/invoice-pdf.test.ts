/**
 * Invoice PDFs in the billing worker, against the documents stand-in (vitest.config.ts): every
 * invoice is asked for once and gets its `documentId`; with documents down each stays pending and is
 * retried with backoff (a minute, then two, …) until it answers; a lost answer is retried and the
 * stand-in's one document per source key comes back, never a second.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { invoicePdfData, issuePendingPdfs } from "../../workers/billing/src/invoice-pdf.ts";
import { invoiceJobs, invoices } from "../../workers/billing/src/schema.ts";
import { realNow } from "../support/clock.ts";
import { billingEnv, bindPolicy, db } from "./harness.ts";

interface DocumentsStandIn {
  paperFaultForTest(orgId: string, mode: "down" | "lose_answer" | null): Promise<boolean>;
  paperCallsForTest(orgId: string): Promise<{ calls: number; documents: { id: string; invoiceId: string | null; data?: Record<string, any> }[] }>;
}
const documents = (env as unknown as { DOCUMENTS: DocumentsStandIn }).DOCUMENTS;

const billed = (orgId: string, plan: "PIF" | "QUARTERLY") => bindPolicy(orgId, plan, 1_200_000);
const jobsOf = (orgId: string) => db().select().from(invoiceJobs).where(eq(invoiceJobs.orgId, orgId)).orderBy(invoiceJobs.createdAt, invoiceJobs.id).all();
const at = (ms: number) => () => new Date(ms).toISOString();

describe("invoice PDFs", () => {
  it("issues one PDF per invoice with its number, policy, insured, lines and due date, and asks no more once issued", async () => {
    const orgId = newId("org");
    const facts = await billed(orgId, "QUARTERLY");
    expect(await issuePendingPdfs(db(), billingEnv, { orgId })).toBe(4);
    const jobs = await jobsOf(orgId);
    expect(jobs.every((j) => typeof j.documentId === "string" && j.pdfAttempts === 0)).toBe(true);
    const stored = await documents.paperCallsForTest(orgId);
    expect(stored.calls).toBe(4);
    const rows = await db().select().from(invoices).where(eq(invoices.orgId, orgId)).orderBy(invoices.number).all();
    const first = stored.documents.find((d) => d.invoiceId === rows[0]!.id)!;
    expect(first.data).toMatchObject({
      invoiceNumber: rows[0]!.number,
      policyNumber: facts.policyNumber,
      billTo: { name: facts.insuredName },
      issuer: { name: "Stand-in Agency" },
      dueDate: rows[0]!.dueDate,
      installment: { number: 1, of: 4 },
      status: "open",
    });
    expect(first.data!.lines).toEqual(rows[0]!.lines.map((l) => ({ description: l.description, amount: l.amountCents / 100 })));
    expect(await issuePendingPdfs(db(), billingEnv, { orgId })).toBe(0);
    expect((await documents.paperCallsForTest(orgId)).calls).toBe(4);
  });

  it("with documents down, leaves every invoice pending and retries it with backoff until it answers", async () => {
    const orgId = newId("org");
    await billed(orgId, "PIF");
    await documents.paperFaultForTest(orgId, "down");
    const t0 = realNow();
    expect(await issuePendingPdfs(db(), billingEnv, { orgId }, 25, at(t0))).toBe(0);
    let [job] = await jobsOf(orgId);
    expect(job).toMatchObject({ documentId: null, pdfAttempts: 1, pdfLastError: "documents_unavailable", pdfNextAttemptAt: new Date(t0 + 60_000).toISOString() });
    // Not due yet: the sweep does not ask.
    expect(await issuePendingPdfs(db(), billingEnv, {}, 25, at(t0 + 30_000))).toBe(0);
    expect((await documents.paperCallsForTest(orgId)).calls).toBe(1);
    // Due: asked again, still down, the wait doubles.
    await issuePendingPdfs(db(), billingEnv, {}, 25, at(t0 + 61_000));
    [job] = await jobsOf(orgId);
    expect(job).toMatchObject({ pdfAttempts: 2, pdfNextAttemptAt: new Date(t0 + 61_000 + 120_000).toISOString() });
    // Back up: the next due sweep issues it.
    await documents.paperFaultForTest(orgId, null);
    await issuePendingPdfs(db(), billingEnv, {}, 25, at(t0 + 200_000));
    [job] = await jobsOf(orgId);
    expect(job!.documentId).toMatch(/^doc_/);
    expect(job!.pdfNextAttemptAt).toBeNull();
  });

  it("after a lost answer, the retry gets the one document the first call stored", async () => {
    const orgId = newId("org");
    await billed(orgId, "PIF");
    await documents.paperFaultForTest(orgId, "lose_answer");
    await issuePendingPdfs(db(), billingEnv, { orgId });
    expect((await jobsOf(orgId))[0]!.documentId).toBeNull();
    await documents.paperFaultForTest(orgId, null);
    await issuePendingPdfs(db(), billingEnv, { orgId }, 25, at(realNow() + 61_000));
    const stored = await documents.paperCallsForTest(orgId);
    expect(stored.documents).toHaveLength(1);
    expect((await jobsOf(orgId))[0]!.documentId).toBe(stored.documents[0]!.id);
  });

  it("dates an invoice that bills an earlier day on its due date and says when it was issued", () => {
    const facts = { insuredName: "Harbor Freight Movers", installments: [] };
    const row = { id: "inv_1", kind: "reissue", installmentNumber: 2, number: "INV-2027-000009", policyNumber: "GL-2027-000001", dueDate: "2027-03-01", createdAt: "2027-05-02T10:00:00.000Z", status: "open",
      lines: [{ kind: "premium", description: "Premium, re-issued", amountCents: 150_000 }], premiumCreditedCents: 0, chargesWaivedCents: 0, paidCents: 0, refundedCents: 0 } as never;
    const data = invoicePdfData(row, facts, null);
    expect(data).toMatchObject({ issueDate: "2027-03-01", dueDate: "2027-03-01", lines: [{ description: "Premium, re-issued", amount: 1500 }] });
    expect(data.notes).toContain("Issued 2027-05-02");
    expect(data.installment).toBeUndefined();
  });
});
