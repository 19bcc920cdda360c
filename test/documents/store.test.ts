/**
 * The document store inside workerd: the documents worker's own D1 and R2 bucket, reached over
 * loopback RPC exactly as the gateway reaches it (and, where a test must break the database or pin
 * an id, through the service functions with those bindings).
 */
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { toHex } from "#shared/crypto";
import { newId } from "#shared/ids";
import type { DocumentsService } from "../../workers/documents/src/index.ts";
import { MAX_DOCUMENT_BYTES, objectKey, storeDocument, type DocumentsDeps } from "../../workers/documents/src/documents.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

const rpc = (exports as unknown as { DocumentsService: Service<DocumentsService> }).DocumentsService;
/** The worker's R2 bucket (binding `DOCUMENTS`, the same name as the gateway's service binding, hence untyped in Env). */
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;
const deps = (overrides: Partial<DocumentsDeps> = {}): DocumentsDeps => ({ db: drizzle(env.DOCUMENTS_DB), bucket: bucket, usage: env.WORKSPACE, ...overrides });

const enc = new TextEncoder();
/** A small but real PDF header and body: `file-type` recognises the `%PDF-` signature. */
const pdfBytes = (note = "hello") => enc.encode(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${note}\n%%EOF\n`);
/** The 8-byte PNG signature and an IHDR chunk header. */
const pngBytes = () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
const sha256 = async (bytes: Uint8Array) => toHex(await crypto.subtle.digest("SHA-256", bytes));

/** A stream of `total` bytes in `chunk`-sized pieces, counting how many pieces were pulled. */
function countingStream(total: number, chunk: number, fill = 0x41) {
  const stats = { pulled: 0 };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      const bytes = new Uint8Array(n).fill(fill);
      if (sent === 0) bytes.set(pdfBytes());
      sent += n;
      stats.pulled++;
      controller.enqueue(bytes);
    },
  });
  return { stream, stats };
}

async function objectsOf(principal: Principal): Promise<string[]> {
  return (await bucket.list({ prefix: `orgs/${principal.orgId}/` })).objects.map((o) => o.key);
}

async function rowsOf(principal: Principal): Promise<number> {
  const row = await env.DOCUMENTS_DB.prepare("SELECT count(*) AS n FROM documents WHERE org_id = ?").bind(principal.orgId).first<{ n: number }>();
  return row!.n;
}

describe("storeDocument", () => {
  it("streams the bytes into R2 under the org, with their SHA-256, and the type read from the bytes", async () => {
    const p = newPrincipal();
    const bytes = pdfBytes();
    // The sender says PNG; the bytes say PDF, and the bytes win.
    const doc = unwrap(await rpc.storeDocument(p, { kind: "upload", filename: "loss run 2026.pdf", contentType: "image/png", body: bytes, policyId: "pol_x" }));
    expect(doc).toMatchObject({ kind: "upload", filename: "loss run 2026.pdf", contentType: "application/pdf", size: bytes.byteLength, sha256: await sha256(bytes), policyId: "pol_x", submissionId: null });
    expect(doc.id).toMatch(/^doc_[0-9A-HJKMNP-TV-Z]{26}$/);
    const object = await bucket.get(objectKey(p.orgId, doc.id));
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
    expect(object!.httpMetadata?.contentType).toBe("application/pdf");
    expect(unwrap(await rpc.getDocument(p, doc.id))).toEqual(doc);
  });

  it("detects PNG and plain text, and takes a ReadableStream over RPC", async () => {
    const p = newPrincipal();
    const png = unwrap(await rpc.storeDocument(p, { kind: "claim_attachment", filename: "dent.png", body: pngBytes() }));
    expect(png.contentType).toBe("image/png");
    const text = enc.encode("Loss run: no losses in five years. Café ✓\n");
    const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(text.subarray(0, 10)), c.enqueue(text.subarray(10)), c.close()) });
    const txt = unwrap(await rpc.storeDocument(p, { kind: "upload", filename: "notes.txt", body: stream }));
    expect(txt).toMatchObject({ contentType: "text/plain", size: text.byteLength, sha256: await sha256(text) });
  });

  it("streams a file larger than one part as a multipart upload, with the right size and hash", async () => {
    const p = newPrincipal();
    const total = 6 * 1024 * 1024 + 123;
    const { stream } = countingStream(total, 256 * 1024);
    const doc = unwrap(await storeDocument(deps(), p, { kind: "upload", filename: "big.pdf", body: stream }));
    expect(doc.size).toBe(total);
    const object = await bucket.get(objectKey(p.orgId, doc.id));
    const stored = new Uint8Array(await object!.arrayBuffer());
    expect(stored.byteLength).toBe(total);
    expect(doc.sha256).toBe(await sha256(stored));
  });

  it("cuts one large chunk into equal parts (an ArrayBuffer body of 12 MiB)", async () => {
    const p = newPrincipal();
    const bytes = new Uint8Array(12 * 1024 * 1024 + 7).fill(0x42);
    bytes.set(pdfBytes());
    const doc = unwrap(await storeDocument(deps(), p, { kind: "upload", filename: "scan.pdf", body: bytes.buffer }));
    expect(doc).toMatchObject({ size: bytes.byteLength, sha256: await sha256(bytes), contentType: "application/pdf" });
    // Compared by size and hash: a deep equality of 12 MiB element by element would exhaust the test's heap.
    const stored = new Uint8Array(await (await bucket.get(objectKey(p.orgId, doc.id)))!.arrayBuffer());
    expect(stored.byteLength).toBe(bytes.byteLength);
    expect(await sha256(stored)).toBe(doc.sha256);
  });

  it("refuses an empty file (400) and an unaccepted type (415), storing nothing", async () => {
    const p = newPrincipal();
    expect(errorOf(await rpc.storeDocument(p, { kind: "upload", filename: "empty.pdf", body: new Uint8Array(0) }))).toMatchObject({ code: "validation_failed", details: { field: "body", rule: "empty" } });
    // An ELF executable: a known signature, not an accepted type.
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
    expect(errorOf(await rpc.storeDocument(p, { kind: "upload", filename: "invoice.pdf", contentType: "application/pdf", body: elf }))).toMatchObject({ code: "unsupported_media_type" });
    // Binary noise with NUL bytes: no signature, not text.
    expect(errorOf(await rpc.storeDocument(p, { kind: "upload", filename: "x.bin", body: new Uint8Array([0, 1, 2, 3, 0, 0, 9, 200]) }))).toMatchObject({ code: "unsupported_media_type" });
    expect(await objectsOf(p)).toEqual([]);
    expect(await rowsOf(p)).toBe(0);
  });

  it("refuses a file over 25 MiB (413) without reading the rest of the stream, and leaves nothing behind", async () => {
    const p = newPrincipal();
    // An endless stream: the store must stop on its own.
    const { stream, stats } = countingStream(Number.MAX_SAFE_INTEGER, 1024 * 1024);
    const refused = errorOf(await storeDocument(deps(), p, { kind: "upload", filename: "huge.pdf", body: stream }));
    expect(refused).toMatchObject({ code: "payload_too_large", details: { limit: MAX_DOCUMENT_BYTES } });
    // 25 MiB in 1 MiB pieces is 25 pieces; the 26th crosses the limit and nothing more is pulled but
    // what the stream's own queue had already requested.
    expect(stats.pulled).toBeLessThanOrEqual(27);
    expect(await objectsOf(p)).toEqual([]);
    expect(await rowsOf(p)).toBe(0);
  });

  it("refuses bad metadata before reading anything", async () => {
    const p = newPrincipal();
    expect(errorOf(await rpc.storeDocument(p, { kind: "poster" as never, filename: "a.pdf", body: pdfBytes() }))).toMatchObject({ code: "validation_failed", details: { field: "kind" } });
    expect(errorOf(await rpc.storeDocument(p, { kind: "upload", filename: "../etc/passwd", body: pdfBytes() }))).toMatchObject({ code: "validation_failed", details: { field: "filename" } });
    expect(errorOf(await rpc.storeDocument(p, { kind: "upload", filename: "   ", body: pdfBytes() }))).toMatchObject({ code: "validation_failed", details: { field: "filename", rule: "required" } });
    expect(await objectsOf(p)).toEqual([]);
  });

  it("never overwrites: an id whose object exists is a conflict, and the first bytes stay", async () => {
    const p = newPrincipal();
    const id = newId("doc");
    const first = unwrap(await storeDocument(deps({ newDocumentId: () => id }), p, { kind: "coi", filename: "coi.pdf", body: pdfBytes("first") }));
    expect(first.id).toBe(id);
    const second = errorOf(await storeDocument(deps({ newDocumentId: () => id }), p, { kind: "coi", filename: "coi.pdf", body: pdfBytes("second") }));
    expect(second.code).toBe("conflict");
    const object = await bucket.get(objectKey(p.orgId, id));
    expect(new TextDecoder().decode(await object!.arrayBuffer())).toContain("first");
    expect(unwrap(await rpc.getDocument(p, id)).sha256).toBe(first.sha256);
    expect(await rowsOf(p)).toBe(1);
  });

  it("leaves no orphan object when the row cannot be written (D1 fails after R2 succeeded)", async () => {
    const p = newPrincipal();
    const broken = new Proxy(env.DOCUMENTS_DB, {
      get(target, prop) {
        if (prop === "prepare") return () => { throw new Error("D1 is unavailable"); };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    let written = 0;
    const countingBucket = new Proxy(bucket, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "put") return async (...args: Parameters<R2Bucket["put"]>) => { const r = await target.put(...args); written++; return r; };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(storeDocument(deps({ db: drizzle(broken), bucket: countingBucket }), p, { kind: "upload", filename: "a.pdf", body: pdfBytes() })).rejects.toThrow(/D1 is unavailable/);
    // The object was written, then removed when the row failed.
    expect(written).toBe(1);
    expect(await objectsOf(p)).toEqual([]);
    // A retry stores one document, not two.
    unwrap(await storeDocument(deps(), p, { kind: "upload", filename: "a.pdf", body: pdfBytes() }));
    expect(await objectsOf(p)).toHaveLength(1);
    expect(await rowsOf(p)).toBe(1);
  });
});

describe("reading documents", () => {
  it("confines every read to the org: another org's id is not_found", async () => {
    const a = newPrincipal();
    const b = newPrincipal();
    const doc = unwrap(await rpc.storeDocument(a, { kind: "upload", filename: "a.pdf", body: pdfBytes() }));
    expect(errorOf(await rpc.getDocument(b, doc.id)).code).toBe("not_found");
    expect(errorOf(await rpc.openDownload(b.orgId, doc.id)).code).toBe("not_found");
    expect(errorOf(await rpc.getDocument(a, "doc_nope")).code).toBe("not_found");
    expect(unwrap(await rpc.listDocuments(b)).data).toEqual([]);
  });

  it("lists newest first in cursor pages, filtered by kind and policy", async () => {
    const p = newPrincipal();
    const made = [];
    for (const [kind, policyId] of [["coi", "pol_a"], ["upload", "pol_a"], ["coi", "pol_b"], ["coi", "pol_a"]] as const) {
      made.push(unwrap(await rpc.storeDocument(p, { kind, filename: `${kind}.pdf`, body: pdfBytes(kind), policyId })));
    }
    const first = unwrap(await rpc.listDocuments(p, { limit: 2 }));
    expect(first.data.map((d) => d.id)).toEqual([made[3]!.id, made[2]!.id]);
    const second = unwrap(await rpc.listDocuments(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second.data.map((d) => d.id)).toEqual([made[1]!.id, made[0]!.id]);
    expect(second.nextCursor).toBeNull();
    expect(unwrap(await rpc.listDocuments(p, { kind: "coi", policyId: "pol_a" })).data.map((d) => d.id)).toEqual([made[3]!.id, made[0]!.id]);
  });

  it("opens the bytes whole or by range, and says when a range is unsatisfiable", async () => {
    const p = newPrincipal();
    const bytes = pdfBytes("ranges");
    const doc = unwrap(await rpc.storeDocument(p, { kind: "upload", filename: "r.pdf", body: bytes }));
    const whole = unwrap(await rpc.openDownload(p.orgId, doc.id));
    expect(new Uint8Array(await new Response(whole.body).arrayBuffer())).toEqual(bytes);
    const part = unwrap(await rpc.openDownload(p.orgId, doc.id, { first: 2, last: 5 }));
    expect(part.range).toEqual({ first: 2, last: 5 });
    expect(new Uint8Array(await new Response(part.body).arrayBuffer())).toEqual(bytes.subarray(2, 6));
    const tail = unwrap(await rpc.openDownload(p.orgId, doc.id, { suffix: 4 }));
    expect(new Uint8Array(await new Response(tail.body).arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 4));
    const past = unwrap(await rpc.openDownload(p.orgId, doc.id, { first: bytes.byteLength }));
    expect(past).toMatchObject({ unsatisfiable: true, body: null });
  });
});
