import type { Principal } from "../../workers/_shared/auth.ts";
import { newId } from "../../workers/_shared/ids.ts";

/**
 * A principal of a fresh org, as the gateway would hand it to a domain worker: an all-scopes API key
 * unless `overrides` say otherwise. Every test gets its own tenant.
 */
export function newPrincipal(orgId: string = newId("org"), overrides: Partial<Principal> = {}): Principal {
  return {
    kind: "api_key",
    orgId,
    credentialId: "key_test",
    actorId: "key_test",
    role: null,
    scopes: ["*"],
    rateLimitTier: "sandbox",
    expiresAt: null,
    ...overrides,
  };
}
