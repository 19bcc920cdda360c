/**
 * Bring-your-own LLM keys (the Opensure seed's llm-adaptor): one key per org and provider, sealed with
 * AES-256-GCM under `CONNECTOR_ENCRYPTION_KEY` (#shared/secret-box, the webhooks worker's format) with
 * the key's id as additional data, and never returned: a reader sees the provider, the last four
 * characters, the model, the account id (Workers AI) and the last test. A test is a one-token
 * completion through the provider's HTTP API (openai's chat completions, anthropic's messages,
 * Cloudflare's `accounts/{accountId}/ai/run/{model}` for Workers AI) with a 5 s timeout, and records
 * ok or failed with the provider's status and message, the key scrubbed from it. The same call serves
 * {@link completeWithOrgLlm}, the documents worker's classification with the org's own key: the
 * plaintext key never leaves this worker. In development a provider's base URL may be pointed
 * elsewhere (`LLM_<PROVIDER>_BASE_URL`), so the sandbox and tests use a local stand-in.
 */
import { and, asc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreateLlmKeyRequest, LlmKey, LlmKeyList, LlmProvider } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { isDevelopment } from "#shared/environment";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { FLAGS } from "#shared/flags.catalogue";
import { newId } from "#shared/ids";
import type { OrgLlmCompletion, OrgLlmMessage } from "#shared/rpc";
import { openSecret, sealSecret } from "#shared/secret-box";
import type { WorkspaceEnv } from "../env.ts";
import { mayAdminister } from "./access.ts";
import { llmKeys, type LlmKeyRow } from "./schema.ts";

export const LLM_PROVIDERS = ["openai", "anthropic", "workers_ai"] as const satisfies readonly LlmProvider[];
const SECRET_NAME = "CONNECTOR_ENCRYPTION_KEY";
export const LLM_TEST_TIMEOUT_MS = 5_000;
const ERROR_MAX = 300;

const isProvider = (value: unknown): value is LlmProvider => typeof value === "string" && (LLM_PROVIDERS as readonly string[]).includes(value);

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/**
 * Each provider's completion call: where it is, how the key goes with it, the request body, where the
 * answer's text is, and the model used when the key names none.
 */
const PROVIDERS: Record<
  LlmProvider,
  {
    base: string;
    baseVar: keyof WorkspaceEnv;
    defaultModel: string;
    path: (model: string, accountId: string) => string;
    headers: (key: string) => Record<string, string>;
    body: (model: string, messages: LlmMessage[], maxTokens: number) => unknown;
    answer: (body: unknown) => string | null;
  }
