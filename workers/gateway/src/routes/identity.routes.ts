import { z } from "zod";
import {
  zCreateApiKeyBody,
  zCreateOrgBody,
  zGetApiKeyPath,
  zGetOrgPath,
  zListApiKeysQuery,
  zListSandboxEmailsQuery,
  zRevokeApiKeyPath,
  zRotateApiKeyBody,
  zRotateApiKeyPath,
  zSetSandboxClockBody,
  zUpdateOrgBody,
  zUpdateOrgPath,
} from "#contract/zod.gen";
import type { Principal } from "#shared/auth";
import { sandboxClockEnabled } from "#shared/clock";
import { fail, ok } from "#shared/errors";
import type { GatewayEnv } from "../env.ts";
import { route } from "../http/route.ts";

/** Make the key's admitting Durable Object drop its cached record, so a change applies on the next request. */
async function forgetApiKey(env: GatewayEnv, principal: Principal, keyId: string): Promise<void> {
  const hash = await env.IDENTITY.getApiKeyHash(principal, keyId);
  if (hash.ok) await env.RATE_LIMITER.getByName(`key:${hash.value}`).forget();
}

/** Sandbox clock routes exist only where sandbox clocks are honoured; elsewhere they are unknown paths. */
const noClockRoute = (method: string) => Promise.resolve(fail("route_not_found", `No route for ${method} /v1/sandbox/clock`));

/** Orgs, API keys, the sandbox mailbox and clock: the identity worker behind `IDENTITY`. */
export const identityRoutes = [
  route({
    method: "post",
    path: "/v1/orgs",
    operationId: "createOrg",
    auth: "credential",
    scope: "orgs:write",
    systemOnly: true,
    orgOptional: true,
    schemas: { body: zCreateOrgBody },
    status: 201,
    handler: ({ env, input }) => env.IDENTITY.createOrg(input.body),
  }),
  route({
    method: "get",
    path: "/v1/orgs/:id",
    operationId: "getOrg",
    auth: "credential",
    scope: "orgs:read",
    schemas: { path: zGetOrgPath },
    handler: ({ env, principal, input }) => env.IDENTITY.getOrg(principal, input.path.id),
  }),
  route({
    method: "patch",
    path: "/v1/orgs/:id",
    operationId: "updateOrg",
    auth: "credential",
    scope: "orgs:write",
    schemas: { path: zUpdateOrgPath, body: zUpdateOrgBody },
    handler: ({ env, principal, input }) => env.IDENTITY.updateOrg(principal, input.path.id, input.body),
  }),
  route({
    method: "post",
    path: "/v1/api-keys",
    operationId: "createApiKey",
    auth: "credential",
    scope: "api-keys:write",
    schemas: { body: zCreateApiKeyBody },
    status: 201,
    handler: ({ env, principal, input }) => env.IDENTITY.createApiKey(principal, input.body),
  }),
  route({
    method: "get",
    path: "/v1/api-keys",
    operationId: "listApiKeys",
    auth: "credential",
    scope: "api-keys:read",
    schemas: { query: zListApiKeysQuery },
    handler: ({ env, principal, input }) => env.IDENTITY.listApiKeys(principal, input.query),
  }),
  route({
    method: "get",
    path: "/v1/api-keys/presets",
    operationId: "listApiKeyPresets",
    auth: "credential",
    scope: "api-keys:read",
    schemas: {},
    handler: async ({ env }) => ok(await env.IDENTITY.listApiKeyPresets()),
  }),
  route({
    method: "get",
    path: "/v1/api-keys/:id",
    operationId: "getApiKey",
    auth: "credential",
    scope: "api-keys:read",
    schemas: { path: zGetApiKeyPath },
    handler: ({ env, principal, input }) => env.IDENTITY.getApiKey(principal, input.path.id),
  }),
  route({
    method: "post",
    path: "/v1/api-keys/:id/rotate",
    operationId: "rotateApiKey",
    auth: "credential",
    scope: "api-keys:write",
    schemas: { path: zRotateApiKeyPath, body: zRotateApiKeyBody.optional() },
    status: 201,
    handler: async ({ env, principal, input }) => {
      const rotated = await env.IDENTITY.rotateApiKey(principal, input.path.id, input.body ?? {});
      // The old key now expires at the end of its grace period: its admitting object must re-read it.
      if (rotated.ok) await forgetApiKey(env, principal, input.path.id);
      return rotated;
    },
  }),
  route({
    method: "delete",
    path: "/v1/api-keys/:id",
    operationId: "revokeApiKey",
    auth: "credential",
    scope: "api-keys:write",
    schemas: { path: zRevokeApiKeyPath },
    status: 204,
    handler: async ({ env, principal, input }) => {
      const revoked = await env.IDENTITY.revokeApiKey(principal, input.path.id);
      if (revoked.ok) await forgetApiKey(env, principal, input.path.id);
      return revoked;
    },
  }),
  route({
    method: "get",
    path: "/v1/auth/validate",
    operationId: "validateApiKey",
    auth: "credential",
    scope: null,
    schemas: {},
    handler: async ({ principal }) =>
      principal.kind === "api_key"
        ? ok({ valid: true, keyId: principal.credentialId, orgId: principal.orgId, scopes: principal.scopes, expiresAt: principal.expiresAt, rateLimitTier: principal.rateLimitTier })
        : fail("insufficient_scope", "GET /v1/auth/validate validates API keys; this request did not present one"),
  }),
  route({
    method: "get",
    path: "/v1/sandbox/emails",
    operationId: "listSandboxEmails",
    auth: "credential",
    scope: null,
    systemOnly: true,
    orgOptional: true,
    schemas: { query: zListSandboxEmailsQuery },
    handler: ({ env, input }) =>
      env.ENVIRONMENT === "production" ? Promise.resolve(fail("route_not_found", "No route for GET /v1/sandbox/emails")) : env.IDENTITY.listSandboxEmails(input.query),
  }),
  route({
    method: "get",
    path: "/v1/sandbox/clock",
    operationId: "getSandboxClock",
    auth: "credential",
    scope: "orgs:read",
    schemas: {},
    handler: ({ env, principal }) => (sandboxClockEnabled(env.ENVIRONMENT) ? env.IDENTITY.getSandboxClock(principal) : noClockRoute("GET")),
  }),
  route({
    method: "post",
    path: "/v1/sandbox/clock",
    operationId: "setSandboxClock",
    auth: "credential",
    scope: "orgs:write",
    schemas: { body: zSetSandboxClockBody },
    handler: ({ env, principal, input }) => (sandboxClockEnabled(env.ENVIRONMENT) ? env.IDENTITY.setSandboxClock(principal, input.body) : noClockRoute("POST")),
  }),
  route({
    method: "delete",
    path: "/v1/sandbox/clock",
    operationId: "resetSandboxClock",
    auth: "credential",
    scope: "orgs:write",
    // The operation takes no body: one sent anyway is refused rather than ignored.
    schemas: { body: z.undefined() },
    handler: ({ env, principal }) => (sandboxClockEnabled(env.ENVIRONMENT) ? env.IDENTITY.resetSandboxClock(principal) : noClockRoute("DELETE")),
  }),
];
