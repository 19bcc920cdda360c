/**
 * Per-test harness: the IdentityService entrypoint (called over loopback RPC exactly as the gateway
 * calls it) and factories for fresh random tenants, so tests never share data.
 */
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Principal } from "#shared/auth";
import type { IdentityService } from "../../workers/identity/src/index.ts";
import type { CreatedApiKey, CreateApiKeyInput, Org } from "../../workers/identity/src/types.ts";
import { errorOf, unwrap } from "../support/results.ts";

/** Result helpers shared by every project (test/support/results.ts). */
export { errorOf, unwrap };

/** `ctx.exports.IdentityService`: a loopback service binding to the worker's named entrypoint. */
export const identity = (exports as unknown as { IdentityService: Service<IdentityService> }).IdentityService;

export const db = () => env.IDENTITY_DB;

export const unique = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);



export async function createTestOrg(overrides: { name?: string; slug?: string } = {}): Promise<Org> {
  const id = unique();
  return unwrap(await identity.createOrg({ name: overrides.name ?? `Test Org ${id}`, slug: overrides.slug ?? `test-${id}` }));
}

/** A principal in `orgId` as the gateway would build it for an org admin (override scopes to narrow it). */
export function principalFor(orgId: string, overrides: Partial<Principal> = {}): Principal {
  return {
    kind: "user",
    orgId,
    credentialId: `usr_test_${unique()}`,
    actorId: `usr_test_${unique()}`,
    role: "org_admin",
    scopes: ["*"],
    rateLimitTier: "sandbox",
    expiresAt: null,
    ...overrides,
  };
}

export interface Tenant {
  org: Org;
  admin: Principal;
}

/** A fresh org and an org_admin principal in it. */
export async function createTenant(): Promise<Tenant> {
  const org = await createTestOrg();
  return { org, admin: principalFor(org.id) };
}

export async function createKey(principal: Principal, input: Partial<CreateApiKeyInput> = {}): Promise<CreatedApiKey> {
  return unwrap(await identity.createApiKey(principal, { name: `key ${unique()}`, ...input }));
}

export function randomEmail(): string {
  return `user-${unique()}@example.test`;
}
