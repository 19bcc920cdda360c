/**
 * The document store: a file is streamed into R2 while its SHA-256 is computed, its type detected
 * from its first bytes, and its row written to D1 only after the object exists. Expected failures
 * are `Result` values; an infrastructure failure throws, after removing what it had written.
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { toHex } from "#shared/crypto";
import { atomically, listKeyset, type Statement } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { isId, newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import type { DocumentClassification, DocumentKind } from "#contract/types.gen";
import type { ByteRangeRequest, DocumentDownload, DocumentRecord, ListDocumentsQuery, StoreDocumentInput, WorkspaceInternalRpc } from "#shared/rpc";
import { documents, type DocumentRow } from "./schema.ts";
import { acceptedTypesOf, describeTypes, SNIFF_BYTES, sniffContentType } from "./sniff.ts";

/** DECISIONS.md: uploads up to 25 MiB; past it 413, without reading the rest. */
export const MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

/**
 * R2 takes a body of known length, so a stream is cut into parts: a file up to one part is one
 * conditional `put`; a larger one is a multipart upload of parts this size (R2 wants every part but
 * the last the same size, at least 5 MiB). At most one part is held in memory, never the file.
 */
export const PART_BYTES = 5 * 1024 * 1024;

export const DOCUMENT_KINDS: readonly DocumentKind[] = ["coi", "mcs90", "invoice", "declarations", "rendered", "upload", "claim_attachment"];

export interface DocumentsDeps {
  db: DrizzleD1Database;
  bucket: R2Bucket;
  /** The workspace worker's meter: every stored byte counts `document_storage_bytes` against the org's plan. */
  usage: Service<WorkspaceInternalRpc>;
  /** A new document id; default `newId("doc")` (a test passes a fixed one to prove a collision never overwrites). */
  newDocumentId?: () => string;
  /**
   * Relays outbox events the call has just committed, off the answer's path (the entrypoint's
   * `ctx.waitUntil`). Without it (a test calling a service directly) the periodic sweep relays them.
   */
  relay?: (eventIds: string[]) => void;
}

const STORAGE = "document_storage_bytes" as const;

/** Where a document's bytes live: under its org, named by its id (a new id per file, so never overwritten). */
export const objectKey = (orgId: string, id: string) => `orgs/${orgId}/documents/${id}`;

export function toRecord(row: DocumentRow): DocumentRecord {
  return {
    id: row.id as DocumentRecord["id"],
    kind: row.kind,
    filename: row.filename,
    contentType: row.contentType,
    size: row.size,
    sha256: row.sha256,
    policyId: row.policyId,
    submissionId: row.submissionId,
    claimId: row.claimId,
    invoiceId: row.invoiceId,
    template: row.template,
    classification: row.classification ?? null,
    createdAt: row.createdAt,
  };
}

// A file name is shown in Content-Disposition: no controls, no path, no bidi tricks.
const BAD_FILENAME = /[\u0000-\u001F\u007F-\u009F/\\\u202A-\u202E\u2066-\u2069]/;

/** The checks of a store's input that need no bytes (also run by ingest before it reads the file). */
export function checkInput(input: StoreDocumentInput): Result<null> {
  if (!DOCUMENT_KINDS.includes(input.kind)) return invalid("kind", "enum", `kind must be one of ${DOCUMENT_KINDS.join(", ")}`);
  const name = typeof input.filename === "string" ? input.filename.trim() : "";
  if (name.length === 0) return invalid("filename", "required", "filename is required");
  if (name.length > 255) return invalid("filename", "max_length", "filename is at most 255 characters");
  if (BAD_FILENAME.test(name) || name === "." || name === "..") return invalid("filename", "characters", "filename may not contain control characters, path separators or bidirectional overrides");
  for (const field of ["policyId", "submissionId", "claimId", "invoiceId"] as const) {
    const v = input[field];
    if (v !== undefined && (typeof v !== "string" || v.length === 0 || v.length > 64)) return invalid(field, "format", `${field} must be an id`);
  }
  if (input.template !== undefined && (typeof input.template !== "string" || !/^[a-z][a-z0-9_]{0,63}$/.test(input.template))) return invalid("template", "format", "template must be a template name");
  return ok(null);
}

