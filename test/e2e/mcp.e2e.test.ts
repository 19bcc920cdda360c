/**
 * An AI agent's session over the running sandbox, with the official MCP TypeScript SDK's client and
 * its streamable-HTTP transport, as Claude Desktop, an IDE or an agent framework connects: the
 * sandbox's API key as the bearer credential, tools listed and called, a policy read as a resource.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("an MCP client over npm run dev", () => {
  const client = new Client({ name: "openinsure-e2e", version: "1.0.0" });

  beforeAll(async () => {
    const { baseUrl, apiKey } = sandbox();
    const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
    await client.connect(transport);
  });
  afterAll(() => client.close());

  it("negotiates the current revision and lists the contract's tools", async () => {
    expect(client.getServerVersion()).toMatchObject({ name: "openinsure" });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["create_submission", "quote_submission", "bind_submission", "get_policy"]));
    // What the served contract marks is what the client sees.
    const openapi = (await http("GET", "/openapi.json")).json;
    const marked = Object.values(openapi.paths as Record<string, Record<string, { "x-mcp-tool"?: { name: string } }>>)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => (op["x-mcp-tool"] ? [op["x-mcp-tool"].name] : []));
    expect([...names].sort()).toEqual([...marked].sort());
  });

  it("creates, quotes, previews and binds a submission, then reads the policy as a resource", async () => {
    const run = crypto.randomUUID();
    const args = (extra: Record<string, unknown>) => ({ ...extra, idempotencyKey: `mcp-e2e-${run}-${Object.keys(extra).join("-")}` });
    const created = await client.callTool({ name: "create_submission", arguments: args({ body: { ...quickstartSubmission(), insuredName: "MCP Agent Roofing", effectiveDate: testDay(20) } }) });
    expect(created.isError).toBeFalsy();
    const submission = created.structuredContent as { id: string; status: string };
    expect(submission.id).toMatch(/^sub_/);

    const quoted = await client.callTool({ name: "quote_submission", arguments: args({ id: submission.id }) });
    expect((quoted.structuredContent as { grossPremium: number }).grossPremium).toBeGreaterThan(0);
    const preview = await client.callTool({ name: "bind_submission", arguments: { id: submission.id, preview: true, body: { installmentPlan: "PIF" } } });
    expect(preview.structuredContent).toMatchObject({ preview: true });
    const bound = await client.callTool({ name: "bind_submission", arguments: args({ id: submission.id, body: { installmentPlan: "PIF" } }) });
    const policy = bound.structuredContent as { id: string; policyNumber: string; status: string };
    expect(policy).toMatchObject({ status: "active" });

    // The same policy through the REST API, and as a resource.
    const rest = await http("GET", `/v1/policies/${policy.id}`, { apiKey: sandbox().apiKey });
    expect(rest.status).toBe(200);
    const viaTool = await client.callTool({ name: "get_policy", arguments: { id: policy.id } });
    expect(viaTool.structuredContent).toEqual(rest.json);
    const resource = await client.readResource({ uri: `openinsure://policies/${policy.id}` });
    const contents = resource.contents[0] as { text: string; mimeType: string };
    expect(contents.mimeType).toBe("application/json");
    expect(JSON.parse(contents.text)).toEqual(rest.json);
  });

  it("lists fewer tools to a read-only key and refuses it a write tool", async () => {
    const { baseUrl, orgId, apiSecret } = sandbox();
    // Keys are made by a user: the demo org's admin, signed in through /auth/demo.
    const admin: string = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId } })).json.token;
    const key = await http("POST", "/v1/api-keys", { token: admin, body: { name: `mcp read-only ${crypto.randomUUID().slice(0, 8)}`, preset: "read_only", rateLimitTier: "standard" } });
    expect(key.status).toBe(201);
    const reader = new Client({ name: "openinsure-e2e-reader", version: "1.0.0" });
    await reader.connect(new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), { requestInit: { headers: { authorization: `Bearer ${key.json.key}` } } }));
    try {
      const all = (await client.listTools()).tools.map((t) => t.name);
      const readable = (await reader.listTools()).tools.map((t) => t.name);
      expect(readable.length).toBeLessThan(all.length);
      expect(readable).toEqual(expect.arrayContaining(["get_policy", "search_submissions"]));
      expect(readable).not.toContain("create_submission");
      await expect(reader.callTool({ name: "create_submission", arguments: { body: quickstartSubmission() } })).rejects.toThrow(/Unknown tool: create_submission/);
    } finally {
      await reader.close();
    }
  });

  it("returns a validation failure as a tool error with the platform's envelope", async () => {
    const failed = await client.callTool({ name: "create_submission", arguments: { body: { ...quickstartSubmission(), state: "ZZ" } } });
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toMatchObject({ error: "validation_failed" });
  });

  it("refuses a client without a credential with the protected-resource challenge", async () => {
    const res = await fetch(new URL("/mcp", sandbox().baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": LATEST_PROTOCOL_VERSION },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    const metadataUrl = challenge.match(/resource_metadata="([^"]+)"/)![1]!;
    const metadata = await (await fetch(metadataUrl)).json();
    expect(metadata).toMatchObject({ resource: new URL("/mcp", sandbox().baseUrl).href });
  });
});
