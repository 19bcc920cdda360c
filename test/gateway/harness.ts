import { exports, env } from "cloudflare:workers";
import { expect } from "vitest";
import { TEST_NOW } from "../support/clock.ts";
import type { GatewayEnv } from "../../workers/gateway/src/env.ts";
import { flushApiCallsForTest } from "../../workers/gateway/src/middleware/api-calls.ts";

/**
 * The client address of the running test file's requests (`CF-Connecting-IP`, as Cloudflare sets it):
 * one per test file, so that failed authentications, which are limited per IP, are counted per file.
 * Derived from the file's path when asked, not fixed when this module loads: a project's files share
 * one runtime and its module cache (scripts/lib/vitest-projects.ts), so a module-level address would
 * be every file's. An IPv6 documentation address with 32 bits of the path's FNV-1a hash.
 */
export function testClientIp(): string {
  let hash = 0x811c9dc5;
  for (const char of expect.getState().testPath ?? "") hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  hash >>>= 0;
  return `2001:db8::${(hash >>> 16).toString(16)}:${(hash & 0xffff).toString(16)}`;
}

/** A request through the gateway exactly as a client sends it. */
export async function call(
  method: string,
  path: string,
  options: { token?: string; apiKey?: string; body?: unknown; rawBody?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": testClientIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers["x-api-key"] = options.apiKey;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  return (exports as unknown as { default: Fetcher }).default.fetch(new Request(`https://api.openinsure.test${path}`, { method, headers, body }));
}

export async function json<T = Record<string, any>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const unique = () => crypto.randomUUID().slice(0, 8);

export interface Tenant {
  orgId: string;
  /** An org_admin JWT from /auth/demo. */
  token: string;
  /** A full-access API key on the given tier. */
  apiKey: string;
  apiKeyId: string;
}

/**
 * A fresh org with an admin JWT and an API key: every test gets its own tenant. The org's sandbox
 * clock stands at `TEST_NOW` (test/support/clock.ts), so what a test dates never drifts into the past
 * (in development, the environment of every project but `production`).
 */
export async function createTenant(options: { tier?: "sandbox" | "standard" | "enterprise"; scopes?: string[] } = {}): Promise<Tenant> {
  const org = await json(await call("POST", "/v1/orgs", { token: env.API_SECRET, body: { name: `Test Org ${unique()}`, slug: `test-${unique()}` } }));
  // Only development has sandbox clocks; the production project's orgs run on real time.
  if (env.ENVIRONMENT === "development") await setClock(org.id, { now: TEST_NOW });
  // From an address of its own: /auth/* is limited per IP (60 a minute), and a file such as the
  // hostile-bodies property test creates a tenant for each of its many routes.
  const demoIp = `198.19.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;
  const demoRes = await call("POST", "/auth/demo", { body: { secret: env.API_SECRET, orgId: org.id }, headers: { "cf-connecting-ip": demoIp } });
  if (demoRes.status !== 200) throw new Error(`demo token failed: ${demoRes.status} ${await demoRes.text()}`);
  const demo = await json(demoRes);
  const key = await createApiKey(demo.token, { tier: options.tier ?? "enterprise", scopes: options.scopes });
  return { orgId: org.id, token: demo.token, apiKey: key.key, apiKeyId: key.id };
}

/** Set (`{now}`) or advance (`{advanceDays}`) an org's sandbox clock, as the API secret. */
export async function setClock(orgId: string, body: { now: string } | { advanceDays: number }) {
  const res = await call("POST", "/v1/sandbox/clock", { token: env.API_SECRET, headers: { "x-org-id": orgId }, body });
  if (res.status !== 200) throw new Error(`setting the sandbox clock failed: ${res.status} ${await res.text()}`);
  return json<{ now: string; today: string; offsetMs: number; simulated: boolean }>(res);
}

export async function createApiKey(token: string, options: { tier?: string; scopes?: string[]; expiresAt?: string | null; name?: string } = {}) {
  const body: Record<string, unknown> = { name: options.name ?? `key ${unique()}`, rateLimitTier: options.tier ?? "enterprise" };
  if (options.scopes) body.scopes = options.scopes;
  else body.preset = "full_access";
  if (options.expiresAt !== undefined) body.expiresAt = options.expiresAt;
  const res = await call("POST", "/v1/api-keys", { token, body });
  if (res.status !== 201) throw new Error(`createApiKey failed: ${res.status} ${await res.text()}`);
  return json<{ id: string; key: string }>(res);
}

/**
 * Sends the api_calls this isolate tallied to the orgs' meters and waits, so a summary reads them
 * exactly (the gateway's tests run in its isolate; batches of 5 flush by themselves).
 */
export const flushApiCalls = (): Promise<void> => flushApiCallsForTest(env as unknown as GatewayEnv);

export { quickstartSubmission } from "../support/submissions.ts";
