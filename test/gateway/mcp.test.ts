import { describe, expect, it } from "vitest";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";

/** One JSON-RPC message to /mcp with a credential, as a streamable-HTTP client sends it. */
async function mcp(credential: { apiKey?: string; token?: string }, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return call("POST", "/mcp", {
    ...credential,
    body: { jsonrpc: "2.0", id: 1, method, params },
    headers: { accept: "application/json, text/event-stream", "mcp-protocol-version": LATEST_PROTOCOL_VERSION, ...headers },
  });
}

/** The JSON-RPC result of a message that must succeed. */
async function result<T = Record<string, any>>(res: Promise<Response>): Promise<T> {
  const response = await res;
  const body = await json(response);
  if (response.status !== 200 || body.error) throw new Error(`MCP call failed: ${response.status} ${JSON.stringify(body)}`);
  return body.result as T;
}

/** A tools/call's result: the operation's JSON (structured) and whether it is an error. */
async function tool(credential: { apiKey?: string; token?: string }, name: string, args: Record<string, unknown> = {}): Promise<{ body: Record<string, any>; isError: boolean }> {
  const r = await result<{ content: { type: string; text: string }[]; structuredContent?: Record<string, any>; isError?: boolean }>(
    mcp(credential, "tools/call", { name, arguments: args }),
  );
  const body: Record<string, any> = JSON.parse(r.content[0]!.text);
  // An object answer is also the structured content, the same JSON.
  if (!Array.isArray(body)) expect(r.structuredContent).toEqual(body);
  return { body, isError: r.isError === true };
}

