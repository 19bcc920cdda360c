/**
 * Documents through the gateway: metadata with a signed link, and the download the link serves.
 * Documents are stored by calling the documents worker's `storeDocument` over the gateway's own
 * `DOCUMENTS` binding, as claims and billing will.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toBase64Url, toHex } from "#shared/crypto";
import { signDownloadToken } from "../../workers/gateway/src/document-downloads.ts";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";

const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% a certificate\n%%EOF\n");

async function store(t: Tenant, filename = "certificate.pdf", bytes = pdf) {
  return unwrap(await env.DOCUMENTS.storeDocument(newPrincipal(t.orgId), { kind: "coi", filename, body: bytes, policyId: "pol_01J8K3M4N5P6Q7R8S9T0V1W2X3" }));
}

/** `downloadUrl` as a path the harness can call (it is absolute, on the request's origin). */
const pathOf = (downloadUrl: string) => {
  const url = new URL(downloadUrl);
  return url.pathname + url.search;
};

async function metadata(t: Tenant, id: string) {
  const res = await call("GET", `/v1/documents/${id}`, { apiKey: t.apiKey });
  expect(res.status).toBe(200);
  return json(res);
}

describe("GET /v1/documents/:id", () => {
  it("answers the metadata and a downloadUrl on the request's origin, valid 15 minutes", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const before = realNow();
    const body = await metadata(t, doc.id);
    expect(body).toMatchObject({ id: doc.id, kind: "coi", filename: "certificate.pdf", contentType: "application/pdf", size: pdf.byteLength, sha256: toHex(await crypto.subtle.digest("SHA-256", pdf)), policyId: "pol_01J8K3M4N5P6Q7R8S9T0V1W2X3", claimId: null });
    const url = new URL(body.downloadUrl);
    expect(url.origin).toBe("https://api.openinsure.test");
    expect(url.pathname).toBe(`/v1/documents/${doc.id}/download`);
    expect(url.searchParams.get("token")).toBeTruthy();
    const ttl = Date.parse(body.downloadUrlExpiresAt) - before;
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1000);
  });

  it("needs documents:read (403 without) and answers 404 for another org's document", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const narrow = await createApiKey(t.token, { scopes: ["policies:read"] });
    const denied = await call("GET", `/v1/documents/${doc.id}`, { apiKey: narrow.key });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "documents:read" } });
    const reader = await createApiKey(t.token, { scopes: ["documents:read"] });
    expect((await call("GET", `/v1/documents/${doc.id}`, { apiKey: reader.key })).status).toBe(200);

    const other = await createTenant();
    const foreign = await call("GET", `/v1/documents/${doc.id}`, { apiKey: other.apiKey });
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found" });
  });
});

