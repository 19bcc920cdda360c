/**
 * Endpoint signing secrets and the two signatures every delivery carries (DECISIONS.md, "Events and webhooks"):
 * - `X-OpenInsure-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body keyed with the secret string
 *   exactly as issued (prefix included), so the seed's `createHmac('sha256', secret).update(rawBody)`
 *   verifies unchanged;
 * - Standard Webhooks `webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64>` keyed with
 *   the base64-decoded part after `whsec_`, over `{id}.{timestamp}.{body}`.
 *
 * During a rotation's grace period the receiver still holds the PREVIOUS secret (it learns the new one
 * only when its operator deploys it), so `X-OpenInsure-Signature` stays keyed with the previous secret,
 * `X-OpenInsure-Signature-Next` carries the new secret's signature (a receiver that has switched
 * verifies that one), and `webhook-signature` carries both, space-separated, as Standard Webhooks
 * allows. After the grace only the current secret signs and the `-Next` header is absent.
 */
import { toHex } from "#shared/crypto";

export const SECRET_PREFIX = "whsec_";

const encoder = new TextEncoder();

export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

async function hmacSha256(key: Uint8Array, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(message)));
}

/** `sha256=<hex HMAC-SHA256(body)>` keyed with the UTF-8 bytes of the whole secret string. */
export async function openInsureSignature(secret: string, body: string): Promise<string> {
  return `sha256=${toHex(await hmacSha256(encoder.encode(secret), body))}`;
}

/** `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>` keyed with base64-decode(secret without `whsec_`). */
export async function standardSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  return `v1,${toBase64(await hmacSha256(key, `${id}.${timestamp}.${body}`))}`;
}

export interface SignInput {
  eventId: string;
  eventType: string;
  body: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The endpoint's current secret (the one the last creation or rotation returned). */
  secret: string;
  /** The secret it replaced, while the rotation's grace period is open. */
  previousSecret?: string;
}

/** The header carrying the new secret's `sha256=` signature during a rotation's grace period. */
export const NEXT_SIGNATURE_HEADER = "X-OpenInsure-Signature-Next";

/** Every header of one delivery attempt. `webhook-id` is the event id, identical on every retry. */
export async function deliveryHeaders(input: SignInput): Promise<Record<string, string>> {
  const { secret, previousSecret } = input;
  // Previous first: the receiver that has not switched yet is the common case during the grace.
  const secrets = previousSecret === undefined ? [secret] : [previousSecret, secret];
  const standard = await Promise.all(secrets.map((s) => standardSignature(s, input.eventId, input.timestamp, input.body)));
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": "OpenInsure-Webhooks/1.0",
    "X-OpenInsure-Event": input.eventType,
    "X-OpenInsure-Signature": await openInsureSignature(previousSecret ?? secret, input.body),
    "webhook-id": input.eventId,
    "webhook-timestamp": String(input.timestamp),
    "webhook-signature": standard.join(" "),
  };
  if (previousSecret !== undefined) headers[NEXT_SIGNATURE_HEADER] = await openInsureSignature(secret, input.body);
  return headers;
}
