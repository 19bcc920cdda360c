import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { llmKeys } from "../../workers/workspace/src/connectors/schema.ts";
import { completeWithOrgLlm, testLlmKey, type Fetcher } from "../../workers/workspace/src/connectors/llm-keys.service.ts";
import type { WorkspaceEnv } from "../../workers/workspace/src/env.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { workspaceInternal, workspaceRpc } from "./harness.ts";

const workspaceEnv = env as unknown as WorkspaceEnv;
const db = drizzle(workspaceEnv.WORKSPACE_DB);
const identity = (env as unknown as { IDENTITY: { emailsForTest(orgId: string): Promise<{ id: string; to: string; subject: string; body: string; kind: string }[]> } }).IDENTITY;

const OPENAI_KEY = "sk-test-0123456789abcdefWXYZ";

const CF_ACCOUNT = "0123456789abcdef0123456789abcdef";

/** A local stand-in for a provider: answers `status` with `body`, recording each request (its JSON body parsed). */
function standIn(status: number, body: unknown) {
  const calls: { url: string; method: string | undefined; headers: Headers; body: Record<string, unknown> }[] = [];
  const fetcher: Fetcher = async (url, init) => {
    calls.push({ url, method: init.method, headers: new Headers(init.headers), body: JSON.parse(String(init.body)) as Record<string, unknown> });
    return Response.json(body, { status });
  };
  return { calls, fetcher };
}

/** Each provider's answer to a completion, as its HTTP API shapes it. */
const ANSWERS = {
  openai: (text: string) => ({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "length" }] }),
  anthropic: (text: string) => ({ id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text }], stop_reason: "max_tokens" }),
  workers_ai: (text: string) => ({ result: { response: text }, success: true, errors: [], messages: [] }),
};

