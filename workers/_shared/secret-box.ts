/**
 * Secrets that must be recoverable (so cannot be hashed), sealed at rest: webhook endpoints' signing
 * secrets (workers/webhooks/src/secret-box.ts) and orgs' LLM keys. AES-256-GCM under a
 * base64 32-byte key from the worker's secret, a fresh 96-bit IV, and the owning row's id as
 * additional data so a sealed secret copied onto another row does not open.
 * Stored as `v1.<base64 iv>.<base64 ciphertext+tag>`.
 */
const VERSION = "v1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** `secretName` only names the variable in the error when it is missing or malformed. */
function keyFor(secretName: string, encodedKey: string | undefined): Promise<CryptoKey> {
  if (!encodedKey) throw new Error(`${secretName} is not set`);
  let key = keys.get(encodedKey);
  if (!key) {
    const raw = fromBase64(encodedKey.trim());
    if (raw.byteLength !== 32) throw new Error(`${secretName} must be base64 of exactly 32 bytes`);
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(encodedKey, key);
  }
  return key;
}

export async function sealSecret(secretName: string, encodedKey: string | undefined, rowId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(rowId) }, await keyFor(secretName, encodedKey), encoder.encode(secret));
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Throws when the box was not sealed for this row under this key (a bug or a wrong key, never user input). */
export async function openSecret(secretName: string, encodedKey: string | undefined, rowId: string, box: string): Promise<string> {
  const [version, iv, data] = box.split(".");
  if (version !== VERSION || !iv || !data) throw new Error("unrecognised sealed secret");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: encoder.encode(rowId) }, await keyFor(secretName, encodedKey), fromBase64(data));
  return decoder.decode(plain);
}
