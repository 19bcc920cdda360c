/**
 * PDFs drawn directly (pdf/flow.ts over pdf/page-writer.ts), as the certificate of insurance is:
 * a real text layer in the embedded Roboto subset, wrapping, page breaks that carry a table's
 * header along, the page limit, and font subsets that stay each document's own although the
 * parsed faces and the ASCII subset are kept per isolate.
 */
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { Flow } from "../../workers/documents/src/pdf/flow.ts";
import { TooManyPagesError } from "../../workers/documents/src/pdf/render.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";

const flat = (text: string) => text.replace(/\s+/g, " ");
const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

/** Each embedded font program's stream as written, in object order. */
function fontFiles(bytes: Uint8Array): string[] {
  const pdf = latin1(bytes);
  return [...pdf.matchAll(/\/FontFile2 (\d+) 0 R/g)].map(([, id]) => new RegExp(`\\n${id} 0 obj\\n[\\s\\S]*?stream\\n([\\s\\S]*?)\\nendstream`).exec(pdf)![1]!);
}

async function drawn(build: (flow: Flow) => void, maxPages = 5) {
  const flow = new Flow(maxPages);
  build(flow);
  return flow.finish({ title: "Drawn" });
}

describe("drawn PDFs", () => {
  it("writes an embedded TrueType subset whose text layer reads back as drawn, accents and currency signs included", async () => {
    const { bytes, pages } = await drawn((flow) =>
      flow.add(
        flow.titleBand("CERTIFICATE OF LIABILITY INSURANCE", ["Certificate No. COI-2026-000001"]),
        flow.fieldBox("Insured", ["Müller & Søn Bäckerei — 5 000 €", ["State", "OR"]]),
      ),
    );
    expect(latin1(bytes.subarray(0, 5))).toBe("%PDF-");
    expect(pages).toBe(1);
    expect(latin1(bytes)).toMatch(/\/FontFile2/);
    expect((await PDFDocument.load(bytes)).getTitle()).toBe("Drawn");
    const text = flat((await pdfText(bytes)).text);
    for (const expected of ["CERTIFICATE OF LIABILITY INSURANCE", "Certificate No. COI-2026-000001", "INSURED", "Müller & Søn Bäckerei — 5 000 €", "State: OR", "Page 1 of 1"]) {
      expect(text).toContain(expected);
    }
  });

  it("wraps at spaces within the width, and breaks a word longer than a line inside it", async () => {
    const flow = new Flow(1);
    const sentence = "Tenant improvements at 100 Main St, Portland, including the loading dock and the roof.";
    const lines = flow.lines({ runs: [{ text: sentence }] }, 120);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(120);
    // Only the spaces that broke the lines are gone.
    expect(lines.map((l) => l.runs.map((r) => r.text).join("")).join(" ")).toBe(sentence);
    const word = "X".repeat(80);
    const broken = flow.lines({ runs: [{ text: word }] }, 100);
    expect(broken.length).toBeGreaterThan(1);
    expect(broken.map((l) => l.runs.map((r) => r.text).join("")).join("")).toBe(word);
    expect(flow.lines({ runs: [{ text: "one\ntwo" }] }, 500)).toHaveLength(2);
  });

  it("starts a new page for a row that does not fit, repeating the table's header there", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => [`Row ${i + 1}`, `Limit line one\nLimit line two of row ${i + 1}`]);
    const { bytes, pages } = await drawn((flow) => flow.add(...flow.table(["Coverage", "Limits"], rows, [100, "*"])));
    expect(pages).toBeGreaterThan(1);
    const read = await pdfText(bytes);
    expect(read.pages).toHaveLength(pages);
    read.pages.forEach((page, i) => {
      expect(page.startsWith("Coverage")).toBe(true);
      expect(page).toContain(`Page ${i + 1} of ${pages}`);
    });
    const text = flat(read.text);
    for (let i = 1; i <= 40; i++) expect(text).toContain(`Row ${i} `);
  });

  it("refuses a document past its page limit", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => [`Row ${i + 1}`, "Limit"]);
    await expect(drawn((flow) => flow.add(...flow.table(["Coverage", "Limits"], rows, [100, "*"])), 2)).rejects.toBeInstanceOf(TooManyPagesError);
  });

  it("shares one font file among documents that differ only in ASCII, and keeps a document's other glyphs its own", async () => {
    const page = (text: string) => drawn((flow) => flow.add(flow.fieldBox("Certificate holder", [text])));
    const first = await page("Harbor View Properties LLC, 100 Main St");
    const second = await page("Quayside Lofts #7 (zip 97204) & co.");
    const other = await page("Żółw Storage Co-op, Ωμέγα Жук");
    const after = await page("Harbor View Properties LLC, 100 Main St");
    // Regular for the text, Medium for the caption.
    expect(fontFiles(first.bytes)).toHaveLength(2);
    expect(fontFiles(second.bytes)).toEqual(fontFiles(first.bytes));
    expect(fontFiles(other.bytes)).not.toEqual(fontFiles(first.bytes));
    expect(fontFiles(after.bytes)).toEqual(fontFiles(first.bytes));
    expect(flat((await pdfText(other.bytes)).text)).toContain("Żółw Storage Co-op, Ωμέγα Жук");
    for (const doc of [first, after]) expect((await pdfText(doc.bytes)).text).not.toMatch(/Ż|ł|Ω|Ж|Quayside/);
  });
});