describe("GET /v1/documents/:id/download", () => {
  it("serves the bytes with no other credential, as an attachment, ETag the SHA-256, private", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const res = await call("GET", pathOf((await metadata(t, doc.id)).downloadUrl));
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(pdf);
    expect(Object.fromEntries(["content-type", "content-disposition", "etag", "cache-control", "accept-ranges", "content-length"].map((h) => [h, res.headers.get(h)]))).toEqual({
      "content-type": "application/pdf",
      "content-disposition": 'attachment; filename="certificate.pdf"',
      etag: `"${doc.sha256}"`,
      "cache-control": "private",
      "accept-ranges": "bytes",
      "content-length": String(pdf.byteLength),
    });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("answers one Range with 206 and Content-Range, a suffix range too, and 416 past the end", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const path = pathOf((await metadata(t, doc.id)).downloadUrl);
    const head = await call("GET", path, { headers: { range: "bytes=0-7" } });
    expect(head.status).toBe(206);
    expect(head.headers.get("content-range")).toBe(`bytes 0-7/${pdf.byteLength}`);
    expect(head.headers.get("content-length")).toBe("8");
    expect(new TextDecoder().decode(await head.arrayBuffer())).toBe("%PDF-1.7");
    const tail = await call("GET", path, { headers: { range: "bytes=-6" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${pdf.byteLength - 6}-${pdf.byteLength - 1}/${pdf.byteLength}`);
    expect(new TextDecoder().decode(await tail.arrayBuffer())).toBe("%%EOF\n");
    // An end past the size is cut to it.
    const open = await call("GET", path, { headers: { range: `bytes=10-${pdf.byteLength + 100}` } });
    expect(open.status).toBe(206);
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(pdf.subarray(10));
    const past = await call("GET", path, { headers: { range: `bytes=${pdf.byteLength}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${pdf.byteLength}`);
    expect(await json(past)).toMatchObject({ error: "range_not_satisfiable", details: { size: pdf.byteLength } });
    // A malformed or multi-part range is ignored: the whole document.
    for (const range of ["bytes=abc", "bytes=0-1,4-5", "items=0-3"]) {
      const whole = await call("GET", path, { headers: { range } });
      expect(whole.status, range).toBe(200);
      expect((await whole.arrayBuffer()).byteLength, range).toBe(pdf.byteLength);
    }
  });

  it("names a non-ASCII file with an ASCII fallback and RFC 5987 filename*", async () => {
    const t = await createTenant();
    const doc = await store(t, 'Déclarations "2026" ✓.pdf');
    const res = await call("GET", pathOf((await metadata(t, doc.id)).downloadUrl));
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="Declarations \\"2026\\" _.pdf"; filename*=UTF-8''D%C3%A9clarations%20%222026%22%20%E2%9C%93.pdf`);
    await res.arrayBuffer();
  });

  it("answers 401 with the envelope for a tampered, expired, missing-part or other document's token", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const other = await store(t, "other.pdf");
    const url = new URL((await metadata(t, doc.id)).downloadUrl);
    const token = url.searchParams.get("token")!;
    const otherToken = new URL((await metadata(t, other.id)).downloadUrl).searchParams.get("token")!;
    const [org, exp, sig] = token.split(".") as [string, string, string];
    const flipped = sig.slice(0, -2) + (sig.at(-2) === "A" ? "B" : "A") + sig.at(-1);
    const expired = await signDownloadToken(env.JWT_SECRET, t.orgId, doc.id, Math.floor(realNow() / 1000) - 1);
    const cases = {
      tampered: `${org}.${exp}.${flipped}`,
      "extended expiry": `${org}.${Number(exp) + 3600}.${sig}`,
      expired,
      "no signature": `${org}.${exp}`,
      "another document's token": otherToken,
      "signed with another secret": await signDownloadToken("not-the-secret-0123456789abcdef", t.orgId, doc.id, Number(exp)),
    };
    for (const [name, bad] of Object.entries(cases)) {
      const res = await call("GET", `/v1/documents/${doc.id}/download?token=${encodeURIComponent(bad)}`);
      expect(res.status, name).toBe(401);
      expect(await json(res), name).toMatchObject({ error: "unauthorized", requestId: expect.stringMatching(/^req_/) });
    }
  });

  it("counts bad tokens against the client IP's failed-authentication budget: 429 after 60 a minute, other IPs unaffected", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const good = new URL((await metadata(t, doc.id)).downloadUrl).searchParams.get("token")!;
    const [org, exp] = good.split(".") as [string, string, string];
    const ip = `198.51.100.${Math.floor(Math.random() * 254) + 1}`;
    const download = (token: string, from: string) =>
      call("GET", `/v1/documents/${doc.id}/download?token=${encodeURIComponent(token)}`, { headers: { "cf-connecting-ip": from } });
    const guess = () => `${org}.${exp}.${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
    const guesses = await Promise.all(Array.from({ length: 60 }, () => download(guess(), ip)));
    expect(guesses.map((r) => r.status)).toEqual(Array(60).fill(401));
    const blocked = await download(guess(), ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await json(blocked)).toMatchObject({ error: "rate_limit_exceeded" });
    // The same good link from another address still downloads.
    expect((await download(good, `203.0.113.${Math.floor(Math.random() * 254) + 1}`)).status).toBe(200);
  });

  it("answers 404 through a valid token of another org: the token's org finds no such document", async () => {
    const t = await createTenant();
    const doc = await store(t);
    const other = await createTenant();
    const foreign = await signDownloadToken(env.JWT_SECRET, other.orgId, doc.id, Math.floor(realNow() / 1000) + 600);
    const res = await call("GET", `/v1/documents/${doc.id}/download?token=${encodeURIComponent(foreign)}`);
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: "not_found" });
  });
});
