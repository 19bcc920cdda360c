/**
 * Connectors through the gateway on the real workspace and identity workers: BYOK LLM keys (sealed,
 * never returned, scoped, tenant-confined) and the email connector (a template rendered, queued
 * through identity's outbox into the sandbox email log, and logged for the org).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";

const unique = () => crypto.randomUUID().slice(0, 8);

describe("connectors through the gateway", () => {
  it("LLM keys: saved sealed (only the last four come back), listed, scoped, another org's id is 404, deleted", async () => {
    const t = await createTenant();
    const apiKey = `sk-proj-${unique()}${unique()}LAST`;
    const created = await call("POST", "/v1/connectors/llm/keys", { token: t.token, body: { provider: "openai", apiKey, model: "gpt-4o-mini" } });
    expect(created.status, await created.clone().text()).toBe(201);
    const key = await json(created);
    expect(key).toMatchObject({ provider: "openai", last4: "LAST", model: "gpt-4o-mini", accountId: null, lastTest: null });
    expect(JSON.stringify(key)).not.toContain(apiKey);

    const reader = await createApiKey(t.token, { scopes: ["connectors:read"] });
    const listed = await call("GET", "/v1/connectors/llm/keys", { apiKey: reader.key });
    expect(listed.status).toBe(200);
    const list = await json(listed);
    expect(list.data).toEqual([key]);
    expect(JSON.stringify(list)).not.toContain(apiKey);
    const refused = await call("POST", "/v1/connectors/llm/keys", { apiKey: reader.key, body: { provider: "anthropic", apiKey } });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope" });
    const unknownField = await call("POST", "/v1/connectors/llm/keys", { token: t.token, body: { provider: "anthropic", apiKey, secret: "x" } });
    expect(unknownField.status).toBe(400);
    const badProvider = await call("POST", "/v1/connectors/llm/keys", { token: t.token, body: { provider: "cohere", apiKey } });
    expect(badProvider.status).toBe(400);

    // Workers AI runs a model under the Cloudflare account: a key without its account id is 400 naming the field.
    const noAccount = await call("POST", "/v1/connectors/llm/keys", { token: t.token, body: { provider: "workers_ai", apiKey } });
    expect(noAccount.status).toBe(400);
    expect(await json(noAccount)).toMatchObject({ error: "validation_failed", details: { field: "accountId" } });
    const accountId = "0123456789abcdef0123456789abcdef";
    const workersAi = await call("POST", "/v1/connectors/llm/keys", { token: t.token, body: { provider: "workers_ai", apiKey, accountId } });
    expect(workersAi.status, await workersAi.clone().text()).toBe(201);
    expect((await json(await call("GET", "/v1/connectors/llm/keys", { token: t.token }))).data.map((k: { provider: string; accountId: string | null }) => [k.provider, k.accountId])).toEqual([
      ["openai", null],
      ["workers_ai", accountId],
    ]);
    expect((await call("DELETE", "/v1/connectors/llm/keys/workers_ai", { token: t.token })).status).toBe(204);

    const other = await createTenant();
    expect((await call("DELETE", `/v1/connectors/llm/keys/${key.id}`, { token: other.token })).status).toBe(404);
    expect((await call("POST", `/v1/connectors/llm/keys/${key.id}/test`, { token: other.token })).status).toBe(404);
    expect((await json(await call("GET", "/v1/connectors/llm/keys", { token: other.token }))).data).toEqual([]);

    expect((await call("DELETE", `/v1/connectors/llm/keys/${key.id}`, { token: t.token })).status).toBe(204);
    expect((await json(await call("GET", "/v1/connectors/llm/keys", { token: t.token }))).data).toEqual([]);
  });

  it("email: a template rendered and sent lands in the sandbox email log and the org's connector log", async () => {
    const t = await createTenant();
    const made = await call("POST", "/v1/connectors/email/templates", { token: t.token, body: { name: "renewal_reminder", subject: "Your policy {{policyNumber}} renews soon", body: "Dear {{name}},\n\nPolicy {{policyNumber}} renews on {{date}}." } });
    expect(made.status, await made.clone().text()).toBe(201);
    expect(await json(made)).toMatchObject({ name: "renewal_reminder", variables: ["policyNumber", "name", "date"] });
    const templates = await json(await call("GET", "/v1/connectors/email/templates", { token: t.token }));
    expect(templates.data.filter((x: { source: string }) => x.source === "org").map((x: { name: string }) => x.name)).toEqual(["renewal_reminder"]);
    // The platform's own templates are listed beside it, read-only.
    expect(templates.data.filter((x: { source: string }) => x.source === "platform").map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(["invitation", "policyholder_code", "delinquency_notice", "payment_receipt"]));

    const to = `insured-${unique()}@example.com`;
    const missing = await call("POST", "/v1/connectors/email/send", { token: t.token, body: { to, template: "renewal_reminder", variables: { name: "Ada" } } });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: "validation_failed", details: { field: "variables.policyNumber", rule: "required" } });

    const sent = await call("POST", "/v1/connectors/email/send", { token: t.token, body: { to, template: "renewal_reminder", variables: { name: "Ada", policyNumber: "POL-7", date: "2027-01-01" } } });
    expect(sent.status, await sent.clone().text()).toBe(201);
    const log = await json(sent);
    expect(log).toMatchObject({ to, subject: "Your policy POL-7 renews soon", kind: "template:renewal_reminder" });
    expect(log.emailId).toMatch(/^eml_/);

    const mailbox = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(to)}&limit=10`, { token: env.API_SECRET }));
    expect(mailbox.data).toHaveLength(1);
    expect(mailbox.data[0]).toMatchObject({ subject: "Your policy POL-7 renews soon", kind: "connector_template" });
    expect(mailbox.data[0].body).toContain("Policy POL-7 renews on 2027-01-01.");

    // The email queue's consumer delivers it: in the sandbox, the sandbox email log is the delivery.
    const logs = await vi.waitFor(
      async () => {
        const page = await json(await call("GET", "/v1/connectors/email/logs", { token: t.token }));
        if (page.data[0]?.status !== "sent") throw new Error(`log: ${JSON.stringify(page.data)}`);
        return page;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(logs.data).toEqual([{ ...log, status: "sent", messageId: log.emailId, attempts: 1 }]);
    expect(mailbox.data[0].id).toBe(log.emailId);
    const other = await createTenant();
    expect((await json(await call("GET", "/v1/connectors/email/logs", { token: other.token }))).data).toEqual([]);
  });

  it("email: at most 100 sends an hour per org, the 101st is 429 with Retry-After and sends nothing", async () => {
    const t = await createTenant();
    const to = `bulk-${unique()}@example.com`;
    for (let i = 0; i < 100; i++) {
      const res = await call("POST", "/v1/connectors/email/send", { apiKey: t.apiKey, body: { to, subject: `Notice ${i}`, body: "b" } });
      expect(res.status, `send ${i}`).toBe(201);
    }
    const over = await call("POST", "/v1/connectors/email/send", { apiKey: t.apiKey, body: { to, subject: "one too many", body: "b" } });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    const mailbox = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(to)}&limit=100`, { token: env.API_SECRET }));
    expect(mailbox.data.map((m: { subject: string }) => m.subject)).not.toContain("one too many");
    // Another org is not held back by this one's sends.
    const other = await createTenant();
    expect((await call("POST", "/v1/connectors/email/send", { apiKey: other.apiKey, body: { to, subject: "other org", body: "b" } })).status).toBe(201);
  });

  it("every connector route is in the contract", async () => {
    const spec = await json(await call("GET", "/openapi.json"));
    for (const path of ["/v1/connectors/llm/keys", "/v1/connectors/llm/keys/{id}", "/v1/connectors/llm/keys/{id}/test", "/v1/connectors/email/templates", "/v1/connectors/email/send", "/v1/connectors/email/logs"]) {
      expect(spec.paths[path], path).toBeDefined();
    }
  });
});
