import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import type { AppError, Result } from "#shared/errors";
import type { GatewayContext } from "../env.ts";
import { route } from "../http/route.ts";
import { runTool } from "../mcp/dispatch.ts";
import { markDispatched } from "../middleware/api-calls.ts";
import { MCP_PATH, MCP_PROTOCOL_VERSIONS } from "../mcp/endpoint.ts";
import { readResource } from "../mcp/resources.ts";
import { SERVER_INFO } from "../mcp/server.ts";
import { mayUse, toolNamed, toolsFor, type McpToolDefinition } from "../mcp/tools.ts";

/**
 * The core-api REST facade over the MCP tool registry: the same tools `/mcp` lists, called the same
 * way (through the gateway's own pipeline with the caller's credential).
 */
const SERVER_ID = SERVER_INFO.name;

const notFound = (message: string): Result<never> => ({ ok: false, error: { code: "not_found", message } });

function server(c: Context<GatewayContext>, principal: Principal) {
  return {
    id: SERVER_ID,
    name: SERVER_INFO.title,
    description: "The OpenInsure platform as MCP tools: submissions, quotes, binding, policies, claims, certificates and invoices.",
    url: `${new URL(c.req.url).origin}${MCP_PATH}`,
    protocolVersions: [...MCP_PROTOCOL_VERSIONS],
    toolCount: toolsFor(principal).length,
  };
}

const toolView = (tool: McpToolDefinition) => ({
  name: tool.name,
  operationId: tool.operationId,
  description: tool.description,
  inputSchema: tool.inputSchema,
  requiredScope: tool.requiredScope,
  readOnly: tool.readOnly,
});

/**
 * The dispatcher createApp set for this request: the gateway's own app. What it sends is marked so
 * the operation does not count another api_call: this request was counted already.
 */
const dispatchOf = (c: Context<GatewayContext>) => {
  const dispatch = c.get("dispatch")!;
  return (request: Request) => dispatch(markDispatched(request));
};

export const mcpRoutes = [
  route("listMcpServers", async ({ c, principal }) => ({ ok: true, value: { data: [server(c, principal)] } })),
  route("getMcpServer", async ({ c, principal, input }) => (input.path.id === SERVER_ID ? { ok: true, value: server(c, principal) } : notFound(`No MCP server ${input.path.id}`))),
  route("listMcpServerTools", async ({ principal, input }) =>
    input.path.id === SERVER_ID ? { ok: true, value: { data: toolsFor(principal).map(toolView) } } : notFound(`No MCP server ${input.path.id}`),
  ),
  route("callMcpTool", async ({ c, principal, input }) => {
    const { server: id, tool: name, arguments: args } = input.body;
    if (id !== SERVER_ID) return notFound(`No MCP server ${id}`);
    const tool = toolNamed(name);
    if (!tool) return notFound(`No tool ${name} on ${SERVER_ID}`);
    if (!mayUse(principal, tool)) {
      return { ok: false, error: { code: "insufficient_scope", message: `This credential lacks the scope ${tool.requiredScope}`, details: { requiredScope: tool.requiredScope } } };
    }
    // The facade's own Idempotency-Key already guards this call; the tool's operation gets the
    // arguments' `idempotencyKey`, as over /mcp.
    const outcome = await runTool(dispatchOf(c), c.req.raw, c.get("requestId"), tool, args ?? {});
    return { ok: true, value: { tool: name, isError: outcome.isError, status: outcome.status, result: outcome.body } };
  }),
  route("readMcpResource", async ({ c, input }) => {
    const uri = input.path.uri;
    const read = await readResource(dispatchOf(c), c.req.raw, uri);
    if (!read) return notFound(`No resource ${uri}`);
    if (!read.ok) {
      // The policy's own answer (404 for another org's, 403 without policies:read), as it was.
      const { error: code, message, details } = read.body as { error: AppError["code"]; message: string; details?: AppError["details"] };
      return { ok: false, error: { code, message, ...(details ? { details } : {}) } };
    }
    return { ok: true, value: { uri: read.uri, mimeType: "application/json", contents: read.contents } };
  }),
];