describe("BYOK LLM keys: sealed, never returned, tested against the provider", () => {
  it("stores the key sealed: the answer and the list show the provider, last four and model, never the key", async () => {
    const p = newPrincipal();
    const created = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY, model: "gpt-4o-mini" }));
    expect(created).toMatchObject({ provider: "openai", last4: "WXYZ", model: "gpt-4o-mini", lastTest: null });
    expect(created.id).toMatch(/^llk_/);
    expect(JSON.stringify(created)).not.toContain(OPENAI_KEY);
    const listed = unwrap(await workspaceRpc.listLlmKeys(p));
    expect(listed.data).toEqual([created]);
    expect(JSON.stringify(listed)).not.toContain("0123456789abcdef");
    const row = await db.select().from(llmKeys).where(eq(llmKeys.id, created.id)).get();
    expect(row!.keyCiphertext).toMatch(/^v1\./);
    expect(row!.keyCiphertext).not.toContain(OPENAI_KEY);
    expect(row!.keyCiphertext).not.toContain(btoa(OPENAI_KEY).slice(0, 12));
  });

  it("validates: an unknown provider or a short key is 400 naming the field; a second key for a provider is 409", async () => {
    const p = newPrincipal();
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "cohere" as "openai", apiKey: OPENAI_KEY }))).toMatchObject({ code: "validation_failed", details: { field: "provider" } });
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: "short" }))).toMatchObject({ code: "validation_failed", details: { field: "apiKey" } });
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: "has a space in it" }))).toMatchObject({ code: "validation_failed", details: { field: "apiKey" } });
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-aaaaaaaaaa1234" }));
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-bbbbbbbbbb5678" }))).toMatchObject({ code: "conflict", details: { field: "provider" } });
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data.map((k) => k.last4)).toEqual(["1234"]);
  });

  it("only an org_admin user changes keys; another org's key is 404 and stays", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const viewer = newPrincipal(p.orgId, { kind: "user", role: "viewer", actorId: "usr_viewer" });
    expect(errorOf(await workspaceRpc.createLlmKey(viewer, { provider: "anthropic", apiKey: OPENAI_KEY }))).toMatchObject({ code: "insufficient_scope" });
    expect(errorOf(await workspaceRpc.deleteLlmKey(viewer, key.id))).toMatchObject({ code: "insufficient_scope" });
    const other = newPrincipal();
    expect(errorOf(await workspaceRpc.deleteLlmKey(other, key.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await workspaceRpc.testLlmKey(other, key.id))).toMatchObject({ code: "not_found" });
    expect(unwrap(await workspaceRpc.listLlmKeys(other)).data).toEqual([]);
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data).toHaveLength(1);
  });

  it("deletes by id or by provider name", async () => {
    const p = newPrincipal();
    const a = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: "cf-token-abcdefgh9876", accountId: CF_ACCOUNT }));
    unwrap(await workspaceRpc.deleteLlmKey(p, a.id));
    unwrap(await workspaceRpc.deleteLlmKey(p, "workers_ai"));
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data).toEqual([]);
    expect(errorOf(await workspaceRpc.deleteLlmKey(p, a.id))).toMatchObject({ code: "not_found" });
  });

  it("a test opens the sealed key, runs a one-token chat completion with the key's model and records ok", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY, model: "gpt-4.1-nano" }));
    const provider = standIn(200, ANSWERS.openai("p"));
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, key.id, provider.fetcher));
    expect(tested.lastTest).toMatchObject({ status: "ok", httpStatus: 200, error: null });
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]).toMatchObject({ url: "https://api.openai.com/v1/chat/completions", method: "POST" });
    expect(provider.calls[0]!.headers.get("authorization")).toBe(`Bearer ${OPENAI_KEY}`);
    expect(provider.calls[0]!.headers.get("content-type")).toBe("application/json");
    expect(provider.calls[0]!.body).toEqual({ model: "gpt-4.1-nano", messages: [{ role: "user", content: "ping" }], max_tokens: 1 });
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data[0]!.lastTest).toEqual(tested.lastTest);
  });

  it("anthropic's test posts a one-token message with x-api-key and its version (default model) to a development base URL", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-api03-zzzzzzzz4321" }));
    const provider = standIn(200, ANSWERS.anthropic("P"));
    const tested = unwrap(await testLlmKey({ ...workspaceEnv, LLM_ANTHROPIC_BASE_URL: "http://127.0.0.1:9999/" }, db, p, "anthropic", provider.fetcher));
    expect(tested.lastTest).toMatchObject({ status: "ok", httpStatus: 200 });
    expect(provider.calls[0]).toMatchObject({ url: "http://127.0.0.1:9999/v1/messages", method: "POST" });
    expect(provider.calls[0]!.headers.get("x-api-key")).toBe("sk-ant-api03-zzzzzzzz4321");
    expect(provider.calls[0]!.headers.get("anthropic-version")).toBe("2023-06-01");
    expect(provider.calls[0]!.headers.get("authorization")).toBeNull();
    expect(provider.calls[0]!.body).toEqual({ model: "claude-3-5-haiku-latest", max_tokens: 1, messages: [{ role: "user", content: "ping" }] });
  });

  it("a Workers AI key needs its account id; its test runs the model through Cloudflare's REST API under that account", async () => {
    const p = newPrincipal();
    const token = "cf-token-abcdefgh9876";
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: token }))).toMatchObject({ code: "validation_failed", details: { field: "accountId", rule: "required" } });
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: token, accountId: "not-an-account" }))).toMatchObject({ code: "validation_failed", details: { field: "accountId", rule: "format" } });
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY, accountId: CF_ACCOUNT }))).toMatchObject({ code: "validation_failed", details: { field: "accountId", rule: "provider" } });
    expect(errorOf(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: token, accountId: CF_ACCOUNT, model: "@cf/../../user/tokens" }))).toMatchObject({ code: "validation_failed", details: { field: "model", rule: "format" } });
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: token, accountId: CF_ACCOUNT.toUpperCase() }));
    expect(key).toMatchObject({ provider: "workers_ai", accountId: CF_ACCOUNT, model: null });
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data[0]).toMatchObject({ accountId: CF_ACCOUNT });
    const provider = standIn(200, ANSWERS.workers_ai("pong"));
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, "workers_ai", provider.fetcher));
    expect(tested.lastTest).toMatchObject({ status: "ok", httpStatus: 200, error: null });
    expect(provider.calls[0]).toMatchObject({ url: `https://api.cloudflare.com/client/v4/accounts/${CF_ACCOUNT}/ai/run/@cf/meta/llama-3.1-8b-instruct`, method: "POST" });
    expect(provider.calls[0]!.headers.get("authorization")).toBe(`Bearer ${token}`);
    expect(provider.calls[0]!.body).toEqual({ messages: [{ role: "user", content: "ping" }], max_tokens: 1 });
  });

  it("a Workers AI key saved before account ids is failed by its test without calling anyone, naming the field", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: "cf-token-abcdefgh9876", accountId: CF_ACCOUNT }));
    await db.update(llmKeys).set({ accountId: null }).where(eq(llmKeys.id, key.id));
    const provider = standIn(200, ANSWERS.workers_ai("pong"));
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, key.id, provider.fetcher));
    expect(provider.calls).toEqual([]);
    expect(tested.lastTest).toMatchObject({ status: "failed", httpStatus: null });
    expect(tested.lastTest!.error).toContain("accountId");
    expect(errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages: [{ role: "user", content: "hi" }], maxTokens: 5 }, provider.fetcher))).toMatchObject({ code: "not_found" });
  });

  it("a key the provider refuses is kept with lastTest failed, the status and the provider's message without the key", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const provider = standIn(401, { error: { message: `Incorrect API key provided: ${OPENAI_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.` } });
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, key.id, provider.fetcher));
    expect(tested.lastTest).toMatchObject({ status: "failed", httpStatus: 401 });
    expect(tested.lastTest!.error).toContain("Incorrect API key provided");
    expect(tested.lastTest!.error).not.toContain(OPENAI_KEY);
    expect(tested.lastTest!.error).not.toContain("0123456789abcdef");
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data).toHaveLength(1);
  });

  it("a provider that does not answer in time is failed with no status", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const hanging: Fetcher = (_, init) => new Promise((_, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted"))));
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, key.id, hanging, 50));
    expect(tested.lastTest).toMatchObject({ status: "failed", httpStatus: null, error: "The provider did not answer within 0.05 s" });
  });
});

