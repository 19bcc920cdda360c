/**
 * Claim attachments through the gateway: the file streams into the documents store as a
 * `claim_attachment` linked to the claim, listed with its metadata, uploader and a signed link that
 * downloads the same bytes; a type outside PDF, JPEG, PNG, HEIC, text and DOCX is 415 and stores
 * nothing; another org's claim is 404 before anything is stored.
 */
import { env } from "cloudflare:workers";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../workers/_shared/crypto.ts";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicyWrittenOn, glSubmission } from "./lifecycle-harness.ts";

async function claimOf(t: Tenant) {
  const policy = await bindPolicyWrittenOn(t.orgId, t.apiKey, glSubmission({ effectiveDate: testDay(-30) }));
  const res = await call("POST", "/v1/claims", {
    apiKey: t.apiKey,
    body: {
      policyId: policy.id,
      lossDate: testDay(-3),
      description: "Water damage in the storeroom",
      causeOfLoss: "water",
      lossLocation: { line1: "9 Pier St", city: "Portland", state: "OR", postalCode: "97209" },
      claimant: { name: "Harbor Foods" },
    },
  });
  expect(res.status).toBe(201);
  return json(res);
}

async function upload(apiKey: string, claimId: string, bytes: Uint8Array, filename: string, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.set("file", new File([bytes], filename));
  const request = new Request("https://x/", { method: "POST", body: form });
  return call("POST", `/v1/claims/${claimId}/attachments`, { apiKey, rawBody: await request.arrayBuffer(), headers: { "content-type": request.headers.get("content-type")!, ...headers } });
}

const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
const NOTES = new TextEncoder().encode("Adjuster notes: storeroom ceiling leak, photos to follow.\n");
const ZIP = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, ...new Array(40).fill(0)]);

const documentCount = async (orgId: string) => env.DOCUMENTS_DB.prepare("SELECT COUNT(*) AS n FROM documents WHERE org_id = ?").bind(orgId).first<number>("n");

describe("claim attachments", () => {
  it("stores, lists and downloads an attachment, with an activity entry", async () => {
    const t = await createTenant();
    const claim = await claimOf(t);
    const res = await upload(t.apiKey, claim.id, PDF, "police-report.pdf");
    expect(res.status).toBe(201);
    const attachment = await json(res);
    expect(attachment).toMatchObject({
      id: expect.stringMatching(/^att_/),
      claimId: claim.id,
      documentId: expect.stringMatching(/^doc_/),
      filename: "police-report.pdf",
      size: PDF.byteLength,
      contentType: "application/pdf",
      sha256: await sha256Hex(PDF),
      uploadedBy: t.apiKeyId,
    });
    expect((await upload(t.apiKey, claim.id, NOTES, "notes.txt")).status).toBe(201);

    const list = await json(await call("GET", `/v1/claims/${claim.id}/attachments`, { apiKey: t.apiKey }));
    expect(list.data.map((a: any) => [a.filename, a.contentType])).toEqual([
      ["notes.txt", "text/plain"],
      ["police-report.pdf", "application/pdf"],
    ]);
    expect(list.nextCursor).toBeNull();
    const url = new URL(list.data[1].downloadUrl);
    const download = await call("GET", url.pathname + url.search);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PDF);

    // The documents store holds it as the claim's attachment.
    const doc = await json(await call("GET", `/v1/documents/${attachment.documentId}`, { apiKey: t.apiKey }));
    expect(doc).toMatchObject({ kind: "claim_attachment", claimId: claim.id });
    const detail = await json(await call("GET", `/v1/claims/${claim.id}`, { apiKey: t.apiKey }));
    expect(detail.activity.filter((a: any) => a.type === "attachment_added").map((a: any) => a.details.filename)).toEqual(["police-report.pdf", "notes.txt"]);
  });

  it("refuses a type outside the claim attachment's (415) and an empty file (400), storing nothing", async () => {
    const t = await createTenant();
    const claim = await claimOf(t);
    const before = await documentCount(t.orgId);
    const zip = await upload(t.apiKey, claim.id, ZIP, "evidence.zip");
    expect(zip.status).toBe(415);
    expect(await json(zip)).toMatchObject({ error: "unsupported_media_type" });
    expect((await upload(t.apiKey, claim.id, new Uint8Array(0), "empty.pdf")).status).toBe(400);
    expect(await documentCount(t.orgId)).toBe(before);
    expect((await json(await call("GET", `/v1/claims/${claim.id}/attachments`, { apiKey: t.apiKey }))).data).toEqual([]);
  });

  it("answers another org 404 for the upload and the list, storing nothing", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const claim = await claimOf(t);
    expect((await upload(other.apiKey, claim.id, PDF, "x.pdf")).status).toBe(404);
    expect(await documentCount(other.orgId)).toBe(0);
    expect((await call("GET", `/v1/claims/${claim.id}/attachments`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("lets an ingested document name the org's claim (another org's claim is 404)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const claim = await claimOf(t);
    const doc = await PDFDocument.create();
    doc.addPage([612, 792]).drawText("First notice of loss: water damage in the storeroom", { x: 40, y: 740, size: 10, font: await doc.embedFont(StandardFonts.Helvetica) });
    const claimForm = await doc.save();
    const ingest = async (apiKey: string) => {
      const form = new FormData();
      form.set("file", new File([claimForm], "claim-form.pdf"));
      form.set("claimId", claim.id);
      const request = new Request("https://x/", { method: "POST", body: form });
      return call("POST", "/v1/documents/ingest", { apiKey, rawBody: await request.arrayBuffer(), headers: { "content-type": request.headers.get("content-type")! } });
    };
    const linked = await ingest(t.apiKey);
    expect(linked.status).toBe(201);
    expect(await json(linked)).toMatchObject({ kind: "upload", claimId: claim.id });
    const foreign = await ingest(other.apiKey);
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found", details: { field: "claimId" } });
  });

  it("replays a retried upload with the same Idempotency-Key instead of storing it twice", async () => {
    const t = await createTenant();
    const claim = await claimOf(t);
    const key = `att-${crypto.randomUUID()}`;
    const first = await upload(t.apiKey, claim.id, PDF, "report.pdf", { "idempotency-key": key });
    const second = await upload(t.apiKey, claim.id, PDF, "report.pdf", { "idempotency-key": key });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(await call("GET", `/v1/claims/${claim.id}/attachments`, { apiKey: t.apiKey }))).data).toHaveLength(1);
  });
});