function streamOf(body: StoreDocumentInput["body"]): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body;
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength) controller.enqueue(bytes);
      controller.close();
    },
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Bytes waiting to be written, cut into parts of exactly {@link PART_BYTES}. */
class PartBuffer {
  private chunks: Uint8Array[] = [];
  bytes = 0;
  push(chunk: Uint8Array) {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
  }
  /** Everything buffered, left in place (compacted into one chunk). */
  peek(): Uint8Array {
    const all = concat(this.chunks, this.bytes);
    this.chunks = all.byteLength ? [all] : [];
    return all;
  }
  /** The first `n` bytes, removed. */
  take(n: number): Uint8Array {
    const all = concat(this.chunks, this.bytes);
    this.chunks = all.byteLength > n ? [all.subarray(n)] : [];
    this.bytes = all.byteLength - Math.min(n, all.byteLength);
    return all.subarray(0, n);
  }
}

type Written = { ok: true; size: number; sha256: string } | { ok: false; result: { ok: false; error: { code: "validation_failed" | "payload_too_large" | "unsupported_media_type" | "conflict"; message: string; details?: Record<string, string | number> } } };

/**
 * Streams `stream` to `key`, hashing as it goes. Refuses (and writes nothing) an empty file, one
 * over the limit (cancelling the stream there) or an unaccepted type; `contentType` is set from the
 * first bytes before anything is written.
 */
async function writeObject(bucket: R2Bucket, key: string, stream: ReadableStream<Uint8Array>, kind: DocumentKind, onType: (t: string) => void): Promise<Written> {
  const reader = stream.getReader();
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  // A refused file aborts the hash, which rejects `digest.digest`; only a completed one is read.
  digest.digest.catch(() => undefined);
  const pending = new PartBuffer();
  let total = 0;
  let contentType: string | null = null;
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  const refuse = async (code: "validation_failed" | "payload_too_large" | "unsupported_media_type" | "conflict", message: string, details?: Record<string, string | number>): Promise<Written> => {
    await reader.cancel().catch(() => undefined);
    await hasher.abort().catch(() => undefined);
    if (upload) await upload.abort().catch(() => undefined);
    return { ok: false, result: { ok: false, error: details ? { code, message, details } : { code, message } } };
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (!done && value.byteLength) {
        total += value.byteLength;
        if (total > MAX_DOCUMENT_BYTES) return await refuse("payload_too_large", `Documents are limited to ${MAX_DOCUMENT_BYTES} bytes (25 MiB)`, { limit: MAX_DOCUMENT_BYTES });
        await hasher.write(value);
        pending.push(value);
      }
      if (contentType === null && (done || pending.bytes >= SNIFF_BYTES)) {
        if (total === 0) return await refuse("validation_failed", "The document is empty", { field: "body", rule: "empty" });
        contentType = await sniffContentType(pending.peek().subarray(0, SNIFF_BYTES), acceptedTypesOf(kind));
        if (contentType === null) {
          return await refuse("unsupported_media_type", `The document's content is not an accepted type (${describeTypes(kind)})`, { field: "body", rule: "content_type" });
        }
        onType(contentType);
      }
      // Whole parts go out as soon as they fill (a large chunk may fill several); at the end only
      // the remainder is left, which is the last part or, for a small file, the whole object.
      while (contentType !== null && (done ? pending.bytes > PART_BYTES : pending.bytes >= PART_BYTES)) {
        upload ??= await bucket.createMultipartUpload(key, { httpMetadata: { contentType } });
        parts.push(await upload.uploadPart(parts.length + 1, pending.take(PART_BYTES)));
      }
      if (done) break;
    }
    await hasher.close();
    const sha256 = toHex(await digest.digest);
    if (upload) {
      // A multipart completion takes no precondition: the key is a fresh id, checked to be unused.
      if (await bucket.head(key)) return await refuse("conflict", "A document with this id already exists");
      if (pending.bytes) parts.push(await upload.uploadPart(parts.length + 1, pending.take(pending.bytes)));
      await upload.complete(parts);
    } else {
      const put = await bucket.put(key, pending.take(pending.bytes), { onlyIf: { etagDoesNotMatch: "*" }, httpMetadata: { contentType: contentType! }, sha256 });
      // null: the precondition failed, an object is already there. Never overwrite it.
      if (put === null) return await refuse("conflict", "A document with this id already exists");
    }
    return { ok: true, size: total, sha256 };
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (upload) await upload.abort().catch(() => undefined);
    throw error;
  }
}

