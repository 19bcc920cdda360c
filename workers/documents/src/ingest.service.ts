/**
 * Ingest: a client's file is read (at most 25 MiB, the rest never), its type detected from its
 * bytes, its text extracted and classified, and only then stored, as an `upload` with its
 * classification. Everything that can refuse a file runs before the store, so a refused file
 * (unsupported, empty, too large, an unparseable PDF) leaves no object and no row.
 */
import { and, eq } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { isId } from "#shared/ids";
import type { DocumentClassification } from "#contract/types.gen";
import type { AcordSource, DocumentRecord, IngestDocumentInput, IngestedDocumentRecord, WorkspaceInternalRpc } from "#shared/rpc";
import { readCapped } from "#shared/streams";
import { aiCanRead, classifyWithAi, type AiRunner } from "./classifier/ai.ts";
import type { DocumentEvidence } from "./classifier/features.ts";
import { classifyLocally, type NaiveBayesModel } from "./classifier/model.ts";
import { checkInput, MAX_DOCUMENT_BYTES, objectKey, storeDocument, toRecord, type DocumentsDeps } from "./documents.service.ts";
import { extract } from "./extract.service.ts";
import type { AiFlags } from "./flags.ts";
import { documents } from "./schema.ts";
import { SNIFF_BYTES, sniffContentType } from "./sniff.ts";

/** What ingest classifies: PDFs and pictures (DECISIONS.md); office files and text are stored, not ingested. */
export const INGEST_TYPES = new Set(["application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/heic", "image/heif"]);

export interface IngestDeps extends DocumentsDeps {
  /** The committed local model (classifier/model.json). */
  model: NaiveBayesModel;
  /** Workers AI, when bound; asked only when {@link IngestDeps.aiFlags} says so for the org. */
  ai?: AiRunner;
  /** The org's flags `documents.ai_classification` and `documents.ai_model` (flags.ts); read only when `ai` or `orgLlm` is there and the file has text. */
  aiFlags: (orgId: string) => Promise<AiFlags>;
  /** How long Workers AI may take (default classifier/ai.ts's AI_TIMEOUT_MS); tests shorten it. */
  aiTimeoutMs?: number;
  /**
   * The workspace worker's completion with the org's own LLM key (BYOK, connectors/llm): asked first
   * when the flag is on and the file has text; `not_found` (no key) hands over to Workers AI.
   */
  orgLlm?: Pick<WorkspaceInternalRpc, "completeWithOrgLlm">;
}

/**
 * The org's own key as an {@link AiRunner}, so classifyWithAi's prompt, timeout and parsing serve it
 * too: `noKey` says the org has none (Workers AI is asked instead), `model` which model answered.
 */
function orgLlmRunner(orgLlm: NonNullable<IngestDeps["orgLlm"]>, orgId: string) {
  const state: { noKey: boolean; model: string | null } = { noKey: false, model: null };
  const runner: AiRunner = {
    async run(_model, inputs) {
      const answer = await orgLlm.completeWithOrgLlm(orgId, { messages: inputs.messages, maxTokens: inputs.max_tokens ?? 200 });
      if (!answer.ok) {
        state.noKey = answer.error.code === "not_found";
        throw new Error(answer.error.message);
      }
      state.model = `byok:${answer.value.provider}:${answer.value.model}`;
      return answer.value.text;
    },
  };
  return { runner, state };
}

type Read = { ok: true; bytes: Uint8Array } | { ok: false; error: ReturnType<typeof fail> };

/** The whole file, or a refusal as soon as it passes 25 MiB (the stream is cancelled there). */
async function readFile(body: IngestDocumentInput["body"]): Promise<Read> {
  if (!(body instanceof ReadableStream)) {
    const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
    return bytes.byteLength > MAX_DOCUMENT_BYTES ? { ok: false, error: tooLarge() } : { ok: true, bytes };
  }
  const bytes = await readCapped(body, MAX_DOCUMENT_BYTES);
  return bytes ? { ok: true, bytes } : { ok: false, error: tooLarge() };
}

const tooLarge = () => fail("payload_too_large", `Documents are limited to ${MAX_DOCUMENT_BYTES} bytes (25 MiB)`, { limit: MAX_DOCUMENT_BYTES });

/**
 * The local model's answer, or an LLM's when the flag is on and the file has text to read: the org's
 * own key's (through the workspace worker) when it has one, else Workers AI's when the binding
 * exists; any failure answers with the local model and records why.
 */
