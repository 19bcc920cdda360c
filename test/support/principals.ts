import type { Principal } from "../../workers/_shared/auth.ts";
import { newId } from "../../workers/_shared/ids.ts";
import { testClockOffsetMs } from "./clock.ts";

/**
 * A principal of a fresh org, as the gateway would hand it to a domain worker: an all-scopes API key
 * unless `overrides` say otherwise, its org's sandbox clock at the test calendar's `TEST_NOW`. Every
 * test gets its own tenant.
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
    clockOffsetMs: testClockOffsetMs(),
    ...overrides,
  };
}

/**
 * Another principal of `p`'s org (its own API key) holding `referrals:approve`: who decides what
 * `p` quoted or referred, since segregation of duties refuses the creator.
 */
export function approverOf(p: Principal, overrides: Partial<Principal> = {}): Principal {
  return { ...p, credentialId: "key_approver", actorId: "key_approver", scopes: ["*"], ...overrides };
}

/**
 * `p`'s API key after a rotation to `keyId`, as the gateway builds it: a new credential and actor,
 * the same principal (the lineage of `p`'s key).
 */
export function rotationOf(p: Principal, keyId: string): Principal {
  return { ...p, credentialId: keyId, actorId: keyId, principalId: p.principalId ?? p.actorId };
}
