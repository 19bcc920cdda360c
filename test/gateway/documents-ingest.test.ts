/**
 * `POST /v1/documents/ingest` and `POST /v1/submissions {documentId}` through the whole platform:
 * the gateway parses the upload under its bound, checks the links with underwriting, and the
 * documents worker reads, classifies and stores the file (the committed model: no AI binding here).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { HELD_OUT } from "../support/corpus.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { buildAcord125Pdf, CANONICAL_GL_APPLICATION } from "../underwriting/fixtures/acord125.ts";
import { call, createApiKey, createTenant, json, quickstartSubmission, type Tenant } from "./harness.ts";

type Part = Uint8Array | string | { bytes: Uint8Array; filename: string };

/** A multipart body as a client sends it: the parts given, `file` as a file part unless a plain string. */
async function multipart(parts: Record<string, Part>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === "string") form.set(name, value);
    else if (value instanceof Uint8Array) form.set(name, new File([value], `${name}.bin`));
    else form.set(name, new File([value.bytes], value.filename));
  }
  const request = new Request("https://x/", { method: "POST", body: form });
  return { body: await request.arrayBuffer(), contentType: request.headers.get("content-type")! };
}

async function ingest(apiKey: string, parts: Record<string, Part>, headers: Record<string, string> = {}) {
  const { body, contentType } = await multipart(parts);
  return call("POST", "/v1/documents/ingest", { apiKey, rawBody: body, headers: { "content-type": contentType, ...headers } });
}

async function textPdf(lines: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([612, 792]);
  lines.forEach((line, i) => page.drawText(line, { x: 40, y: 740 - i * 14, size: 10, font }));
  return doc.save();
}

const INVOICE = [
  "INVOICE  Invoice No. INV-48120  Invoice Date 11/20/2026",
  "Bill To: Blue Mesa Roofing Inc, 120 Oak Ave, Denver, CO 80202",
  "Description  Quantity  Unit Price  Amount",
  "Installment 3 of 12 premium $1,240.00   Policy fee $25.00",
  "Subtotal $1,265.00  Tax $0.00  Total Amount Due $1,265.00  Due Date 12/15/2026",
  "Please remit payment to the address below. Make checks payable to the billing company.",
];

/** The org's documents, as the documents worker lists them. */
async function documentsOf(t: Tenant) {
  return unwrap(await env.DOCUMENTS.listDocuments(newPrincipal(t.orgId), {})).data;
}

