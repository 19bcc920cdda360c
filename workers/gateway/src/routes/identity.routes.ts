import { fail, ok, type Result } from "#shared/errors";
import type { Principal } from "#shared/auth";
import { forgetApiCalls } from "../middleware/api-calls.ts";
import type { GatewayEnv } from "../env.ts";
import { route } from "../http/route.ts";
import { apiKeyObjectName, forgetSandboxClock } from "../middleware/authenticate.ts";
import { createOrg, updateOrg, withPlan } from "./workspace.routes.ts";

/** Make the key's admitting Durable Object drop its cached record, so a change applies on the next request. */
async function forgetApiKey(env: GatewayEnv, principal: Principal, keyId: string): Promise<void> {
  const hash = await env.IDENTITY.getApiKeyHash(principal, keyId);
  if (hash.ok) await env.RATE_LIMITER.getByName(`key:${hash.value}`).forget();
}

/**
 * A key just issued (created, or by rotation) starts from a clean admitting object: any refusal it
 * remembers is dropped. Its hash is of 32 fresh random bytes, so no refusal can be there unless the
 * key itself was guessed; this makes even that case last no longer than this request.
 */
async function freshKey(env: GatewayEnv, rawKey: string): Promise<void> {
  await env.RATE_LIMITER.getByName(await apiKeyObjectName(rawKey)).forget();
}

/** A moved clock applies on the org's next request: the gateway's cached offset goes. */
function movedClock<T>(principal: Principal, result: Result<T>): Result<T> {
  if (result.ok) forgetSandboxClock(principal.orgId);
  // Another month on the org's clock may be another api_calls window.
  if (result.ok) forgetApiCalls(principal.orgId);
  return result;
}

/** Orgs, API keys, the sandbox mailbox and clock: the identity worker behind `IDENTITY`. */
export const identityRoutes = [
  // The org's plan is the workspace worker's (workspace.routes.ts puts the two together).
  route("createOrg", ({ env, input }) => createOrg(env, input.body)),
  route("getOrg", async ({ env, principal, input }) => withPlan(env, await env.IDENTITY.getOrg(principal, input.path.id))),
  route("updateOrg", ({ env, principal, input }) => updateOrg(env, principal, input.path.id, input.body)),
  route("createApiKey", async ({ env, principal, input }) => {
    const created = await env.IDENTITY.createApiKey(principal, input.body);
    if (created.ok) await freshKey(env, created.value.key);
    return created;
  }),
  route("listApiKeys", ({ env, principal, input }) => env.IDENTITY.listApiKeys(principal, input.query)),
  route("listApiKeyPresets", async ({ env }) => ok(await env.IDENTITY.listApiKeyPresets())),
  route("getApiKey", ({ env, principal, input }) => env.IDENTITY.getApiKey(principal, input.path.id)),
  route("rotateApiKey", async ({ env, principal, input }) => {
    const rotated = await env.IDENTITY.rotateApiKey(principal, input.path.id, input.body ?? {});
    // The old key now expires at the end of its grace period: its admitting object must re-read it.
    if (rotated.ok) await Promise.all([forgetApiKey(env, principal, input.path.id), freshKey(env, rotated.value.key)]);
    return rotated;
  }),
  route("revokeApiKey", async ({ env, principal, input }) => {
    const revoked = await env.IDENTITY.revokeApiKey(principal, input.path.id);
    if (revoked.ok) await forgetApiKey(env, principal, input.path.id);
    return revoked;
  }),
  route("validateApiKey", async ({ principal }) =>
    principal.kind === "api_key"
      ? ok({ valid: true, keyId: principal.credentialId, orgId: principal.orgId, scopes: principal.scopes, expiresAt: principal.expiresAt, rateLimitTier: principal.rateLimitTier })
      : fail("insufficient_scope", "GET /v1/auth/validate validates API keys; this request did not present one"),
  ),
  // The sandbox routes: app.ts answers route_not_found for /v1/sandbox/* outside development.
  route("listSandboxEmails", ({ env, input }) => env.IDENTITY.listSandboxEmails(input.query)),
  route("getSandboxClock", ({ env, principal }) => env.IDENTITY.getSandboxClock(principal)),
  route("setSandboxClock", async ({ env, principal, input }) => movedClock(principal, await env.IDENTITY.setSandboxClock(principal, input.body))),
  route("resetSandboxClock", async ({ env, principal }) => movedClock(principal, await env.IDENTITY.resetSandboxClock(principal))),
];
