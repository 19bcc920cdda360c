/**
 * POST /v1/documents/render-pdf through the gateway: 201 with the stored `rendered` document and a
 * signed link that downloads the PDF, its text read back; refusals in the envelope naming field and
 * rule (including the HTML size against the gateway's own body limit); scope and tenancy.
 */
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { PNG_1X1, sampleInvoice, sampleNotice } from "../support/render-samples.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";

const pathOf = (downloadUrl: string) => {
  const url = new URL(downloadUrl);
  return url.pathname + url.search;
};

const renderPdf = (t: Tenant, body: unknown, apiKey = t.apiKey, headers: Record<string, string> = {}) => call("POST", "/v1/documents/render-pdf", { apiKey, body, headers });

/** The PDF behind a downloadUrl, and its text. */
async function download(downloadUrl: string) {
  const res = await call("GET", pathOf(downloadUrl));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, text: (await pdfText(bytes)).text };
}

describe("POST /v1/documents/render-pdf", () => {
  it("renders an invoice to a stored rendered document whose downloadUrl serves the PDF", async () => {
    const t = await createTenant();
    const res = await renderPdf(t, { template: "invoice", data: sampleInvoice() });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-ratelimit-limit")).toBeTruthy();
    const doc = await json(res);
    expect(doc).toMatchObject({ kind: "rendered", template: "invoice", filename: "Invoice INV-2026-000042.pdf", contentType: "application/pdf", policyId: null, invoiceId: null });
    expect(doc.id).toMatch(/^doc_/);
    const { res: file, text } = await download(doc.downloadUrl);
    expect(file.headers.get("content-disposition")).toBe('attachment; filename="Invoice INV-2026-000042.pdf"');
    expect(file.headers.get("etag")).toBe(`"${doc.sha256}"`);
    for (const expected of ["INV-2026-000042", "GL-2026-000117", "Müller & Søn Bäckerei LLC", "$635.50"]) expect(text).toContain(expected);
    // The same document, as GET /v1/documents/:id lists it.
    const got = await json(await call("GET", `/v1/documents/${doc.id}`, { apiKey: t.apiKey }));
    const { downloadUrl: _a, downloadUrlExpiresAt: _b, ...metadata } = doc;
    expect(got).toMatchObject(metadata);
  });

  it("renders a notice and HTML with line breaks and tabs, a table, a list and a data: image", async () => {
    const t = await createTenant();
    const notice = await renderPdf(t, { template: "notice", data: sampleNotice() });
    expect(notice.status).toBe(201);
    expect((await download((await json(notice)).downloadUrl)).text).toContain("Policy GL-2026-000117 is cancelled effective 12/15/2026.");

    const html = `<h1>Schedule of Locations</h1>\n\t<table>\n\t\t<tr><th>#</th><th>Address</th></tr>\n\t\t<tr><td>1</td><td>12 Rue de la Paix, Austin</td></tr>\n\t</table>\n<ul><li>Sprinklered</li><li>Alarmed — central station</li></ul>\n<img src="${PNG_1X1}">`;
    const res = await renderPdf(t, { html, filename: "locations" });
    expect(res.status).toBe(201);
    const doc = await json(res);
    expect(doc).toMatchObject({ kind: "rendered", template: "html", filename: "locations.pdf" });
    const { text } = await download(doc.downloadUrl);
    for (const expected of ["Schedule of Locations", "# Address", "1 12 Rue de la Paix, Austin", "Sprinklered", "Alarmed — central station"]) expect(text).toContain(expected);
  });

  it("answers a template's missing field with 400 validation_failed naming its path, in the envelope", async () => {
    const t = await createTenant();
    const { policyNumber: _, ...data } = sampleInvoice();
    const res = await renderPdf(t, { template: "invoice", data });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toMatchObject({ error: "validation_failed", message: "Missing required field: data.policyNumber", details: { field: "data.policyNumber", rule: "required" } });
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
    // The door's own rules first: an unknown template name, an unknown top-level field.
    expect((await json(await renderPdf(t, { template: "letter", data: {} }))).details).toMatchObject({ field: "template" });
    expect((await json(await renderPdf(t, { html: "<p>x</p>", pages: 2 }))).details).toMatchObject({ field: "pages", rule: "unknown_field" });
  });

  it("refuses scripts and remote resources by rule, and HTML over 256 KiB as max_html_bytes before the 1 MiB body limit", async () => {
    const t = await createTenant();
    const script = await renderPdf(t, { html: "<p>Hi</p><script>fetch('/')</script>" });
    expect(script.status).toBe(400);
    expect(await json(script)).toMatchObject({ error: "validation_failed", details: { field: "html", rule: "no_scripts" } });
    const remote = await renderPdf(t, { html: '<img src="https://cdn.example.com/logo.png">' });
    expect((await json(remote)).details).toMatchObject({ field: "html", rule: "no_remote_resources" });

    // 300 KiB of HTML is a 300 KiB body: under the gateway's limit, so the subset's rule answers.
    const big = await renderPdf(t, { html: `<p>${"a".repeat(300 * 1024)}</p>` });
    expect(big.status).toBe(400);
    expect(await json(big)).toMatchObject({ details: { field: "html", rule: "max_html_bytes", limit: 256 * 1024 } });
    // Past 1 MiB the body is refused before it is read, and that answer names its rule too.
    const huge = await renderPdf(t, { html: "a".repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(await json(huge)).toMatchObject({ error: "payload_too_large", details: { rule: "max_body_bytes", limit: 1024 * 1024 } });
  });

  it("needs documents:write (403 without); another org cannot see or download the document (404)", async () => {
    const t = await createTenant();
    const reader = await createApiKey(t.token, { scopes: ["documents:read"] });
    const denied = await renderPdf(t, { html: "<p>x</p>" }, reader.key);
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "documents:write" } });
    const writer = await createApiKey(t.token, { scopes: ["documents:write"] });
    const created = await renderPdf(t, { html: "<p>Confidential</p>" }, writer.key);
    expect(created.status).toBe(201);
    const doc = await json(created);

    const other = await createTenant();
    const foreign = await call("GET", `/v1/documents/${doc.id}`, { apiKey: other.apiKey });
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found" });
    // Nor can it reuse a link of its own on that id: the token is bound to its document (401).
    const theirs = await renderPdf(other, { html: "<p>theirs</p>" });
    const theirUrl = new URL((await json(theirs)).downloadUrl);
    const token = theirUrl.searchParams.get("token")!;
    expect((await call("GET", `/v1/documents/${doc.id}/download?token=${encodeURIComponent(token)}`)).status).toBe(401);
    // The owner's link works.
    expect((await download(doc.downloadUrl)).text).toContain("Confidential");
  });

  it("replays a retry with the same Idempotency-Key instead of storing a second document", async () => {
    const t = await createTenant();
    const headers = { "idempotency-key": `render-${crypto.randomUUID()}` };
    const first = await renderPdf(t, { template: "notice", data: sampleNotice() }, t.apiKey, headers);
    const again = await renderPdf(t, { template: "notice", data: sampleNotice() }, t.apiKey, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(again)).id).toBe((await json(first)).id);
  });

  it("renders 30 PDFs a minute per credential: the 31st is 429, and another key of the org still renders", async () => {
    const t = await createTenant();
    for (let i = 0; i < 30; i++) {
      const res = await renderPdf(t, { html: `<p>Render ${i}</p>` });
      expect(res.status, `render ${i + 1}`).toBe(201);
    }
    const limited = await renderPdf(t, { html: "<p>One too many</p>" });
    expect(limited.status).toBe(429);
    expect(await json(limited)).toMatchObject({ error: "rate_limit_exceeded", details: { limit: 30 } });
    expect(limited.headers.get("x-ratelimit-limit")).toBe("30");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const second = await createApiKey(t.token);
    expect((await renderPdf(t, { html: "<p>Another key</p>" }, second.key)).status).toBe(201);
  });
});
