import type { Context } from "hono";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { ALL_SCOPES } from "#shared/auth";
import type { GatewayContext } from "../env.ts";
import { MAX_BODY_BYTES } from "../http/route.ts";
import { appErrorResponse, errorResponse } from "../http/errors.ts";
import { authenticate } from "../middleware/authenticate.ts";
import { markDispatched, meterApiCall } from "../middleware/api-calls.ts";
import { enforceRateLimits } from "../middleware/rate-limit.ts";
import { readCapped } from "#shared/streams";
import type { Dispatch } from "./dispatch.ts";
import { createMcpServer } from "./server.ts";

/** Where the platform's MCP server answers (streamable HTTP). */
export const MCP_PATH = "/mcp";

/** RFC 9728 metadata of the resource server `/mcp`; the bare well-known path answers the same. */
export const PROTECTED_RESOURCE_PATHS = ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] as const;

/**
 * The protocol revisions `/mcp` speaks: the SDK's current one and the one before it. A client asking
 * for another is answered with the current one in `initialize` (the spec's negotiation); a request
 * naming another in `MCP-Protocol-Version` is refused.
 */
export const MCP_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, "2025-06-18"] as const;

const origin = (c: Context<GatewayContext>) => new URL(c.req.url).origin;

/** The resource server's metadata: what `/mcp` is and how a client presents a credential to it. */
export function protectedResourceMetadata(c: Context<GatewayContext>): Response {
  return c.json(
    {
      resource: `${origin(c)}${MCP_PATH}`,
      resource_name: "OpenInsure MCP server",
      resource_documentation: `${origin(c)}/docs`,
      bearer_methods_supported: ["header"],
      scopes_supported: [...ALL_SCOPES],
    },
    200,
    { "Cache-Control": "public, max-age=3600" },
  );
}

/** A JSON-RPC error as an HTTP answer (no id: the request could not be read as one message). */
function rpcError(c: Context<GatewayContext>, status: 400 | 405 | 415, code: number, message: string, headers?: Record<string, string>): Response {
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status, headers);
}

/**
 * `/mcp`: authenticate the bearer credential (401 with the RFC 9728 challenge), count the request
 * against its tier, then answer its one JSON-RPC message with a fresh stateless server. Tool calls
 * go back through `dispatch`, the gateway's own pipeline, with this request's credential.
 */
export async function serveMcp(c: Context<GatewayContext>, dispatch: Dispatch): Promise<Response> {
  const auth = await authenticate(c);
  if (!auth.ok) {
    const challenge = `Bearer resource_metadata="${origin(c)}${PROTECTED_RESOURCE_PATHS[0]}"`;
    const headers = auth.error.code === "unauthorized" ? { "WWW-Authenticate": challenge } : undefined;
    return appErrorResponse(c, auth.error, headers);
  }
  const { principal, tierDecision } = auth.value;
  const limited = await enforceRateLimits(c, principal, undefined, tierDecision);
  if (limited) return limited;
  // One api_call per /mcp request; the tool call it dispatches is not counted again.
  const refused = await meterApiCall(c, principal);
  if (refused) return refused;
  const dispatchOnce: Dispatch = (request) => dispatch(markDispatched(request));

  // Stateless: no session to resume or stream to hold open, so only POST carries messages.
  if (c.req.method !== "POST") return rpcError(c, 405, -32000, `${c.req.method} is not supported: this server is stateless; POST each message`, { Allow: "POST" });
  if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
    return rpcError(c, 415, -32000, "Content-Type must be application/json");
  }
  const version = c.req.header("mcp-protocol-version");
  if (version !== undefined && !(MCP_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
    return rpcError(c, 400, -32000, `Unsupported protocol version ${version}; supported: ${MCP_PROTOCOL_VERSIONS.join(", ")}`);
  }

  // As over HTTP: a body over 1 MiB is the platform's 413, refused before it is read whole.
  const tooLarge = () => errorResponse(c, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, { rule: "max_body_bytes", limit: MAX_BODY_BYTES });
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) return tooLarge();
  const bytes = await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  if (!bytes) return tooLarge();
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return rpcError(c, 400, -32700, "Parse error: the body is not JSON");
  }
  // The current revision removed JSON-RPC batching; one message per request.
  if (Array.isArray(message)) return rpcError(c, 400, -32600, "Batch requests are not supported: send one JSON-RPC message per request");
  const initialize = message as { method?: unknown; params?: { protocolVersion?: unknown } };
  if (initialize?.method === "initialize" && initialize.params && !(MCP_PROTOCOL_VERSIONS as readonly unknown[]).includes(initialize.params.protocolVersion)) {
    // Negotiation: answer with the current revision; the client decides whether it can speak it.
    initialize.params.protocolVersion = LATEST_PROTOCOL_VERSION;
  }

  const server = createMcpServer({ principal, dispatch: dispatchOnce, caller: c.req.raw, requestId: c.get("requestId") });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    const response = await transport.handleRequest(c.req.raw, { parsedBody: message });
    const headers = new Headers(response.headers);
    headers.set("X-Request-ID", c.get("requestId"));
    for (const name of ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]) {
      const value = c.res.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    return new Response(response.body, { status: response.status, headers });
  } finally {
    await server.close();
  }
}