describe("/mcp: the platform as MCP tools", () => {
  it("initializes on the current revision, accepts the previous one and negotiates an unknown one", async () => {
    const t = await createTenant();
    const init = (protocolVersion: string) =>
      result(mcp({ apiKey: t.apiKey }, "initialize", { protocolVersion, capabilities: {}, clientInfo: { name: "test", version: "1" } }, { "mcp-protocol-version": protocolVersion }));
    const current = await init(LATEST_PROTOCOL_VERSION);
    expect(current).toMatchObject({ protocolVersion: LATEST_PROTOCOL_VERSION, serverInfo: { name: "openinsure" }, capabilities: { tools: {}, resources: {}, prompts: {} } });
    expect(current.instructions).toContain("preview");
    expect((await init("2025-06-18")).protocolVersion).toBe("2025-06-18");
    const older = await result(mcp({ apiKey: t.apiKey }, "initialize", { protocolVersion: "2024-01-01", capabilities: {}, clientInfo: { name: "t", version: "1" } }, { "mcp-protocol-version": LATEST_PROTOCOL_VERSION }));
    expect(older.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    const refused = await mcp({ apiKey: t.apiKey }, "tools/list", {}, { "mcp-protocol-version": "1999-01-01" });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error.message).toContain("Unsupported protocol version");
  });

  it("answers an unauthenticated request with 401 and the protected-resource challenge", async () => {
    const res = await call("POST", "/mcp", { body: { jsonrpc: "2.0", id: 1, method: "tools/list" }, headers: { accept: "application/json, text/event-stream" } });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toMatch(/^Bearer resource_metadata="https:\/\/api\.openinsure\.test\/\.well-known\/oauth-protected-resource\/mcp"$/);
    expect((await json(res)).error).toBe("unauthorized");
    const meta = await call("GET", "/.well-known/oauth-protected-resource/mcp");
    expect(meta.status).toBe(200);
    const metadata = await json(meta);
    expect(metadata).toMatchObject({ resource: "https://api.openinsure.test/mcp", bearer_methods_supported: ["header"] });
    expect(metadata.scopes_supported).toContain("submissions:write");
    const bad = await mcp({ token: "oi_live_not-a-key" }, "tools/list");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain("resource_metadata=");
  });

  it("lists the contract's marked tools; a read-only key sees only the read tools", async () => {
    const t = await createTenant();
    const full = await result<{ tools: { name: string; description: string; inputSchema: any; annotations: any }[] }>(mcp({ apiKey: t.apiKey }, "tools/list"));
    const names = full.tools.map((x) => x.name);
    for (const name of ["search_submissions", "get_submission", "create_submission", "quote_submission", "bind_submission", "get_policy", "get_policy_timeline", "endorse_policy", "cancel_policy", "file_claim", "generate_certificate", "list_invoices", "classify_business", "match_carriers"]) {
      expect(names).toContain(name);
    }
    const bind = full.tools.find((x) => x.name === "bind_submission")!;
    expect(bind.description).toMatch(/preview/i);
    expect(Object.keys(bind.inputSchema.properties)).toEqual(expect.arrayContaining(["id", "preview", "body", "idempotencyKey"]));
    expect(bind.annotations.readOnlyHint).toBe(false);
    const create = full.tools.find((x) => x.name === "create_submission")!;
    // The body schema is the contract's, with its references carried along.
    expect(create.inputSchema.required).toContain("body");
    expect(JSON.stringify(create.inputSchema)).not.toContain("#/components/");

    const readOnly = await createApiKey(t.token, { scopes: ["submissions:read", "policies:read"] });
    // An API key as the bearer credential, as MCP clients send one.
    const limited = (await result<{ tools: { name: string }[] }>(mcp({ token: readOnly.key }, "tools/list"))).tools.map((x) => x.name);
    expect(limited).toEqual(expect.arrayContaining(["search_submissions", "get_submission", "get_policy", "search_policies"]));
    expect(limited).not.toContain("create_submission");
    expect(limited).not.toContain("bind_submission");
    expect(limited).not.toContain("list_invoices");
    expect(limited.length).toBeLessThan(names.length);
    // The org_admin's JWT sees every tool.
    const admin = await result<{ tools: { name: string }[] }>(mcp({ token: t.token }, "tools/list"));
    expect(admin.tools.map((x) => x.name)).toEqual(names);
  });

  it("creates, quotes, previews and binds through tools; a retried create with the same key replays", async () => {
    const t = await createTenant();
    const key = { apiKey: t.apiKey };
    const created = await tool(key, "create_submission", { body: glSubmission(), idempotencyKey: "mcp-create-1" });
    expect(created.isError).toBe(false);
    expect(created.body.id).toMatch(/^sub_/);
    const replay = await tool(key, "create_submission", { body: glSubmission(), idempotencyKey: "mcp-create-1" });
    expect(replay.body.id).toBe(created.body.id);

    const quote = await tool(key, "quote_submission", { id: created.body.id, idempotencyKey: "mcp-quote-1" });
    expect(quote.isError).toBe(false);
    expect(quote.body.grossPremium).toBeGreaterThan(0);
    const preview = await tool(key, "bind_submission", { id: created.body.id, preview: true, body: { installmentPlan: "PIF" } });
    expect(preview.body.preview).toBe(true);
    const stillQuoted = await call("GET", `/v1/submissions/${created.body.id}`, key);
    expect((await json(stillQuoted)).status).toBe("quoted");
    const bound = await tool(key, "bind_submission", { id: created.body.id, body: { installmentPlan: "PIF" }, idempotencyKey: "mcp-bind-1" });
    expect(bound.isError).toBe(false);
    expect(bound.body).toMatchObject({ preview: false, status: "active", submissionId: created.body.id });

    // The same policy as over HTTP, and its timeline.
    const viaTool = await tool(key, "get_policy", { id: bound.body.id });
    expect(viaTool.body).toEqual(await json(await call("GET", `/v1/policies/${bound.body.id}`, key)));
    const timeline = await tool(key, "get_policy_timeline", { id: bound.body.id });
    expect(timeline.isError).toBe(false);
    expect(timeline.body.data.map((e: { type: string }) => e.type)).toEqual(["new_business"]);
    const found = await tool(key, "search_policies", { limit: 5 });
    expect(found.body.data.map((p: { id: string }) => p.id)).toContain(bound.body.id);
  });

  it("returns the operation's own errors as tool errors with the same codes", async () => {
    const t = await createTenant();
    const key = { apiKey: t.apiKey };
    const invalid = await tool(key, "create_submission", { body: { ...glSubmission(), annualRevenue: -5 } });
    expect(invalid.isError).toBe(true);
    expect(invalid.body.error).toBe("validation_failed");
    const http = await json(await call("POST", "/v1/submissions", { ...key, body: { ...glSubmission(), annualRevenue: -5 } }));
    expect(invalid.body.details).toEqual(http.details);

    const unknownArgument = await tool(key, "get_submission", { id: "sub_x", verbose: true });
    expect(unknownArgument).toMatchObject({ isError: true, body: { error: "validation_failed", details: { field: "verbose", rule: "unknown_field" } } });
    const missing = await tool(key, "get_submission", {});
    expect(missing.body).toMatchObject({ error: "validation_failed", details: { field: "id", rule: "required" } });
    const absent = await tool(key, "get_policy", { id: "pol_01JZZZZZZZZZZZZZZZZZZZZZZZ" });
    expect(absent).toMatchObject({ isError: true, body: { error: "not_found" } });

    // Another org's submission is the same 404 as over HTTP.
    const other = await createTenant();
    const theirs = await json(await call("POST", "/v1/submissions", { apiKey: other.apiKey, body: glSubmission() }));
    expect((await tool(key, "get_submission", { id: theirs.id })).body.error).toBe("not_found");
  });

  it("refuses a tool the credential may not use as unknown, and an unknown tool as a protocol error", async () => {
    const t = await createTenant();
    const readOnly = await createApiKey(t.token, { scopes: ["submissions:read"] });
    const denied = await json(await mcp({ apiKey: readOnly.key }, "tools/call", { name: "create_submission", arguments: { body: glSubmission() } }));
    expect(denied.error).toMatchObject({ code: -32602, message: "Unknown tool: create_submission" });
    const unknown = await json(await mcp({ apiKey: t.apiKey }, "tools/call", { name: "delete_everything", arguments: {} }));
    expect(unknown.error).toMatchObject({ code: -32602, message: "Unknown tool: delete_everything" });
    // Nothing was created by the refused call.
    const list = await json(await call("GET", "/v1/submissions", { apiKey: t.apiKey }));
    expect(list.data).toHaveLength(0);
  });

  it("refuses batches, bodies over 1 MiB, other methods and other content types", async () => {
    const t = await createTenant();
    const headers = { accept: "application/json, text/event-stream" };
    const batch = await call("POST", "/mcp", { apiKey: t.apiKey, headers, body: [{ jsonrpc: "2.0", id: 1, method: "tools/list" }, { jsonrpc: "2.0", id: 2, method: "tools/list" }] });
    expect(batch.status).toBe(400);
    expect((await json(batch)).error.code).toBe(-32600);
    const huge = await call("POST", "/mcp", { apiKey: t.apiKey, headers: { ...headers, "content-type": "application/json" }, rawBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(1_100_000) } }) });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error).toBe("payload_too_large");
    const get = await call("GET", "/mcp", { apiKey: t.apiKey, headers });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const text = await call("POST", "/mcp", { apiKey: t.apiKey, headers: { ...headers, "content-type": "text/plain" }, rawBody: "{}" });
    expect(text.status).toBe(415);
    const garbled = await call("POST", "/mcp", { apiKey: t.apiKey, headers: { ...headers, "content-type": "application/json" }, rawBody: "{not json" });
    expect(garbled.status).toBe(400);
    expect((await json(garbled)).error.code).toBe(-32700);
  });

  it("serves a policy, its documents and the event catalogue as resources, confined to the org", async () => {
    const t = await createTenant();
    const key = { apiKey: t.apiKey };
    const sub = await json(await call("POST", "/v1/submissions", { ...key, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, key);
    const policy = await json(await call("POST", `/v1/submissions/${sub.id}/bind`, { ...key, body: { installmentPlan: "PIF" } }));

    const templates = await result<{ resourceTemplates: { uriTemplate: string }[] }>(mcp(key, "resources/templates/list"));
    expect(templates.resourceTemplates.map((r) => r.uriTemplate)).toEqual(["openinsure://policies/{id}", "openinsure://policies/{id}/documents"]);
    const read = await result<{ contents: { uri: string; text: string; mimeType: string }[] }>(mcp(key, "resources/read", { uri: `openinsure://policies/${policy.id}` }));
    expect(read.contents[0]!.mimeType).toBe("application/json");
    expect(JSON.parse(read.contents[0]!.text)).toMatchObject({ id: policy.id, policyNumber: policy.policyNumber });
    const docs = await result<{ contents: { text: string }[] }>(mcp(key, "resources/read", { uri: `openinsure://policies/${policy.id}/documents` }));
    expect(Array.isArray(JSON.parse(docs.contents[0]!.text).data)).toBe(true);

    const catalogue = await result<{ contents: { text: string }[] }>(mcp(key, "resources/read", { uri: "openinsure://events/catalogue" }));
    const types = JSON.parse(catalogue.contents[0]!.text).data.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["submission.created", "policy.bound", "payment.received"]));

    const other = await createTenant();
    const foreign = await json(await mcp({ apiKey: other.apiKey }, "resources/read", { uri: `openinsure://policies/${policy.id}` }));
    expect(foreign.error).toMatchObject({ code: -32002 });
    const unknown = await json(await mcp(key, "resources/read", { uri: "openinsure://nothing/here" }));
    expect(unknown.error.code).toBe(-32602);
  });

  it("offers the prepare_submission prompt, chaining tools that exist", async () => {
    const t = await createTenant();
    const prompts = await result<{ prompts: { name: string; arguments: { name: string; required: boolean }[] }[] }>(mcp({ apiKey: t.apiKey }, "prompts/list"));
    expect(prompts.prompts.map((p) => p.name)).toEqual(["prepare_submission"]);
    const rendered = await result<{ messages: { content: { text: string } }[] }>(
      mcp({ apiKey: t.apiKey }, "prompts/get", { name: "prepare_submission", arguments: { description: "A roofing contractor in Portland", state: "OR" } }),
    );
    const text = rendered.messages[0]!.content.text;
    expect(text).toContain("A roofing contractor in Portland");
    expect(text).toContain("`classify_business`");
    expect(text).toContain("`create_submission`");
    expect(text).toContain("`get_quote_readiness`");
    const missing = await json(await mcp({ apiKey: t.apiKey }, "prompts/get", { name: "prepare_submission", arguments: {} }));
    expect(missing.error.message).toContain("description");
  });
});

