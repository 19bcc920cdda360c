/**
 * Signing secrets at rest. They must be recoverable to sign, so unlike API keys they cannot be
 * hashed: each is sealed by #shared/secret-box (AES-256-GCM, `v1.<iv>.<ciphertext+tag>`) under
 * `WEBHOOK_ENCRYPTION_KEY`, with the endpoint id as additional data so a sealed secret copied onto
 * another row does not open.
 */
import * as box from "#shared/secret-box";

const SECRET_NAME = "WEBHOOK_ENCRYPTION_KEY";

export const sealSecret = (encodedKey: string | undefined, endpointId: string, secret: string): Promise<string> => box.sealSecret(SECRET_NAME, encodedKey, endpointId, secret);

/** Throws when the box was not sealed for this endpoint under this key (a bug or a wrong key, never user input). */
export const openSecret = (encodedKey: string | undefined, endpointId: string, sealed: string): Promise<string> => box.openSecret(SECRET_NAME, encodedKey, endpointId, sealed);
