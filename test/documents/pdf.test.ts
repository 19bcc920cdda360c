/**
 * PDF rendering inside workerd: pdfmake lays the page out in the embedded Roboto, and unpdf reads
 * the text layer back, which is how every document test proves what a PDF says.
 */
import { describe, expect, it } from "vitest";
import { renderPdf, TooManyPagesError } from "../../workers/documents/src/pdf/render.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";

describe("renderPdf", () => {
  it("writes a PDF with a text layer in the embedded font, accents and currency signs included", async () => {
    const { bytes, pages } = await renderPdf({
      info: { title: "Certificate" },
      content: [
        { text: "CERTIFICATE OF LIABILITY INSURANCE", bold: true, fontSize: 14 },
        { table: { body: [["Coverage", "Limit"], ["Each occurrence", "$1,000,000"]] } },
        { text: "Müller & Søn Bäckerei — 5 000 €" },
      ],
    });
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    expect(pages).toBe(1);
    // An embedded TrueType program, not a standard-14 font name.
    expect(new TextDecoder("latin1").decode(bytes)).toMatch(/\/FontFile2/);
    const { text } = await pdfText(bytes);
    expect(text).toContain("CERTIFICATE OF LIABILITY INSURANCE");
    expect(text).toContain("$1,000,000");
    expect(text).toContain("Müller & Søn Bäckerei — 5 000 €");
    expect(text).toContain("Page 1 of 1");
  });

  it("renders the same definition twice to the same text: nothing leaks between renders", async () => {
    const definition = () => ({ content: [{ table: { body: [["a", "b"]] } }, "second line"] });
    const [one, two] = [await renderPdf(definition()), await renderPdf(definition())];
    expect((await pdfText(one.bytes)).text).toBe((await pdfText(two.bytes)).text);
  });

  it("counts pages and refuses a document past its page limit", async () => {
    const long = { content: Array.from({ length: 3 }, (_, i) => ({ text: `Section ${i + 1}`, pageBreak: i ? ("before" as const) : undefined })) };
    expect((await renderPdf(long)).pages).toBe(3);
    await expect(renderPdf({ content: [...long.content] }, { maxPages: 2 })).rejects.toBeInstanceOf(TooManyPagesError);
  });

  it("never fetches a remote image a definition names", async () => {
    await expect(renderPdf({ content: [{ image: "https://example.com/logo.png" }] })).rejects.toThrow();
  });
});

describe("pdfText", () => {
  it("throws on bytes that are not a PDF", async () => {
    await expect(pdfText(new TextEncoder().encode("%PDF-1.7 but not really"))).rejects.toThrow();
  });
});
