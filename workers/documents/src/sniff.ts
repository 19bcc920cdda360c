/**
 * What a file is, from its first bytes: the maintained `file-type` detector (pure JS on Uint8Array,
 * so it runs in workerd), limited to the types the platform accepts. The uploader's Content-Type is
 * never trusted. Plain text has no signature, so it is recognised as valid UTF-8 without NUL bytes.
 */
import { fileTypeFromBuffer } from "file-type";

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

/** The detected media type of a file whose first bytes are `head`, or null when it is none of ours. */
export async function sniffContentType(head: Uint8Array): Promise<string | null> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return ACCEPTED_TYPES.has(detected.mime) ? detected.mime : null;
  return looksLikeText(head) ? "text/plain" : null;
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