describe("completeWithOrgLlm: the org's own key answers a completion, and the key stays in the workspace worker", () => {
  const messages = [
    { role: "system" as const, content: "Classify the document." },
    { role: "user" as const, content: "Loss Run Report" },
  ];

  it("openai: a chat completion with the key's model and maxTokens; the answer's text comes back", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const provider = standIn(200, ANSWERS.openai('{"kind":"loss_run"}'));
    const answer = unwrap(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 200 }, provider.fetcher));
    expect(answer).toEqual({ provider: "openai", model: "gpt-4o-mini", text: '{"kind":"loss_run"}' });
    expect(provider.calls[0]).toMatchObject({ url: "https://api.openai.com/v1/chat/completions", method: "POST" });
    expect(provider.calls[0]!.headers.get("authorization")).toBe(`Bearer ${OPENAI_KEY}`);
    expect(provider.calls[0]!.body).toEqual({ model: "gpt-4o-mini", messages, max_tokens: 200 });
  });

  it("anthropic: the system message goes apart, as its messages API takes it", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-api03-zzzzzzzz4321", model: "claude-sonnet-4-5" }));
    const provider = standIn(200, ANSWERS.anthropic("loss_run"));
    const answer = unwrap(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 50 }, provider.fetcher));
    expect(answer).toEqual({ provider: "anthropic", model: "claude-sonnet-4-5", text: "loss_run" });
    expect(provider.calls[0]!.url).toBe("https://api.anthropic.com/v1/messages");
    expect(provider.calls[0]!.headers.get("x-api-key")).toBe("sk-ant-api03-zzzzzzzz4321");
    expect(provider.calls[0]!.body).toEqual({ model: "claude-sonnet-4-5", max_tokens: 50, system: "Classify the document.", messages: [{ role: "user", content: "Loss Run Report" }] });
  });

  it("workers_ai: the model runs under the key's account", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: "cf-token-abcdefgh9876", accountId: CF_ACCOUNT, model: "@cf/mistral/mistral-7b-instruct-v0.1" }));
    const provider = standIn(200, ANSWERS.workers_ai("loss_run"));
    const answer = unwrap(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 20 }, provider.fetcher));
    expect(answer).toEqual({ provider: "workers_ai", model: "@cf/mistral/mistral-7b-instruct-v0.1", text: "loss_run" });
    expect(provider.calls[0]!.url).toBe(`https://api.cloudflare.com/client/v4/accounts/${CF_ACCOUNT}/ai/run/@cf/mistral/mistral-7b-instruct-v0.1`);
    expect(provider.calls[0]!.body).toEqual({ messages, max_tokens: 20 });
  });

  it("an org with several keys is answered by openai's, then anthropic's; another org's key is never used", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-api03-zzzzzzzz4321" }));
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const provider = standIn(200, ANSWERS.openai("x"));
    expect(unwrap(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 5 }, provider.fetcher)).provider).toBe("openai");
    const other = newPrincipal();
    expect(errorOf(await completeWithOrgLlm(workspaceEnv, db, other.orgId, { messages, maxTokens: 5 }, provider.fetcher))).toMatchObject({ code: "not_found" });
    expect(provider.calls).toHaveLength(1);
  });

  it("no key is not_found through the internal entrypoint; bad requests are refused before any call", async () => {
    const p = newPrincipal();
    expect(errorOf(await workspaceInternal.completeWithOrgLlm(p.orgId, { messages, maxTokens: 5 }))).toMatchObject({ code: "not_found" });
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const provider = standIn(200, ANSWERS.openai("x"));
    expect(errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages: [], maxTokens: 5 }, provider.fetcher))).toMatchObject({ code: "validation_failed", details: { field: "messages" } });
    expect(errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 0 }, provider.fetcher))).toMatchObject({ code: "validation_failed", details: { field: "maxTokens" } });
    expect(provider.calls).toEqual([]);
  });

  it("a provider's refusal, an answer without text or no answer in time is an error that never holds the key; lastTest is left alone", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const refused = standIn(401, { error: { message: `Incorrect API key provided: ${OPENAI_KEY}.` } });
    const error = errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 5 }, refused.fetcher));
    expect(error).toMatchObject({ code: "internal_error", details: { provider: "openai", httpStatus: 401 } });
    expect(error.message).toContain("Incorrect API key provided");
    expect(JSON.stringify(error)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(error)).not.toContain("0123456789abcdef");
    expect(errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 5 }, standIn(200, { choices: [] }).fetcher))).toMatchObject({ code: "internal_error", message: "The org's openai key answered no text" });
    const hanging: Fetcher = (_, init) => new Promise((_, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted"))));
    expect((errorOf(await completeWithOrgLlm(workspaceEnv, db, p.orgId, { messages, maxTokens: 5 }, hanging, 50))).message).toContain("did not answer within 0.05 s");
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data[0]!.lastTest).toBeNull();
  });
});

