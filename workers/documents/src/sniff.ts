/**
 * What a file is, from its first bytes: the maintained `file-type` detector (pure JS on Uint8Array,
 * so it runs in workerd), limited to the types the platform accepts. The uploader's Content-Type is
 * never trusted. Plain text has no signature, so it is recognised as valid UTF-8 without NUL bytes.
 */
import { fileTypeFromBuffer } from "file-type";
import type { DocumentKind } from "#contract/types.gen";

/** Bytes read before detection: `file-type`'s own "reasonable detection size". */
export const SNIFF_BYTES = 4100;

/** The media types a document may have (DECISIONS.md: PDF, images, DOCX, text). */
export const ACCEPTED_TYPES = new Set([
  "application/pdf",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/tiff",
  "image/heic",
  "image/heif",
  "application/zip",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "text/plain",
]);

/**
 * Kinds held to fewer types than every document may have: a claim attachment is evidence a person
 * reads (DECISIONS.md, "Claims": PDF, JPEG, PNG, HEIC, plain text, DOCX), never an archive or a sheet.
 */
const KIND_TYPES: Partial<Record<DocumentKind, ReadonlySet<string>>> = {
  claim_attachment: new Set(["application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "text/plain", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]),
};

/** The types a document of `kind` may have. */
export const acceptedTypesOf = (kind: DocumentKind): ReadonlySet<string> => KIND_TYPES[kind] ?? ACCEPTED_TYPES;

/** What an accepted set is called in a 415's message. */
export const describeTypes = (kind: DocumentKind): string =>
  KIND_TYPES[kind] ? "PDF, JPEG, PNG, HEIC, plain text or DOCX" : "PDF, PNG, JPEG, GIF, WebP, TIFF, HEIC, ZIP, DOCX, XLSX or plain text";

/** The detected media type of a file whose first bytes are `head`, or null when it is none of `accepted`. */
export async function sniffContentType(head: Uint8Array, accepted: ReadonlySet<string> = ACCEPTED_TYPES): Promise<string | null> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return accepted.has(detected.mime) ? detected.mime : null;
  return accepted.has("text/plain") && looksLikeText(head) ? "text/plain" : null;
}

/** UTF-8 without NUL or other C0 controls than tab and line breaks; a cut multi-byte tail is allowed. */
function looksLikeText(head: Uint8Array): boolean {
  let text: string;
  try {
    // `stream: true` tolerates a character cut at the end of the sample.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head, { stream: true });
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/.test(text);
}