describe("market tools", () => {
  it("classifies a description and matches carriers for the chosen code, as the HTTP routes answer", async () => {
    const t = await createTenant();
    const key = { apiKey: t.apiKey };
    const classified = await tool(key, "classify_business", { body: { description: "general contractor building offices and schools" }, idempotencyKey: "mcp-classify-1" });
    expect(classified.isError).toBe(false);
    const codes = classified.body.data.map((d: { code: string }) => d.code);
    expect(codes).toContain("236220");
    const profile = { naicsCode: "236220", state: "OR", lineOfBusiness: "GL", annualRevenue: 8_000_000, requestedLimit: 1_000_000, yearsInBusiness: 12 };
    const matched = await tool(key, "match_carriers", { body: profile, idempotencyKey: "mcp-match-1" });
    expect(matched.body).toEqual(await json(await call("POST", "/v1/market-finder/match-carriers-detailed", { ...key, body: profile })));
    const bad = await tool(key, "match_carriers", { body: { ...profile, naicsCode: "999999" } });
    expect(bad).toMatchObject({ isError: true, body: { error: "validation_failed", details: { field: "naicsCode" } } });
  });
});

describe("the core-api MCP REST facade", () => {
  it("lists the one server and its tools, calls a tool and reads a resource by URL-encoded URI", async () => {
    const t = await createTenant();
    const key = { apiKey: t.apiKey };
    const servers = await json(await call("GET", "/v1/mcp/servers", key));
    expect(servers.data).toHaveLength(1);
    expect(servers.data[0]).toMatchObject({ id: "openinsure", url: "https://api.openinsure.test/mcp" });
    expect((await call("GET", "/v1/mcp/servers/nope", key)).status).toBe(404);
    const server = await json(await call("GET", "/v1/mcp/servers/openinsure", key));
    const tools = await json(await call("GET", "/v1/mcp/servers/openinsure/tools", key));
    expect(tools.data).toHaveLength(server.toolCount);
    // The same registry as /mcp lists.
    const listed = await result<{ tools: { name: string }[] }>(mcp(key, "tools/list"));
    expect(tools.data.map((x: { name: string }) => x.name)).toEqual(listed.tools.map((x) => x.name));

    const created = await json(await call("POST", "/v1/mcp/tools/call", { ...key, body: { server: "openinsure", tool: "create_submission", arguments: { body: glSubmission() } } }));
    expect(created).toMatchObject({ tool: "create_submission", isError: false, status: 201 });
    expect(created.result.id).toMatch(/^sub_/);
    const failed = await json(await call("POST", "/v1/mcp/tools/call", { ...key, body: { server: "openinsure", tool: "get_submission", arguments: { id: "sub_01JZZZZZZZZZZZZZZZZZZZZZZZ" } } }));
    expect(failed).toMatchObject({ isError: true, status: 404, result: { error: "not_found" } });
    expect((await call("POST", "/v1/mcp/tools/call", { ...key, body: { server: "openinsure", tool: "nope", arguments: {} } })).status).toBe(404);
    const readOnly = await createApiKey(t.token, { scopes: ["submissions:read"] });
    const scoped = await call("POST", "/v1/mcp/tools/call", { apiKey: readOnly.key, body: { server: "openinsure", tool: "create_submission", arguments: { body: glSubmission() } } });
    expect(scoped.status).toBe(403);
    expect((await json(scoped)).error).toBe("insufficient_scope");

    const catalogue = await json(await call("GET", `/v1/mcp/resources/${encodeURIComponent("openinsure://events/catalogue")}`, key));
    expect(catalogue).toMatchObject({ uri: "openinsure://events/catalogue", mimeType: "application/json" });
    // Unencoded slashes reach the same resource.
    const raw = await call("GET", "/v1/mcp/resources/openinsure%3A//events/catalogue", key);
    expect(raw.status).toBe(200);
    expect((await json(raw)).uri).toBe("openinsure://events/catalogue");
    const missingPolicy = await call("GET", `/v1/mcp/resources/${encodeURIComponent("openinsure://policies/pol_01JZZZZZZZZZZZZZZZZZZZZZZZ")}`, key);
    expect(missingPolicy.status).toBe(404);
  });
});