> = {
  openai: {
    base: "https://api.openai.com",
    baseVar: "LLM_OPENAI_BASE_URL",
    defaultModel: "gpt-4o-mini",
    path: () => "/v1/chat/completions",
    headers: (key) => ({ authorization: `Bearer ${key}` }),
    body: (model, messages, maxTokens) => ({ model, messages, max_tokens: maxTokens }),
    answer: (body) => text((body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message?.content),
  },
  anthropic: {
    base: "https://api.anthropic.com",
    baseVar: "LLM_ANTHROPIC_BASE_URL",
    defaultModel: "claude-3-5-haiku-latest",
    path: () => "/v1/messages",
    headers: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
    body: (model, messages, maxTokens) => {
      const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
      return { model, max_tokens: maxTokens, ...(system ? { system } : {}), messages: messages.filter((m) => m.role !== "system") };
    },
    answer: (body) => {
      const parts = (body as { content?: { type?: unknown; text?: unknown }[] } | null)?.content;
      if (!Array.isArray(parts)) return null;
      const texts = parts.filter((part) => part?.type === "text" && typeof part.text === "string").map((part) => part.text as string);
      return texts.length ? texts.join("") : null;
    },
  },
  workers_ai: {
    base: "https://api.cloudflare.com",
    baseVar: "LLM_WORKERS_AI_BASE_URL",
    defaultModel: FLAGS["documents.ai_model"].defaultValue,
    // Model names carry their own slashes (`@cf/meta/…`): the path takes them as they are.
    path: (model, accountId) => `/client/v4/accounts/${encodeURIComponent(accountId)}/ai/run/${model.split("/").map((part) => encodeURIComponent(part).replace(/^%40/, "@")).join("/")}`,
    headers: (key) => ({ authorization: `Bearer ${key}` }),
    body: (_model, messages, maxTokens) => ({ messages, max_tokens: maxTokens }),
    answer: (body) => text((body as { result?: { response?: unknown } } | null)?.result?.response),
  },
};

export function toLlmKey(row: LlmKeyRow): LlmKey {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    accountId: row.accountId,
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
    // A Workers AI model is a path under /ai/run (`@cf/meta/…`): plain segments only.
    if (input.provider === "workers_ai" && !/^@?[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(model)) {
      return invalid("model", "format", "A workers_ai model is a Workers AI model name such as @cf/meta/llama-3.1-8b-instruct");
    }
  }
  let accountId: string | null = null;
  if (input.accountId !== undefined && input.accountId !== null) {
    if (input.provider !== "workers_ai") return invalid("accountId", "provider", "accountId is for workers_ai keys only");
    if (typeof input.accountId !== "string" || !/^[0-9a-fA-F]{32}$/.test(input.accountId)) return invalid("accountId", "format", "accountId must be a Cloudflare account id (32 hexadecimal characters)");
    accountId = input.accountId.toLowerCase();
  } else if (input.provider === "workers_ai") {
    return invalid("accountId", "required", "accountId is required for workers_ai: Cloudflare runs a model under /accounts/{accountId}/ai/run");
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
    accountId,
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

/** One message of a completion; a `system` message is the instruction (anthropic takes it apart from the messages). */
export type LlmMessage = OrgLlmMessage;

type Outcome = { ok: true; httpStatus: number; body: unknown } | { ok: false; httpStatus: number | null; error: string };

/** A completion of `messages` with the key, at most `maxTokens` tokens: the provider's answer, or its status and message (never the key). */
async function complete(env: WorkspaceEnv, row: LlmKeyRow, apiKey: string, messages: LlmMessage[], maxTokens: number, fetcher: Fetcher, timeoutMs: number): Promise<Outcome> {
  const spec = PROVIDERS[row.provider];
  if (row.provider === "workers_ai" && !row.accountId) return { ok: false, httpStatus: null, error: "A Workers AI key needs its accountId to run a model: delete the key and save it again with accountId" };
  const model = row.model ?? spec.defaultModel;
  const override = isDevelopment(env) ? (env[spec.baseVar] as string | undefined) : undefined;
  const url = `${(override || spec.base).replace(/\/+$/, "")}${spec.path(model, row.accountId ?? "")}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetcher(url, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json", ...spec.headers(apiKey) },
      body: JSON.stringify(spec.body(model, messages, maxTokens)),
      signal: controller.signal,
      redirect: "manual",
    });
    if (!response.ok) return { ok: false, httpStatus: response.status, error: await providerMessage(response, apiKey) };
    const body: unknown = await response.json().catch(() => null);
    return { ok: true, httpStatus: response.status, body };
  } catch {
    return { ok: false, httpStatus: null, error: controller.signal.aborted ? `The provider did not answer within ${timeoutMs / 1000} s` : "The provider could not be reached" };
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
  const outcome = await complete(env, row, apiKey, [{ role: "user", content: "ping" }], 1, fetcher, timeoutMs);
  const at = new Date().toISOString();
  const updated = await db
    .update(llmKeys)
    .set({ lastTestStatus: outcome.ok ? "ok" : "failed", lastTestHttpStatus: outcome.httpStatus, lastTestError: outcome.ok ? null : outcome.error, lastTestedAt: at, updatedAt: at })
    .where(and(eq(llmKeys.orgId, principal.orgId), eq(llmKeys.id, row.id)))
    .returning()
    .get();
  // Deleted while the provider answered: the key is gone, as its deleter asked.
  if (!updated) return notFound("LLM key");
  return ok(toLlmKey(updated));
}


/** The order an org's keys are tried in when it has several: the first usable one answers. */
const PREFERENCE: readonly LlmProvider[] = ["openai", "anthropic", "workers_ai"];
const MAX_COMPLETION_TOKENS = 1_000;
const MAX_PROMPT_CHARACTERS = 20_000;
export const LLM_COMPLETION_TIMEOUT_MS = 8_000;

/**
 * A completion with the org's own key (the documents worker's classification): `not_found` when the
 * org has no usable key (none, or a Workers AI key without its account id), `internal_error` with the
 * provider's status and message (never the key) when the provider fails or answers no text. The key
 * is opened here and never leaves this worker. Not a test: `lastTest` is left as it is.
 */
export async function completeWithOrgLlm(
  env: WorkspaceEnv,
  db: DrizzleD1Database,
  orgId: string,
  request: { messages: LlmMessage[]; maxTokens: number },
  fetcher: Fetcher = (input, init) => fetch(input, init),
  timeoutMs = LLM_COMPLETION_TIMEOUT_MS,
): Promise<Result<OrgLlmCompletion>> {
  const messages = Array.isArray(request?.messages) ? request.messages : [];
  if (messages.length === 0 || messages.some((m) => (m?.role !== "system" && m?.role !== "user") || typeof m.content !== "string")) {
    return invalid("messages", "format", "messages must be a non-empty list of {role: system | user, content}");
  }
  if (messages.reduce((n, m) => n + m.content.length, 0) > MAX_PROMPT_CHARACTERS) return invalid("messages", "length", `messages must be at most ${MAX_PROMPT_CHARACTERS} characters in all`);
  if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1 || request.maxTokens > MAX_COMPLETION_TOKENS) return invalid("maxTokens", "range", `maxTokens must be 1 to ${MAX_COMPLETION_TOKENS}`);
  const rows = await db.select().from(llmKeys).where(eq(llmKeys.orgId, orgId));
  const row = PREFERENCE.map((provider) => rows.find((r) => r.provider === provider)).find((r) => r && (r.provider !== "workers_ai" || r.accountId));
  if (!row) return notFound("LLM key");
  const apiKey = await openSecret(SECRET_NAME, env.CONNECTOR_ENCRYPTION_KEY, row.id, row.keyCiphertext);
  const model = row.model ?? PROVIDERS[row.provider].defaultModel;
  const outcome = await complete(env, row, apiKey, messages.map((m) => ({ role: m.role, content: m.content })), request.maxTokens, fetcher, timeoutMs);
  if (!outcome.ok) return fail("internal_error", `The org's ${row.provider} key failed: ${outcome.error}`, { provider: row.provider, httpStatus: outcome.httpStatus });
  const answer = PROVIDERS[row.provider].answer(outcome.body);
  if (answer === null) return fail("internal_error", `The org's ${row.provider} key answered no text`, { provider: row.provider, httpStatus: outcome.httpStatus });
  return ok({ provider: row.provider, model, text: answer });
}