async function classify(deps: IngestDeps, orgId: string, evidence: DocumentEvidence): Promise<DocumentClassification> {
  const local = classifyLocally(deps.model, evidence);
  const localAnswer = (fallbackReason: DocumentClassification["fallbackReason"]): DocumentClassification => ({
    kind: local.kind,
    confidence: local.confidence,
    signals: local.signals,
    model: `local:${local.model}`,
    fallbackReason,
  });
  if ((!deps.ai && !deps.orgLlm) || !aiCanRead(evidence)) return localAnswer(null);
  const flags = await deps.aiFlags(orgId);
  if (!flags.enabled) return localAnswer(null);
  const aiAnswer = (answer: Awaited<ReturnType<typeof classifyWithAi>>, model: string): DocumentClassification =>
    answer.ok
      ? { kind: answer.value.kind, confidence: answer.value.confidence, signals: answer.value.signals.map((feature) => ({ feature, weight: null })), model, fallbackReason: null }
      : localAnswer(answer.reason);
  if (deps.orgLlm) {
    const { runner, state } = orgLlmRunner(deps.orgLlm, orgId);
    const answer = await classifyWithAi(runner, evidence, deps.aiTimeoutMs);
    if (!state.noKey) return aiAnswer(answer, state.model ?? "byok");
  }
  if (!deps.ai) return localAnswer(null);
  return aiAnswer(await classifyWithAi(deps.ai, evidence, deps.aiTimeoutMs, flags.model), `ai:${flags.model}`);
}

/** Reads, classifies and stores a client's file; see the module comment for what is refused. */
export async function ingestDocument(deps: IngestDeps, principal: Principal, input: IngestDocumentInput, now: Date = new Date()): Promise<Result<IngestedDocumentRecord>> {
  const links = { policyId: input.policyId, submissionId: input.submissionId, claimId: input.claimId };
  const checked = checkInput({ kind: "upload", filename: input.filename, body: new Uint8Array(0), ...links });
  if (!checked.ok) {
    if (input.body instanceof ReadableStream) await input.body.cancel().catch(() => undefined);
    return checked;
  }
  const read = await readFile(input.body);
  if (!read.ok) return read.error;
  const { bytes } = read;
  if (bytes.byteLength === 0) return fail("validation_failed", "The document is empty", { field: "file", rule: "empty" });
  const contentType = await sniffContentType(bytes.subarray(0, SNIFF_BYTES));
  if (contentType === null || !INGEST_TYPES.has(contentType)) {
    return fail("unsupported_media_type", "Ingest takes a PDF or an image (PNG, JPEG, GIF, WebP, TIFF, HEIC), detected from the file's bytes", {
      field: "file",
      rule: "content_type",
      ...(contentType ? { detected: contentType } : {}),
    });
  }
  const extracted = await extract(bytes, contentType);
  if (!extracted.ok) return extracted;
  const { evidence, acordFields } = extracted.value;
  const classification = await classify(deps, principal.orgId, evidence);
  const stored = await storeDocument(deps, principal, { kind: "upload", filename: input.filename, body: bytes, ...links }, now, { classification });
  if (!stored.ok) return stored;
  return ok({
    ...stored.value,
    classification,
    text: {
      characters: evidence.text.replace(/\s+/g, "").length,
      pages: evidence.pages,
      formFields: evidence.formFields.length,
      // The recognised fields are an ACORD 125's: shown only when that is what the file is.
      acord125Fields: classification.kind === "acord_125" ? acordFields : [],
    },
  });
}

/**
 * The bytes of `principal`'s ingested ACORD 125 `id`, for underwriting's intake (which never reads
 * this worker's tables or bucket). Another org's or a missing document is `not_found`; one that was
 * not ingested, or was classified as something else, is refused naming what it is.
 */
export async function readAcordSource(deps: DocumentsDeps, principal: Principal, id: string): Promise<Result<AcordSource>> {
  if (!isId("doc", id)) return notFound("Document");
  const row = await deps.db.select().from(documents).where(and(eq(documents.orgId, principal.orgId), eq(documents.id, id))).get();
  if (!row) return notFound("Document");
  const document: DocumentRecord = toRecord(row);
  const kind = row.classification?.kind ?? null;
  if (kind !== "acord_125") {
    const what = kind === null ? "was not ingested (POST /v1/documents/ingest classifies a file)" : `is classified as ${kind}`;
    return fail("business_rule_violation", `Document ${id} ${what}; only an ingested ACORD 125 can become a submission`, { field: "documentId", rule: "acord_125", kind });
  }
  const object = await deps.bucket.get(objectKey(principal.orgId, id));
  if (!object) return fail("internal_error", "The document's bytes are missing");
  return ok({ document, bytes: new Uint8Array(await object.arrayBuffer()) });
}
