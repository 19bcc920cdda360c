import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Principal } from "#shared/auth";
import { runTool, type Dispatch, type ToolOutcome } from "./dispatch.ts";
import { PROMPTS, renderPrompt } from "./prompts.ts";
import { readResource, RESOURCE_TEMPLATES, STATIC_RESOURCES } from "./resources.ts";
import { mayUse, toolNamed, toolsFor } from "./tools.ts";

/** The server's name and version in `initialize`. */
export const SERVER_INFO = { name: "openinsure", title: "OpenInsure", version: "1.0.0" } as const;

/** The request one MCP message is answered for: who asks, and how its tools reach the pipeline. */
export interface McpCall {
  principal: Principal;
  dispatch: Dispatch;
  /** The /mcp request (its credential and address are the tool calls'). */
  caller: Request;
  requestId: string;
}

/**
 * A JSON-RPC error answer worded as the spec's examples ("Unknown tool: x"); the SDK sends any
 * thrown error's `code`, `message` and `data`, and its McpError would prefix "MCP error -32602:".
 */
function protocolError(code: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { code }, data === undefined ? {} : { data });
}

/** An operation's answer as an MCP tool result: its JSON as text and structured, `isError` on failure. */
export function toToolResult(outcome: ToolOutcome): CallToolResult {
  const text = outcome.body === null ? `${outcome.status} (no content)` : JSON.stringify(outcome.body);
  const structured = outcome.body !== null && typeof outcome.body === "object" && !Array.isArray(outcome.body) ? (outcome.body as Record<string, unknown>) : undefined;
  return {
    content: [{ type: "text", text }],
    ...(structured ? { structuredContent: structured } : {}),
    ...(outcome.isError ? { isError: true } : {}),
  };
}

/**
 * A Model Context Protocol server for one request (stateless: nothing outlives the request, so any
 * gateway isolate answers any message). Tools are the contract's `x-mcp-tool` operations the
 * principal's scopes allow; each call runs through the operation's own HTTP pipeline.
 */
export function createMcpServer(call: McpCall): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: {}, prompts: {} },
    instructions:
      "OpenInsure is an insurance platform: submissions are quoted and bound into policies, which are endorsed, cancelled, claimed on and invoiced. Every write tool takes an idempotencyKey; preview binds, endorsements and cancellations before making them.",
    // The SDK's default validator (Ajv) compiles schemas with `new Function`, which workerd forbids.
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
  });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: toolsFor(call.principal).map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema,
      annotations: { readOnlyHint: tool.readOnly, idempotentHint: tool.readOnly || tool.method === "put" || tool.method === "delete", openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = toolNamed(request.params.name);
    // A tool the credential may not use is as unknown as one that does not exist: it is not listed.
    if (!tool || !mayUse(call.principal, tool)) throw protocolError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    return toToolResult(await runTool(call.dispatch, call.caller, call.requestId, tool, request.params.arguments));
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [...STATIC_RESOURCES] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [...RESOURCE_TEMPLATES] }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const read = await readResource(call.dispatch, call.caller, request.params.uri);
    if (!read) throw protocolError(ErrorCode.InvalidParams, `Unknown resource: ${request.params.uri}`);
    if (!read.ok) {
      const envelope = read.body as { error?: string; message?: string };
      throw protocolError(read.status === 404 ? -32002 : ErrorCode.InvalidRequest, envelope.message ?? `Resource ${request.params.uri} answered ${read.status}`, read.body);
    }
    return { contents: [{ uri: read.uri, mimeType: "application/json", text: JSON.stringify(read.contents) }] };
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: PROMPTS.map(({ render: _, ...prompt }) => prompt) }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const rendered = renderPrompt(request.params.name, request.params.arguments ?? {});
    if (!rendered.ok) throw protocolError(ErrorCode.InvalidParams, rendered.message);
    return rendered.value;
  });

  return server;
}
