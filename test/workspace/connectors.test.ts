import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { llmKeys } from "../../workers/workspace/src/connectors/schema.ts";
import { testLlmKey, type Fetcher } from "../../workers/workspace/src/connectors/llm-keys.service.ts";
import type { WorkspaceEnv } from "../../workers/workspace/src/env.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { workspaceRpc } from "./harness.ts";

const workspaceEnv = env as unknown as WorkspaceEnv;
const db = drizzle(workspaceEnv.WORKSPACE_DB);
const identity = (env as unknown as { IDENTITY: { emailsForTest(orgId: string): Promise<{ id: string; to: string; subject: string; body: string; kind: string }[]> } }).IDENTITY;

const OPENAI_KEY = "sk-test-0123456789abcdefWXYZ";

/** A local stand-in for a provider: answers `status` with `body`, recording each request. */
function standIn(status: number, body: unknown) {
  const calls: { url: string; headers: Headers }[] = [];
  const fetcher: Fetcher = async (url, init) => {
    calls.push({ url, headers: new Headers(init.headers) });
    return Response.json(body, { status });
  };
  return { calls, fetcher };
}

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
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "workers_ai", apiKey: "cf-token-abcdefgh9876" }));
    unwrap(await workspaceRpc.deleteLlmKey(p, a.id));
    unwrap(await workspaceRpc.deleteLlmKey(p, "workers_ai"));
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data).toEqual([]);
    expect(errorOf(await workspaceRpc.deleteLlmKey(p, a.id))).toMatchObject({ code: "not_found" });
  });

  it("a test opens the sealed key, calls the provider's models list with it and records ok", async () => {
    const p = newPrincipal();
    const key = unwrap(await workspaceRpc.createLlmKey(p, { provider: "openai", apiKey: OPENAI_KEY }));
    const provider = standIn(200, { object: "list", data: [{ id: "gpt-4o-mini" }] });
    const tested = unwrap(await testLlmKey(workspaceEnv, db, p, key.id, provider.fetcher));
    expect(tested.lastTest).toMatchObject({ status: "ok", httpStatus: 200, error: null });
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0]!.url).toBe("https://api.openai.com/v1/models");
    expect(provider.calls[0]!.headers.get("authorization")).toBe(`Bearer ${OPENAI_KEY}`);
    expect(unwrap(await workspaceRpc.listLlmKeys(p)).data[0]!.lastTest).toEqual(tested.lastTest);
  });

  it("anthropic's test sends x-api-key and its version to a development base URL", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.createLlmKey(p, { provider: "anthropic", apiKey: "sk-ant-api03-zzzzzzzz4321" }));
    const provider = standIn(200, { data: [] });
    unwrap(await testLlmKey({ ...workspaceEnv, LLM_ANTHROPIC_BASE_URL: "http://127.0.0.1:9999/" }, db, p, "anthropic", provider.fetcher));
    expect(provider.calls[0]!.url).toBe("http://127.0.0.1:9999/v1/models");
    expect(provider.calls[0]!.headers.get("x-api-key")).toBe("sk-ant-api03-zzzzzzzz4321");
    expect(provider.calls[0]!.headers.get("anthropic-version")).toBe("2023-06-01");
    expect(provider.calls[0]!.headers.get("authorization")).toBeNull();
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
