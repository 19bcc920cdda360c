/**
 * Bring-your-own LLM keys (the Opensure seed's llm-adaptor): one key per org and provider, sealed with
 * AES-256-GCM under `CONNECTOR_ENCRYPTION_KEY` (#shared/secret-box, the webhooks worker's format) with
 * the key's id as additional data, and never returned: a reader sees the provider, the last four
 * characters, the model and the last test. A test makes the provider's cheapest authenticated call
 * (list models; verify the token for Workers AI) with a 5 s timeout and records ok or failed with the
 * provider's status and message, the key scrubbed from it. In development a provider's base URL may be
 * pointed elsewhere (`LLM_<PROVIDER>_BASE_URL`), so the sandbox and tests use a local stand-in.
 */
import { and, asc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreateLlmKeyRequest, LlmKey, LlmKeyList, LlmProvider } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { isDevelopment } from "#shared/environment";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { openSecret, sealSecret } from "#shared/secret-box";
import type { WorkspaceEnv } from "../env.ts";
import { mayAdminister } from "./access.ts";
import { llmKeys, type LlmKeyRow } from "./schema.ts";

export const LLM_PROVIDERS = ["openai", "anthropic", "workers_ai"] as const satisfies readonly LlmProvider[];
const SECRET_NAME = "CONNECTOR_ENCRYPTION_KEY";
export const LLM_TEST_TIMEOUT_MS = 5_000;
const ERROR_MAX = 300;

const isProvider = (value: unknown): value is LlmProvider => typeof value === "string" && (LLM_PROVIDERS as readonly string[]).includes(value);

/** Each provider's cheapest authenticated call: where it is and how the key goes with it. */
const PROVIDERS: Record<LlmProvider, { base: string; baseVar: keyof WorkspaceEnv; path: string; headers: (key: string) => Record<string, string> }> = {
  openai: { base: "https://api.openai.com", baseVar: "LLM_OPENAI_BASE_URL", path: "/v1/models", headers: (key) => ({ authorization: `Bearer ${key}` }) },
  anthropic: { base: "https://api.anthropic.com", baseVar: "LLM_ANTHROPIC_BASE_URL", path: "/v1/models", headers: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }) },
  workers_ai: { base: "https://api.cloudflare.com", baseVar: "LLM_WORKERS_AI_BASE_URL", path: "/client/v4/user/tokens/verify", headers: (key) => ({ authorization: `Bearer ${key}` }) },
};

export function toLlmKey(row: LlmKeyRow): LlmKey {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    last4: row.last4,
    lastTest: row.lastTestStatus && row.lastTestedAt ? { status: row.lastTestStatus, httpStatus: row.lastTestHttpStatus, error: row.lastTestError, testedAt: row.lastTestedAt } : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A key by its id or by its provider's name, in the principal's org only. */
const findKey = (db: DrizzleD1Database, orgId: string, idOrProvider: string) =>
  db.select().from(llmKeys).where(and(eq(llmKeys.orgId, orgId), isProvider(idOrProvider) ? eq(llmKeys.provider, idOrProvider) : eq(llmKeys.id, idOrProvider))).get();

export async function createLlmKey(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, input: CreateLlmKeyRequest): Promise<Result<LlmKey>> {
  const allowed = mayAdminister(principal, "LLM keys");
  if (!allowed.ok) return allowed;
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  if (!isProvider(input.provider)) return invalid("provider", "enum", `provider must be one of ${LLM_PROVIDERS.join(", ")}`);
  const apiKey = typeof input.apiKey === "string" ? input.apiKey.trim() : "";
  if (apiKey.length < 8 || apiKey.length > 500) return invalid("apiKey", "length", "apiKey must be 8 to 500 characters");
  if (!/^[\x21-\x7e]+$/.test(apiKey)) return invalid("apiKey", "format", "apiKey must be visible ASCII characters without spaces");
  let model: string | null = null;
  if (input.model !== undefined && input.model !== null) {
    if (typeof input.model !== "string" || input.model.trim().length === 0 || input.model.trim().length > 100) return invalid("model", "length", "model must be 1 to 100 characters");
    model = input.model.trim();
  }
  const at = new Date().toISOString();
  const id = newId("llk");
  const row: LlmKeyRow = {
    id,
    orgId: principal.orgId,
    provider: input.provider,
    model,
    keyCiphertext: await sealSecret(SECRET_NAME, env.CONNECTOR_ENCRYPTION_KEY, id, apiKey),
    last4: apiKey.slice(-4),
    lastTestStatus: null,
    lastTestHttpStatus: null,
    lastTestError: null,
    lastTestedAt: null,
    createdBy: principal.actorId,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await db.insert(llmKeys).values(row);
  } catch (error) {
    if (isUniqueViolation(error)) return fail("conflict", `The org already has a ${input.provider} key; delete it first to replace it`, { field: "provider" });
    throw error;
  }
  return ok(toLlmKey(row));
}

export async function listLlmKeys(db: DrizzleD1Database, principal: Principal): Promise<Result<LlmKeyList>> {
  const rows = await db.select().from(llmKeys).where(eq(llmKeys.orgId, principal.orgId)).orderBy(asc(llmKeys.provider));
  return ok({ data: rows.map(toLlmKey) });
}

export async function deleteLlmKey(db: DrizzleD1Database, principal: Principal, idOrProvider: string): Promise<Result<null>> {
  const allowed = mayAdminister(principal, "LLM keys");
  if (!allowed.ok) return allowed;
  const row = await findKey(db, principal.orgId, idOrProvider);
  if (!row) return notFound("LLM key");
  await db.delete(llmKeys).where(and(eq(llmKeys.orgId, principal.orgId), eq(llmKeys.id, row.id)));
  return ok(null);
}

/** The provider's message from an error answer, if it has one, cut short and without the key. */
async function providerMessage(response: Response, apiKey: string): Promise<string> {
  const text = (await response.text().catch(() => "")).slice(0, 4_096);
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; errors?: { message?: unknown }[]; message?: unknown };
    const candidate = typeof body.error === "string" ? body.error : body.error?.message ?? body.errors?.[0]?.message ?? body.message;
    if (typeof candidate === "string") message = candidate;
  } catch {
    // Not JSON: the text itself.
  }
  return scrub(message.trim() || `The provider answered ${response.status}`, apiKey);
}

