/**
 * What the local classifier sees of a document: the words of its text layer (unigrams and
 * bigrams) and a few structural facts (its media type, page count, whether it has text at all,
 * the names of its form fields). Pure and deterministic, shared by the worker at ingest and by
 * scripts/train-classifier.ts, so the model is trained on exactly the features it is asked about.
 */
import type { DocumentClass } from "#contract/types.gen";

/** The kinds of DECISIONS.md ("Documents"), in the order reports list them. */
export const DOCUMENT_CLASSES = [
  "acord_125",
  "acord_25",
  "loss_run",
  "policy_declarations",
  "endorsement",
  "invoice",
  "claim_form",
  "police_report",
  "photo",
  "other",
] as const satisfies readonly DocumentClass[];

export type { DocumentClass };

/** What extraction learned about a file, before any classification. */
export interface DocumentEvidence {
  /** The media type detected from the bytes. */
  contentType: string;
  /** The text layer, pages joined by newlines ("" for an image or a scan without one). */
  text: string;
  /** Pages of a PDF; 1 for an image. */
  pages: number;
  /** Names of the PDF's AcroForm fields (their last name segment, without `[n]`), in form order. */
  formFields: string[];
}

/** Fewer characters than this is a page without a text layer (a scan), whatever stray glyphs it has. */
export const MIN_TEXT_CHARACTERS = 40;

/**
 * Structural features weigh as much as this many words: a document has hundreds of words and
 * one media type, and "no text layer" must be able to outvote a few stray OCR glyphs.
 */
export const STRUCTURAL_WEIGHT = 8;

/** Form field names counted, at most: a generated form with thousands of fields gains nothing more. */
const MAX_FIELDS = 200;

/** Words counted, at most (the first ones: titles and headings come first). */
const MAX_TOKENS = 4000;

const STOP = new Set(["the", "of", "and", "to", "a", "in", "or", "for", "is", "on", "be", "by", "as", "at", "an", "it", "this", "that", "with", "any", "all", "are", "not", "from"]);

/** Lowercase words of two or more letters; digits and punctuation separate words and are dropped. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z]+/)) {
    if (raw.length < 2 || raw.length > 24 || STOP.has(raw)) continue;
    out.push(raw);
    if (out.length >= MAX_TOKENS) break;
  }
  return out;
}

/** A form field's name as a feature: lowercase letters and digits only. */
export const fieldKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Feature name → count (structural features already weighted). */
export type FeatureCounts = Map<string, number>;

/** The features of one document. */
export function features(evidence: DocumentEvidence): FeatureCounts {
  const counts: FeatureCounts = new Map();
  const add = (f: string, n = 1) => counts.set(f, (counts.get(f) ?? 0) + n);
  const type = evidence.contentType.toLowerCase();
  const family = type === "application/pdf" ? "pdf" : type.startsWith("image/") ? "image" : "other";
  add(`#type:${family}`, STRUCTURAL_WEIGHT);
  if (family === "image") add(`#type:${type.slice("image/".length)}`, STRUCTURAL_WEIGHT);
  const characters = evidence.text.replace(/\s+/g, "").length;
  if (characters < MIN_TEXT_CHARACTERS) add("#text:none", STRUCTURAL_WEIGHT);
  if (family === "pdf") add(`#pages:${evidence.pages >= 3 ? "3+" : evidence.pages}`, STRUCTURAL_WEIGHT / 2);
  if (evidence.formFields.length > 0) add("#form", STRUCTURAL_WEIGHT);
  for (const name of evidence.formFields.slice(0, MAX_FIELDS)) add(`#field:${fieldKey(name)}`, 2);
  const w = words(evidence.text);
  for (let i = 0; i < w.length; i++) {
    add(w[i]!);
    if (i + 1 < w.length) add(`${w[i]} ${w[i + 1]}`);
  }
  return counts;
}
