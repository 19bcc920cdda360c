/**
 * Signing secrets at rest. They must be recoverable to sign, so unlike API keys they cannot be
 * hashed: each is sealed with AES-256-GCM under `WEBHOOK_ENCRYPTION_KEY`, with a fresh 96-bit IV,
 * and the endpoint id as additional data so a sealed secret copied onto another row does not open.
 * Stored as `v1.<base64 iv>.<base64 ciphertext+tag>`.
 */
import { fromBase64, toBase64 } from "./signing.ts";

const VERSION = "v1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(encodedKey: string | undefined): Promise<CryptoKey> {
  if (!encodedKey) throw new Error("WEBHOOK_ENCRYPTION_KEY is not set");
  let key = keys.get(encodedKey);
  if (!key) {
    const raw = fromBase64(encodedKey.trim());
    if (raw.byteLength !== 32) throw new Error("WEBHOOK_ENCRYPTION_KEY must be base64 of exactly 32 bytes");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(encodedKey, key);
  }
  return key;
}

export async function sealSecret(encodedKey: string | undefined, endpointId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(endpointId) },
    await keyFor(encodedKey),
    encoder.encode(secret),
  );
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Throws when the box was not sealed for this endpoint under this key (a bug or a wrong key, never user input). */
export async function openSecret(encodedKey: string | undefined, endpointId: string, box: string): Promise<string> {
  const [version, iv, data] = box.split(".");
  if (version !== VERSION || !iv || !data) throw new Error("unrecognised sealed secret");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: encoder.encode(endpointId) },
    await keyFor(encodedKey),
    fromBase64(data),
  );
  return decoder.decode(plain);
}