/** Removes every occurrence of the key (and of its longer fragments) from a message shown to readers. */
function scrub(message: string, apiKey: string): string {
  let out = message.split(apiKey).join("[redacted]");
  // A provider may echo part of the key (`sk-abc…wxyz`): any run of 8 of its characters goes too.
  for (let i = 0; i + 8 <= apiKey.length; i++) out = out.split(apiKey.slice(i, i + 8)).join("[redacted]");
  return out.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, ERROR_MAX);
}

export type Fetcher = (input: string, init: RequestInit) => Promise<Response>;

/** The test's outcome: ok on a 2xx answer, failed with the status and message otherwise or on no answer in time. */
async function probe(env: WorkspaceEnv, provider: LlmProvider, apiKey: string, fetcher: Fetcher, timeoutMs: number): Promise<{ status: "ok" | "failed"; httpStatus: number | null; error: string | null }> {
  const spec = PROVIDERS[provider];
  const override = isDevelopment(env) ? (env[spec.baseVar] as string | undefined) : undefined;
  const url = `${(override || spec.base).replace(/\/+$/, "")}${spec.path}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetcher(url, { method: "GET", headers: { accept: "application/json", ...spec.headers(apiKey) }, signal: controller.signal, redirect: "manual" });
    if (response.ok) {
      await response.body?.cancel();
      return { status: "ok", httpStatus: response.status, error: null };
    }
    return { status: "failed", httpStatus: response.status, error: await providerMessage(response, apiKey) };
  } catch {
    return { status: "failed", httpStatus: null, error: controller.signal.aborted ? `The provider did not answer within ${timeoutMs / 1000} s` : "The provider could not be reached" };
  } finally {
    clearTimeout(timer);
  }
}

export async function testLlmKey(env: WorkspaceEnv, db: DrizzleD1Database, principal: Principal, idOrProvider: string, fetcher: Fetcher = (input, init) => fetch(input, init), timeoutMs = LLM_TEST_TIMEOUT_MS): Promise<Result<LlmKey>> {
  const allowed = mayAdminister(principal, "LLM keys");
  if (!allowed.ok) return allowed;
  const row = await findKey(db, principal.orgId, idOrProvider);
  if (!row) return notFound("LLM key");
  const apiKey = await openSecret(SECRET_NAME, env.CONNECTOR_ENCRYPTION_KEY, row.id, row.keyCiphertext);
  const outcome = await probe(env, row.provider, apiKey, fetcher, timeoutMs);
  const at = new Date().toISOString();
  const updated = await db
    .update(llmKeys)
    .set({ lastTestStatus: outcome.status, lastTestHttpStatus: outcome.httpStatus, lastTestError: outcome.error, lastTestedAt: at, updatedAt: at })
    .where(and(eq(llmKeys.orgId, principal.orgId), eq(llmKeys.id, row.id)))
    .returning()
    .get();
  // Deleted while the provider answered: the key is gone, as its deleter asked.
  if (!updated) return notFound("LLM key");
  return ok(toLlmKey(updated));
}
