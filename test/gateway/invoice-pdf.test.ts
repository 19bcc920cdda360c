/**
 * Invoice PDFs through the whole platform: each invoice of a bind gets its PDF from the documents
 * worker (kind `invoice`, its `invoiceId` set), exposed as the invoice's `documentId`, and its text
 * layer names the invoice number, policy number, insured, lines, due date and amounts.
 */
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { money, usDate } from "../../workers/documents/src/templates/layout.ts";
import { realNow, testDay } from "../support/clock.ts";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function textOf(t: Tenant, documentId: string) {
  const meta = await json(await call("GET", `/v1/documents/${documentId}`, { apiKey: t.apiKey }));
  const url = new URL(meta.downloadUrl);
  const download = await call("GET", url.pathname + url.search);
  expect(download.headers.get("content-type")).toBe("application/pdf");
  return { meta, text: (await pdfText(new Uint8Array(await download.arrayBuffer()))).text.replace(/\s+/g, " ") };
}

describe("invoice PDFs", () => {
  it("every invoice of a bind gets a PDF naming its number, policy, insured, lines, due date and amounts", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insuredName: "Cascade Timber Works" }), "TWO_PAY");
    const invoices = await eventually(
      async () => (await json<{ data: Record<string, any>[] }>(await call("GET", `/v1/invoices?policyId=${policy.id}&sort=createdAt`, { apiKey: t.apiKey }))).data,
      (xs) => xs.length === 2 && xs.every((i) => typeof i.documentId === "string"),
    );
    expect(new Set(invoices.map((i) => i.documentId)).size).toBe(2);
    for (const inv of invoices) {
      const { meta, text } = await textOf(t, inv.documentId);
      expect(meta).toMatchObject({ kind: "invoice", invoiceId: inv.id, policyId: policy.id, contentType: "application/pdf" });
      expect(text).toContain(inv.number);
      expect(text).toContain(policy.policyNumber);
      expect(text).toContain("Cascade Timber Works");
      expect(text).toContain(`Due ${usDate(inv.dueDate)}`);
      for (const line of inv.lines) {
        expect(text).toContain(line.description);
        expect(text).toContain(money(line.amount));
      }
      expect(text).toContain(`Amount due ${money(inv.amountDue)}`);
    }
    // The invoice read alone shows the same document.
    const one = await json(await call("GET", `/v1/invoices/${invoices[1]!.id}`, { apiKey: t.apiKey }));
    expect(one.documentId).toBe(invoices[1]!.documentId);
  });
});