describe("POST /v1/documents/ingest", () => {
  it("stores a PDF as an upload, classified, with its text summary and a downloadUrl; GET returns the classification", async () => {
    const t = await createTenant();
    const pdf = await textPdf(INVOICE);
    const res = await ingest(t.apiKey, { file: { bytes: pdf, filename: "invoice-48120.pdf" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-ratelimit-limit")).toBe("20");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("19");
    const doc = await json(res);
    expect(doc).toMatchObject({ kind: "upload", filename: "invoice-48120.pdf", contentType: "application/pdf", size: pdf.byteLength, policyId: null, submissionId: null, claimId: null });
    expect(doc.classification).toMatchObject({ kind: "invoice", fallbackReason: null });
    expect(doc.classification.model).toMatch(/^local:nb-[0-9a-f]{12}$/);
    expect(doc.classification.signals.length).toBeGreaterThan(0);
    expect(doc.text).toMatchObject({ pages: 1, formFields: 0, acord125Fields: [] });
    expect(doc.text.characters).toBeGreaterThan(200);
    const download = await call("GET", new URL(doc.downloadUrl).pathname + new URL(doc.downloadUrl).search);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(pdf);
    const read = await json(await call("GET", `/v1/documents/${doc.id}`, { apiKey: t.apiKey }));
    expect(read.classification).toEqual(doc.classification);
  });

  it("reads an ACORD 125's form fields, and accepts a picture as a photo", async () => {
    const t = await createTenant();
    const acord = await json(await ingest(t.apiKey, { file: { bytes: await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }), filename: "acord125.pdf" } }));
    expect(acord.classification.kind).toBe("acord_125");
    expect(acord.text.acord125Fields).toContainEqual({ field: "insuredName", value: "Acme Widgets LLC", confidence: 1, source: "NamedInsured_FullName_A" });
    const photo = HELD_OUT.find((e) => e.kind === "photo")!;
    const res = await ingest(t.apiKey, { file: { bytes: photo.bytes, filename: "damage.jpg" } });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ contentType: "image/jpeg", classification: { kind: "photo" }, text: { characters: 0 } });
  });

  it("classifies held-out corpus files (never trained on) through the route as labelled", async () => {
    const t = await createTenant();
    for (const entry of HELD_OUT.slice(0, 6)) {
      const res = await ingest(t.apiKey, { file: { bytes: entry.bytes, filename: entry.file } });
      expect(res.status, entry.file).toBe(201);
      expect((await json(res)).classification.kind, entry.file).toBe(entry.kind);
    }
  });

  it("refuses bad files with a clear answer and stores nothing: 415, 400, 413, 422 unreadable_document", async () => {
    const t = await createTenant();
    const text = await ingest(t.apiKey, { file: { bytes: new TextEncoder().encode("plain notes, not a document\n"), filename: "notes.pdf" } });
    expect(text.status).toBe(415);
    expect(await json(text)).toMatchObject({ error: "unsupported_media_type", details: { field: "file", detected: "text/plain" } });
    const empty = await ingest(t.apiKey, { file: { bytes: new Uint8Array(0), filename: "empty.pdf" } });
    expect(empty.status).toBe(400);
    expect(await json(empty)).toMatchObject({ error: "validation_failed", details: { field: "file", rule: "empty" } });
    const broken = await ingest(t.apiKey, { file: { bytes: new TextEncoder().encode("%PDF-1.7\n1 0 obj garbage\n"), filename: "broken.pdf" } });
    expect(broken.status).toBe(422);
    expect(await json(broken)).toMatchObject({ error: "unreadable_document", details: { field: "file" } });
    const missing = await ingest(t.apiKey, { policyId: "pol_01J8K3M4N5P6Q7R8S9T0V1W2X3" });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: "validation_failed", details: { field: "file", rule: "required" } });
    const json415 = await call("POST", "/v1/documents/ingest", { apiKey: t.apiKey });
    expect(json415.status).toBe(415);

    // Over 25 MiB: the file part alone passes the documents worker's limit.
    const big = new Uint8Array(25 * 1024 * 1024 + 10);
    big.set(new TextEncoder().encode("%PDF-1.7\n"));
    const tooLarge = await ingest(t.apiKey, { file: { bytes: big, filename: "big.pdf" } });
    expect(tooLarge.status).toBe(413);
    expect(await json(tooLarge)).toMatchObject({ error: "payload_too_large" });
    expect(await documentsOf(t)).toEqual([]);
  });

  it("answers 413 for a body past the upload bound without parsing it, declared or streamed", async () => {
    const t = await createTenant();
    const declared = await call("POST", "/v1/documents/ingest", {
      apiKey: t.apiKey,
      rawBody: "x",
      headers: { "content-type": "multipart/form-data; boundary=abc", "content-length": String(40 * 1024 * 1024) },
    });
    expect(declared.status).toBe(413);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled === 1) controller.enqueue(new TextEncoder().encode('--abc\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.7\n'));
        else if (pulled > 60) controller.close();
        else controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const streamed = await call("POST", "/v1/documents/ingest", { apiKey: t.apiKey, rawBody: stream, headers: { "content-type": "multipart/form-data; boundary=abc" } });
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(40);
    expect(await documentsOf(t)).toEqual([]);
  });

  it("links a submission of the org; another org's submission, an unknown policy or an unknown claim is 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const own = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission() }));
    const foreign = await json(await call("POST", "/v1/submissions", { apiKey: other.apiKey, body: quickstartSubmission() }));
    const png = HELD_OUT.find((e) => e.kind === "photo")!.bytes;

    const linked = await ingest(t.apiKey, { file: { bytes: png, filename: "site.jpg" }, submissionId: own.id });
    expect(linked.status).toBe(201);
    expect((await json(linked)).submissionId).toBe(own.id);

    const foreignSub = await ingest(t.apiKey, { file: { bytes: png, filename: "site.jpg" }, submissionId: foreign.id });
    expect(foreignSub.status).toBe(404);
    expect(await json(foreignSub)).toMatchObject({ error: "not_found", details: { field: "submissionId" } });
    const unknownPolicy = await ingest(t.apiKey, { file: { bytes: png, filename: "site.jpg" }, policyId: "pol_01J8K3M4N5P6Q7R8S9T0V1W2X3" });
    expect(unknownPolicy.status).toBe(404);
    expect(await json(unknownPolicy)).toMatchObject({ error: "not_found", details: { field: "policyId" } });
    const claim = await ingest(t.apiKey, { file: { bytes: png, filename: "site.jpg" }, claimId: "clm_01J8K3M4N5P6Q7R8S9T0V1W2X3" });
    expect(claim.status).toBe(404);
    expect(await json(claim)).toMatchObject({ error: "not_found", details: { field: "claimId" } });
    const unknownPart = await ingest(t.apiKey, { file: { bytes: png, filename: "site.jpg" }, kind: "coi" });
    expect(unknownPart.status).toBe(400);
    expect(await json(unknownPart)).toMatchObject({ details: { field: "kind", rule: "unknown_field" } });
    expect((await documentsOf(t)).map((d) => d.submissionId)).toEqual([own.id]);
    // Another org's document stays its own: GET answers 404.
    const mine = (await documentsOf(t))[0]!;
    expect((await call("GET", `/v1/documents/${mine.id}`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("replays a retry with the same Idempotency-Key (a new multipart boundary) instead of storing the file twice", async () => {
    const t = await createTenant();
    const pdf = await textPdf(INVOICE);
    const first = await ingest(t.apiKey, { file: { bytes: pdf, filename: "i.pdf" } }, { "idempotency-key": "ingest-retry-1" });
    expect(first.status).toBe(201);
    const retry = await ingest(t.apiKey, { file: { bytes: pdf, filename: "i.pdf" } }, { "idempotency-key": "ingest-retry-1" });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(retry)).id).toBe((await json(first)).id);
    const other = await ingest(t.apiKey, { file: { bytes: await textPdf(INVOICE.slice(1)), filename: "i.pdf" } }, { "idempotency-key": "ingest-retry-1" });
    expect(other.status).toBe(422);
    expect(await json(other)).toMatchObject({ error: "idempotency_key_reused" });
    expect(await documentsOf(t)).toHaveLength(1);
  });

  it("needs documents:write", async () => {
    const t = await createTenant();
    const reader = await createApiKey(t.token, { scopes: ["documents:read"] });
    const res = await ingest(reader.key, { file: { bytes: await textPdf(INVOICE), filename: "i.pdf" } });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "documents:write" } });
  });

  it("allows 20 requests a minute per credential: the 21st is 429 with Retry-After and the X-RateLimit headers", async () => {
    const t = await createTenant();
    const png = HELD_OUT.find((e) => e.kind === "photo")!.bytes;
    for (let i = 0; i < 20; i++) {
      const res = await ingest(t.apiKey, { file: { bytes: png, filename: `p${i}.jpg` } });
      expect(res.status, `request ${i + 1}`).toBe(201);
    }
    const limited = await ingest(t.apiKey, { file: { bytes: png, filename: "p21.jpg" } });
    expect(limited.status).toBe(429);
    expect(await json(limited)).toMatchObject({ error: "rate_limit_exceeded", details: { limit: 20 } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("20");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
    // The limit is the route's, per credential: another key of the org still ingests, and other routes still answer.
    const second = await createApiKey(t.token);
    expect((await ingest(second.key, { file: { bytes: png, filename: "q.jpg" } })).status).toBe(201);
    expect((await call("GET", "/v1/submissions", { apiKey: t.apiKey })).status).toBe(200);
    expect(await documentsOf(t)).toHaveLength(21);
  });
});

