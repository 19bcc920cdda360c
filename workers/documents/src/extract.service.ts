/**
 * Text extraction for ingest: what a file says, before it is classified or stored. A PDF's text
 * layer comes from {@link pdfText}; its AcroForm field names from pdf-lib, and when those are an
 * ACORD 125's, the submission fields the intake code (#shared/acord125, the same reader the
 * ACORD intake route uses) recognises. A PDF that cannot be parsed is `unreadable_document`.
 * Pure: runs in the worker and in the training script (Node) alike.
 */
import { PDFDocument } from "pdf-lib";
import { parseAcord125, type AcordFieldResult } from "#shared/acord125";
import { fail, ok, type Result } from "#shared/errors";
import type { DocumentEvidence } from "./classifier/features.ts";
import { pdfText } from "./pdf/text.ts";

/** An ACORD 125 field the reader found: the submission field, its value and where it came from. */
export interface RecognisedField {
  field: string;
  value: string | number | boolean | null;
  confidence: number;
  source: string | null;
}

export interface Extraction {
  evidence: DocumentEvidence;
  /** The ACORD 125 reader's found fields, when the PDF has a form it can read (else empty). */
  acordFields: RecognisedField[];
}

/** The last segment of a form field's full name, without an `[n]` index (`F[0].P1[0].X_A[0]` → `X_A`). */
const terminal = (name: string) => (name.split(".").pop() ?? name).replace(/\[\d+\]$/, "");

const unreadable = (reason: string) => fail("unreadable_document", `The PDF could not be read: ${reason}`, { field: "file", rule: "pdf" });

/**
 * What `bytes` (of the detected `contentType`) say. Images have no text here (no OCR): their
 * evidence is their type. Only a PDF can be unreadable.
 */
export async function extract(bytes: Uint8Array, contentType: string): Promise<Result<Extraction>> {
  if (contentType !== "application/pdf") {
    return ok({ evidence: { contentType, text: "", pages: 1, formFields: [] }, acordFields: [] });
  }
  let text: { pages: string[]; text: string };
  try {
    text = await pdfText(bytes);
  } catch {
    return unreadable("it is damaged, truncated or not a PDF");
  }
  let formFields: string[] = [];
  try {
    const doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
    // Read the catalog's AcroForm directly: doc.getForm() would create an empty one as a side effect.
    const acroForm = doc.catalog.getAcroForm();
    if (acroForm) formFields = acroForm.getAllFields().map(([field]) => terminal(field.getFullyQualifiedName() ?? ""));
  } catch {
    // pdf.js read the text but pdf-lib cannot follow the structure: the text is still evidence.
    formFields = [];
  }
  let acordFields: RecognisedField[] = [];
  if (formFields.length > 0) {
    const acord = await parseAcord125(bytes);
    if (acord.ok) acordFields = acord.value.fields.filter((f) => f.found).map(recognised);
  }
  return ok({ evidence: { contentType, text: text.text, pages: text.pages.length, formFields }, acordFields });
}

const recognised = (f: AcordFieldResult): RecognisedField => ({
  field: String(f.field),
  value: (f.value ?? null) as RecognisedField["value"],
  confidence: f.confidence,
  source: f.source,
});
