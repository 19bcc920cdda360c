/**
 * A PDF's text layer, read with unpdf's serverless build of pdf.js (no worker thread, no canvas):
 * how ingest learns what an uploaded PDF says, and how the tests prove a rendered PDF says it.
 */
import { extractText, getDocumentProxy } from "unpdf";

/** What a PDF's text layer holds, page by page, and the page count. */
export interface PdfText {
  pages: string[];
  /** Every page's text joined by a newline. */
  text: string;
}

/** Reads the text of every page. Throws when the bytes are not a PDF pdf.js can parse. */
export async function pdfText(bytes: Uint8Array): Promise<PdfText> {
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const doc = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { text } = await extractText(doc, { mergePages: false });
    return { pages: text, text: text.join("\n") };
  } finally {
    // Frees pdf.js's per-document caches now rather than at the isolate's garbage collection.
    await doc.cleanup();
  }
}