describe("POST /v1/submissions {documentId}", () => {
  it("creates a submission from an ingested ACORD 125 through the ACORD intake, overrides applied", async () => {
    const t = await createTenant();
    const doc = await json(await ingest(t.apiKey, { file: { bytes: await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }), filename: "acord125.pdf" } }));
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { documentId: doc.id, overrides: { requestedLimit: 2000000 } } });
    expect(res.status).toBe(201);
    const sub = await json(res);
    expect(sub).toMatchObject({ insuredName: "Acme Widgets LLC", naicsCode: "332710", annualRevenue: 2500000, requestedLimit: 2000000, state: "OR", lineOfBusiness: "GL" });
    expect(sub.intake.source).toBe("acord125");
    expect(sub.intake.fields.find((f: { field: string }) => f.field === "requestedLimit")).toMatchObject({ source: "overrides" });
  });

  it("refuses a document that is not an ACORD 125 (422 naming its kind); another org's document is 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const invoice = await json(await ingest(t.apiKey, { file: { bytes: await textPdf(INVOICE), filename: "i.pdf" } }));
    const refused = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { documentId: invoice.id } });
    expect(refused.status).toBe(422);
    const body = await json(refused);
    expect(body).toMatchObject({ error: "business_rule_violation", details: { field: "documentId", kind: "invoice" } });
    expect(body.message).toContain("invoice");

    const acord = await json(await ingest(t.apiKey, { file: { bytes: await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }), filename: "a.pdf" } }));
    const foreign = await call("POST", "/v1/submissions", { apiKey: other.apiKey, body: { documentId: acord.id } });
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found" });
  });

  it("validates the documentId form like the fields form: a malformed id, unknown keys, and the usual field errors otherwise", async () => {
    const t = await createTenant();
    const malformed = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { documentId: "nope" } });
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ details: { field: "documentId" } });
    const mixed = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { documentId: "doc_01J8K3M4N5P6Q7R8S9T0V1W2X3", insuredName: "X" } });
    expect(mixed.status).toBe(400);
    // Without documentId the fields form is the one reported, exactly as before.
    const missing = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), insuredName: undefined } });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: "validation_failed", details: { field: "insuredName", rule: "required" } });
  });
});