/** What the documents worker itself records on a document it stores (see {@link storeDocument}). */
export interface DocumentStamp {
  sourceKey?: string;
  classification?: DocumentClassification;
}

/**
 * A new document of `principal`'s org. The object is written first, the row second; if the row
 * cannot be written the object is deleted before the error propagates, so no object exists without
 * its row and a retry simply stores a new document (there is nothing half-stored to collide with).
 * An isolate that dies between the two leaves an object no id reaches; the cron's orphan sweep
 * (orphans.service.ts) deletes it.
 * What only the worker itself sets rides in `stamp`: a `sourceKey` (policy paper only) is unique per
 * org, so a second row with it fails and its object is removed; a `classification` is ingest's (never
 * a caller's: neither is part of {@link StoreDocumentInput}).
 */
export async function storeDocument(
  deps: DocumentsDeps,
  principal: Principal,
  input: StoreDocumentInput,
  now: Date = new Date(),
  stamp: DocumentStamp = {},
): Promise<Result<DocumentRecord>> {
  return storeDocumentWith(deps, principal, input, () => [], now, stamp);
}

/**
 * {@link storeDocument}, with statements that must commit with the document's row or not at all
 * (a certificate's row and number, its `document.generated` event): they run in the same D1 batch
 * as the row, built from it. If the batch fails the object is deleted before the error propagates,
 * exactly as for a lone document, so a rolled-back batch leaves nothing behind in R2 either.
 */
export async function storeDocumentWith(
  deps: DocumentsDeps,
  principal: Principal,
  input: StoreDocumentInput,
  alongside: (row: DocumentRow) => Statement[],
  now: Date = new Date(),
  stamp: DocumentStamp = {},
): Promise<Result<DocumentRecord>> {
  const checked = checkInput(input);
  if (!checked.ok) {
    if (input.body instanceof ReadableStream) await input.body.cancel().catch(() => undefined);
    return checked;
  }
  const id = deps.newDocumentId?.() ?? newId("doc");
  const key = objectKey(principal.orgId, id);
  let contentType = "";
  // The plan's document_storage_bytes, counted in the org's usage meter (one call, keyed by the
  // document id) before the row is written: past the limit the store is refused (403
  // feature_limit_reached) and the object deleted, so nothing stays. A store that fails after
  // counting gives the bytes back; one that crashed in between is corrected by the daily reconcile.
  // A body of known length (a rendered PDF) is counted while its object is written; a stream once
  // its size is known.
  const write = () => writeObject(deps.bucket, key, streamOf(input.body), input.kind, (t) => (contentType = t));
  const count = (size: number) => deps.usage.countUsage(principal, STORAGE, id, size);
  const giveBack = (size: number) => deps.usage.returnUsage(principal.orgId, STORAGE, id, size);
  const knownSize = input.body instanceof ReadableStream ? null : input.body.byteLength;
  let written: Extract<Written, { ok: true }>;
  let metered: Awaited<ReturnType<typeof count>>;
  if (knownSize !== null && knownSize > 0 && knownSize <= MAX_DOCUMENT_BYTES) {
    const [object, counted] = await Promise.allSettled([write(), count(knownSize)]);
    // Whichever half failed, the other's work is undone: a write refused or failed gives back its
    // count, and an object whose count failed is deleted.
    const refused = object.status === "fulfilled" && !object.value.ok ? object.value.result : null;
    if (object.status === "rejected" || refused) {
      if (counted.status === "fulfilled" && counted.value.ok) await giveBack(knownSize);
      if (object.status === "rejected") throw object.reason;
      return refused!;
    }
    written = object.value as Extract<Written, { ok: true }>;
    if (counted.status === "rejected") {
      await deps.bucket.delete(key);
      throw counted.reason;
    }
    metered = counted.value;
  } else {
    const object = await write();
    if (!object.ok) return object.result;
    written = object;
    metered = await count(written.size).catch(async (error: unknown) => {
      await deps.bucket.delete(key);
      throw error;
    });
  }
  if (!metered.ok) {
    await deps.bucket.delete(key);
    return { ok: false, error: metered.error };
  }
  const row: DocumentRow = {
    id,
    orgId: principal.orgId,
    kind: input.kind,
    filename: input.filename.trim(),
    contentType,
    size: written.size,
    sha256: written.sha256,
    policyId: input.policyId ?? null,
    submissionId: input.submissionId ?? null,
    claimId: input.claimId ?? null,
    invoiceId: input.invoiceId ?? null,
    template: input.template ?? null,
    classification: stamp.classification ?? null,
    createdBy: principal.actorId,
    // Audit time is real time, like every record's createdAt (the sandbox clock moves the book's calendar only).
    createdAt: now.toISOString(),
    sourceKey: stamp.sourceKey ?? null,
  };
  try {
    const extra = alongside(row);
    if (extra.length === 0) await deps.db.insert(documents).values(row);
    else await atomically(deps.db, [deps.db.insert(documents).values(row), ...extra]);
  } catch (error) {
    // Best effort, so the row's failure is what the caller sees: an object left behind is the orphan
    // sweep's, bytes left counted the reconcile's.
    await Promise.allSettled([deps.bucket.delete(key), giveBack(written.size)]);
    throw error;
  }
  return ok(toRecord(row));
}