describe("email connector: templates, send through identity's outbox, logs", () => {
  it("a template's placeholders are listed; malformed ones are 400; a taken name is 409", async () => {
    const p = newPrincipal();
    const t = unwrap(await workspaceRpc.createEmailTemplate(p, { name: "renewal_reminder", subject: "Your {{ line }} policy renews on {{date}}", body: "Dear {{name}},\n\nYour {{line}} policy {{policyNumber}} renews on {{date}}." }));
    expect(t.id).toMatch(/^etp_/);
    expect(t.variables).toEqual(["line", "date", "name", "policyNumber"]);
    expect(errorOf(await workspaceRpc.createEmailTemplate(p, { name: "bad_one", subject: "Hi {{name}", body: "x" }))).toMatchObject({ code: "validation_failed", details: { field: "subject", rule: "placeholder" } });
    expect(errorOf(await workspaceRpc.createEmailTemplate(p, { name: "bad_two", subject: "Hi", body: "{{ first-name }}" }))).toMatchObject({ code: "validation_failed", details: { field: "body", rule: "placeholder" } });
    expect(errorOf(await workspaceRpc.createEmailTemplate(p, { name: "Bad Name", subject: "Hi", body: "x" }))).toMatchObject({ code: "validation_failed", details: { field: "name" } });
    expect(errorOf(await workspaceRpc.createEmailTemplate(p, { name: "renewal_reminder", subject: "Hi", body: "x" }))).toMatchObject({ code: "conflict", details: { field: "name" } });
    const page = unwrap(await workspaceRpc.listEmailTemplates(p, {}));
    expect(page.data.filter((x) => x.source === "org")).toEqual([t]);
    expect(unwrap(await workspaceRpc.listEmailTemplates(newPrincipal(), {})).data.filter((x) => x.source === "org")).toEqual([]);
  });

  it("sends a template rendered with its variables through the outbox and logs it", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createEmailTemplate(p, { name: "welcome", subject: "Welcome, {{name}}", body: "Hello {{name}}, your account number is {{number}}." }));
    const sent = unwrap(await workspaceRpc.sendEmail(p, { to: "Client@Example.com", template: "welcome", variables: { name: "Ada", number: 42 } }));
    expect(sent).toMatchObject({ to: "client@example.com", subject: "Welcome, Ada", kind: "template:welcome", template: "welcome", status: "queued", error: null, sentBy: p.actorId });
    expect(sent.id).toMatch(/^elg_/);
    const outbox = await identity.emailsForTest(p.orgId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ id: sent.emailId, to: "client@example.com", subject: "Welcome, Ada", body: "Hello Ada, your account number is 42.", kind: "connector_template" });
    const logs = unwrap(await workspaceRpc.listEmailLogs(p, {}));
    expect(logs.data).toEqual([sent]);
  });

  it("sends a subject and body; a missing variable, an unknown template or both forms are 400 and send nothing", async () => {
    const p = newPrincipal();
    const sent = unwrap(await workspaceRpc.sendEmail(p, { to: "a@example.com", subject: "Quote {{ref}}", body: "Your quote {{ref}} is ready." , variables: { ref: "Q-1" } }));
    expect(sent).toMatchObject({ kind: "custom", template: null, subject: "Quote Q-1" });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "a@example.com", subject: "Quote {{ref}}", body: "{{other}}", variables: { ref: "x" } }))).toMatchObject({ code: "validation_failed", details: { field: "variables.other", rule: "required", missing: ["other"] } });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "a@example.com", template: "nope" }))).toMatchObject({ code: "validation_failed", details: { field: "template" } });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "a@example.com", template: "nope", subject: "s", body: "b" }))).toMatchObject({ code: "validation_failed", details: { field: "template" } });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "not-an-email", subject: "s", body: "b" }))).toMatchObject({ code: "validation_failed", details: { field: "to" } });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "a@example.com", subject: "s", body: "b", variables: { x: { y: 1 } as unknown as string } }))).toMatchObject({ code: "validation_failed", details: { field: "variables.x" } });
    expect(await identity.emailsForTest(p.orgId)).toHaveLength(1);
    expect(unwrap(await workspaceRpc.listEmailLogs(p, {})).data).toHaveLength(1);
  });

  it("only an org_admin user sends; logs are the org's own, newest first, by cursor pages", async () => {
    const p = newPrincipal();
    const viewer = newPrincipal(p.orgId, { kind: "user", role: "viewer", actorId: "usr_viewer" });
    expect(errorOf(await workspaceRpc.sendEmail(viewer, { to: "a@example.com", subject: "s", body: "b" }))).toMatchObject({ code: "insufficient_scope" });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(unwrap(await workspaceRpc.sendEmail(p, { to: `n${i}@example.com`, subject: `n${i}`, body: "b" })).id);
    const first = unwrap(await workspaceRpc.listEmailLogs(p, { limit: 2 }));
    expect(first.data.map((l) => l.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toBeTruthy();
    const second = unwrap(await workspaceRpc.listEmailLogs(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second.data.map((l) => l.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect(unwrap(await workspaceRpc.listEmailLogs(p, { status: "failed" })).data).toEqual([]);
    expect(unwrap(await workspaceRpc.listEmailLogs(newPrincipal(), {})).data).toEqual([]);
  });
});
