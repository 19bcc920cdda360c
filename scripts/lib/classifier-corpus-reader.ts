/**
 * Reads the committed classifier corpus (test/fixtures/classifier-corpus) as the worker reads an
 * upload: type sniffed from the bytes, text and form fields extracted by the documents worker's own
 * code, so training, the report and ingest see identical evidence.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DocumentEvidence } from "../../workers/documents/src/classifier/features.ts";
import { extract } from "../../workers/documents/src/extract.service.ts";
import { sniffContentType, SNIFF_BYTES } from "../../workers/documents/src/sniff.ts";
import type { CorpusEntry } from "../classifier-corpus.ts";

export const CORPUS_DIR = join(import.meta.dirname, "..", "..", "test", "fixtures", "classifier-corpus");

export function readManifest(): CorpusEntry[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, "manifest.json"), "utf8")) as CorpusEntry[];
}

/** The evidence of one corpus file; throws when the corpus holds a file the worker would refuse. */
export async function evidenceOf(entry: CorpusEntry): Promise<DocumentEvidence> {
  const bytes = new Uint8Array(readFileSync(join(CORPUS_DIR, entry.file)));
  const contentType = await sniffContentType(bytes.subarray(0, SNIFF_BYTES));
  if (!contentType) throw new Error(`${entry.file}: not an accepted type`);
  const extracted = await extract(bytes, contentType);
  if (!extracted.ok) throw new Error(`${entry.file}: ${extracted.error.message}`);
  return extracted.value.evidence;
}
