/**
 * Signed document downloads (DECISIONS.md, "Documents"). `GET /v1/documents/:id` hands out a link
 * whose `token` is an HMAC-SHA256 over the org, the document and the expiry; the download route
 * takes that token and no other credential, and streams the bytes from the documents worker (which
 * alone is bound to the R2 bucket) with Range, Content-Disposition and ETag as a browser expects.
 *
 * The key is derived from `JWT_SECRET` with a label of its own, so no new secret has to be
 * provisioned and a download token can never be confused with a JWT signed by the same secret.
 * Expiry is on real time, like every credential (a sandbox clock moves the book, not the keys).
 */
import type { Context } from "hono";
import { toBase64Url } from "#shared/crypto";
import type { ByteRangeRequest, DocumentDownload } from "#shared/rpc";
import type { GatewayContext } from "./env.ts";

/** A download link is good for 15 minutes. */
export const DOWNLOAD_TTL_SECONDS = 15 * 60;

const KEY_LABEL = "openinsure/document-download/v1";
const encoder = new TextEncoder();

/** The HMAC key of download tokens: HMAC-SHA256(JWT_SECRET, label), never the secret itself. */
async function deriveDownloadKey(secret: string): Promise<CryptoKey> {
  const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", root, encoder.encode(KEY_LABEL));
  return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Derived once per isolate and secret (a rotated secret derives anew); a failed derivation is not kept. */
let derivedKey: { secret: string; key: Promise<CryptoKey> } | undefined;
function downloadKey(secret: string): Promise<CryptoKey> {
  if (derivedKey?.secret !== secret) {
    const entry = { secret, key: deriveDownloadKey(secret) };
    entry.key.catch(() => {
      if (derivedKey === entry) derivedKey = undefined;
    });
    derivedKey = entry;
  }
  return derivedKey.key;
}

const signedText = (orgId: string, documentId: string, exp: number) => encoder.encode(`document-download\n${orgId}\n${documentId}\n${exp}`);

/** `{orgId}.{exp}.{signature}`: exp in unix seconds, the signature base64url. */
export async function signDownloadToken(secret: string, orgId: string, documentId: string, exp: number): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await downloadKey(secret), signedText(orgId, documentId, exp));
  return `${orgId}.${exp}.${toBase64Url(new Uint8Array(sig))}`;
}

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The org a token for `documentId` was signed for, or null when it is malformed, signed for another
 * document or org, tampered with or expired. The signature is checked with `subtle.verify`, in
 * constant time.
 */
export async function verifyDownloadToken(secret: string, documentId: string, token: string, nowSeconds: number): Promise<string | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [orgId, expText, sigText] = parts as [string, string, string];
  if (!/^org_[0-9A-HJKMNP-TV-Z]{26}$/.test(orgId) || !/^[1-9][0-9]{0,11}$/.test(expText)) return null;
  const sig = fromBase64Url(sigText);
  if (!sig || sig.byteLength !== 32) return null;
  const exp = Number(expText);
  const valid = await crypto.subtle.verify("HMAC", await downloadKey(secret), sig, signedText(orgId, documentId, exp));
  if (!valid || exp <= nowSeconds) return null;
  return orgId;
}

/** `{downloadUrl, downloadUrlExpiresAt}` for a document of `orgId`, on the origin of the request. */
export async function issueDownloadUrl(c: Context<GatewayContext>, orgId: string, documentId: string) {
  const exp = Math.floor(Date.now() / 1000) + DOWNLOAD_TTL_SECONDS;
  const token = await signDownloadToken(c.env.JWT_SECRET, orgId, documentId, exp);
  const url = new URL(`/v1/documents/${encodeURIComponent(documentId)}/download`, new URL(c.req.url).origin);
  url.searchParams.set("token", token);
  return { downloadUrl: url.toString(), downloadUrlExpiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * One `Range: bytes=…` (RFC 9110 §14.2), or undefined for none, a malformed one or several ranges:
 * a server may ignore such a header and send the whole representation, which is what happens.
 */
export function parseRange(header: string | undefined): ByteRangeRequest | undefined {
  const m = header?.trim().match(/^bytes=(\d{0,15})-(\d{0,15})$/i);
  if (!m) return undefined;
  const [, first, last] = m as unknown as [string, string, string];
  if (first === "" && last === "") return undefined;
  if (first === "") return { suffix: Number(last) };
  if (last !== "" && Number(last) < Number(first)) return undefined;
  return last === "" ? { first: Number(first) } : { first: Number(first), last: Number(last) };
}

/**
 * `attachment; filename="…"` (RFC 6266): an ASCII fallback with quotes and backslashes escaped, and
 * `filename*=UTF-8''…` (RFC 5987 percent-encoding) when the real name is not plain ASCII.
 */
export function contentDisposition(filename: string): string {
  const ascii = /^[\x20-\x7E]*$/.test(filename);
  const fallback = (ascii ? filename : filename.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x20-\x7E]/g, "_")).replace(/["\\]/g, "\\$&");
  if (ascii) return `attachment; filename="${fallback}"`;
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The download's answer: 200 whole, 206 one range; the stream is passed through, never buffered. */
export function downloadResponse(c: Context<GatewayContext>, download: DocumentDownload): Response {
  const { document, range, body } = download;
  if (!body) throw new Error("openDownload answered no bytes for a satisfiable request");
  const headers: Record<string, string> = {
    "Content-Type": document.contentType,
    "Content-Disposition": contentDisposition(document.filename),
    ETag: `"${document.sha256}"`,
    "Cache-Control": "private",
    "Accept-Ranges": "bytes",
    "Content-Length": String(range ? range.last - range.first + 1 : document.size),
  };
  if (range) headers["Content-Range"] = `bytes ${range.first}-${range.last}/${document.size}`;
  return c.body(body, range ? 206 : 200, headers);
}
