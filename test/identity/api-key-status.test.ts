import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IdentityInternal } from "../../workers/identity/src/index.ts";
import { createKey, createTenant, identity, unwrap } from "./factories.ts";
import { realIso } from "../support/clock.ts";

/** `ctx.exports.IdentityInternal`, as the deal-rooms worker's binding reaches it. */
const internal = (exports as unknown as { IdentityInternal: Service<IdentityInternal> }).IdentityInternal;

describe("apiKeyStatus (IdentityInternal, for deal-room sockets)", () => {
  it("says a key is active until it is revoked, and never for another org's key or an unknown id", async () => {
    const { org, admin } = await createTenant();
    const other = await createTenant();
    const expiresAt = realIso(3_600_000);
    const key = await createKey(admin, { expiresAt });
    expect(await internal.apiKeyStatus(org.id, key.id)).toEqual({ active: true, expiresAt });
    expect(await internal.apiKeyStatus(other.org.id, key.id)).toEqual({ active: false, expiresAt: null });
    expect(await internal.apiKeyStatus(org.id, "key_01JUNKNOWN0000000000000000")).toEqual({ active: false, expiresAt: null });

    unwrap(await identity.revokeApiKey(admin, key.id));
    expect(await internal.apiKeyStatus(org.id, key.id)).toEqual({ active: false, expiresAt: null });
  });

  it("reports a rotated key's grace end, and an expired key as inactive", async () => {
    const { org, admin } = await createTenant();
    const key = await createKey(admin);
    expect(await internal.apiKeyStatus(org.id, key.id)).toEqual({ active: true, expiresAt: null });
    const rotated = unwrap(await identity.rotateApiKey(admin, key.id, { gracePeriodHours: 1 }));
    expect(await internal.apiKeyStatus(org.id, key.id)).toEqual({ active: true, expiresAt: rotated.previousKeyExpiresAt });
    const rotatedNow = unwrap(await identity.rotateApiKey(admin, rotated.id, { gracePeriodHours: 0 }));
    expect(await internal.apiKeyStatus(org.id, rotated.id)).toEqual({ active: false, expiresAt: null });
    expect(await internal.apiKeyStatus(org.id, rotatedNow.id)).toMatchObject({ active: true });
  });
});