async function findRow(db: DrizzleD1Database, orgId: string, id: string): Promise<DocumentRow | undefined> {
  // A malformed id cannot be a document: answer as for a missing one, without a query.
  if (!isId("doc", id)) return undefined;
  return db.select().from(documents).where(and(eq(documents.orgId, orgId), eq(documents.id, id))).get();
}

/** The document, if it is `principal`'s org's; another org's is `not_found`, exactly like a missing one. */
export async function getDocument(deps: DocumentsDeps, principal: Principal, id: string): Promise<Result<DocumentRecord>> {
  const row = await findRow(deps.db, principal.orgId, id);
  return row ? ok(toRecord(row)) : notFound("Document");
}

/** The org's documents, newest first unless `sort: "createdAt"`, filtered by kind and policy. */
export async function listDocuments(deps: DocumentsDeps, principal: Principal, query: ListDocumentsQuery = {}): Promise<Result<Page<DocumentRecord>>> {
  if (query.kind !== undefined && !DOCUMENT_KINDS.includes(query.kind)) return invalid("kind", "enum", `kind must be one of ${DOCUMENT_KINDS.join(", ")}`);
  const keyset = listKeyset(documents, query);
  if (!keyset.ok) return keyset;
  const rows = await deps.db
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.orgId, principal.orgId),
        query.kind === undefined ? undefined : eq(documents.kind, query.kind),
        query.policyId === undefined ? undefined : eq(documents.policyId, query.policyId),
        keyset.value.where,
      ),
    )
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok(toPage(rows, keyset.value.pageSize, toRecord));
}

/** `range` against a document of `size` bytes (RFC 9110 §14.1.2): inclusive bounds, or null when unsatisfiable. */
export function resolveRange(range: ByteRangeRequest, size: number): { first: number; last: number } | null {
  if ("suffix" in range) {
    if (range.suffix <= 0) return null;
    return { first: Math.max(0, size - range.suffix), last: size - 1 };
  }
  if (range.first >= size) return null;
  return { first: range.first, last: Math.min(range.last ?? size - 1, size - 1) };
}

/** `orgId`'s document and its bytes (one range of them when asked and satisfiable). */
export async function openDownload(deps: DocumentsDeps, orgId: string, id: string, range?: ByteRangeRequest): Promise<Result<DocumentDownload>> {
  const row = await findRow(deps.db, orgId, id);
  if (!row) return notFound("Document");
  const document = toRecord(row);
  const resolved = range ? resolveRange(range, row.size) : null;
  if (range && !resolved) return ok({ document, body: null, range: null, unsatisfiable: true });
  const object = await deps.bucket.get(objectKey(orgId, id), resolved ? { range: { offset: resolved.first, length: resolved.last - resolved.first + 1 } } : {});
  // A row without its object would be a bug of this worker (objects are written first, deleted never).
  if (!object) return fail("internal_error", "The document's bytes are missing");
  return ok({ document, body: object.body, range: resolved, unsatisfiable: false });
}
