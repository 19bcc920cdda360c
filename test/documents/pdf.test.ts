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

  it("keeps each document's font subset its own although the parsed font and shaped words are shared per isolate", async () => {
    const page = (lines: string[]) => ({ info: { title: "Subset" }, content: lines.map((text) => ({ text, bold: text.startsWith("#") })) });
    const only = ["Harbor View Properties LLC", "# Certificate holder"];
    const before = await renderPdf(page(only));
    // Glyphs and words the other documents never use: Greek, Cyrillic, digits, a bold heading.
    const other = await renderPdf(page(["Ωμέγα Ψυχή Жук 0123456789", "# Quayside Lofts Cooperative", "Harbor View Properties LLC"]));
    const after = await renderPdf(page(only));
    const [textBefore, textOther, textAfter] = await Promise.all([before, other, after].map(async (r) => (await pdfText(r.bytes)).text));
    expect(textOther).toContain("Ωμέγα Ψυχή Жук 0123456789");
    expect(textOther).toContain("Quayside Lofts Cooperative");
    for (const text of [textBefore, textAfter]) {
      expect(text).toContain("Harbor View Properties LLC");
      expect(text).not.toMatch(/Ω|Ж|Quayside|0123/);
    }
    // The same document before and after another one is the same file, but for its dates and id:
    // nothing the other document embedded (glyphs, widths, its ToUnicode map) was carried over.
    const stable = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes).replace(/\((D:[^)]*)\)/g, "(D:)").replace(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/g, "/ID []");
    expect(after.bytes.length).toBe(before.bytes.length);
    expect(stable(after.bytes)).toBe(stable(before.bytes));
  });

  it("embeds one font file for documents that differ only in their ASCII text, and another once a glyph outside it is used", async () => {
    /** Each embedded font program's stream, in object order (compressed bytes as written). */
    const fontFiles = (bytes: Uint8Array) => {
      const pdf = new TextDecoder("latin1").decode(bytes);
      return [...pdf.matchAll(/\/FontFile2 (\d+) 0 R/g)].map(([, id]) => {
        const object = new RegExp(`\\n${id} 0 obj\\n[\\s\\S]*?stream\\n([\\s\\S]*?)\\nendstream`).exec(pdf);
        return object![1]!;
      });
    };
    const page = (text: string) => ({ content: [{ text }] });
    const [first, second, accented] = [
      await renderPdf(page("Harbor View Properties LLC, 100 Main St")),
      await renderPdf(page("Quayside Lofts #7 (zip 97204) & co.")),
      await renderPdf(page("Quayside Lofts, Zürich")),
    ].map((r) => fontFiles(r.bytes)) as [string[], string[], string[]];
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
    expect(accented).toHaveLength(1);
    expect(accented[0]!.length).toBeGreaterThan(first[0]!.length);
    expect((await pdfText((await renderPdf(page("Quayside Lofts, Zürich"))).bytes)).text).toContain("Zürich");
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
