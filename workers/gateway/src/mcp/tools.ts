import type { Principal } from "#shared/auth";
import { hasScope } from "#shared/auth";
import { operations, type OperationId } from "#contract/operations";
import { openApiDocument } from "../http/contract.ts";

/** A JSON Schema object, as the emitted OpenAPI writes them. */
export type JsonSchema = Record<string, unknown>;

/**
 * One MCP tool: an operation of the contract marked `x-mcp-tool`. Everything but the mark's name
 * and hint is read from the emitted OpenAPI, so a contract change is a tool change.
 */
export interface McpToolDefinition {
  name: string;
  operationId: OperationId;
  /** The operation's summary and description, then the mark's hint. */
  description: string;
  /** The operation's path and query parameters, `body`, and `idempotencyKey` on writes. */
  inputSchema: JsonSchema & { type: "object" };
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
  pathParameters: string[];
  queryParameters: string[];
  /** Whether the operation takes a JSON body (the `body` argument). */
  hasBody: boolean;
  requiredScope: string | null;
  readOnly: boolean;
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  $ref?: string;
}

interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  "x-mcp-tool"?: { name: string; hint?: string };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const COMPONENT_REF = "#/components/schemas/";

type Document = {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], OpenApiOperation>>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, OpenApiParameter> };
};

/**
 * `schema` with its component references pointed at `$defs`, and the names of every component it
 * reaches (transitively) added to `reached`, so a tool's input schema stands on its own.
 */
function localise(schema: unknown, components: Record<string, JsonSchema>, reached: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => localise(s, components, reached));
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(COMPONENT_REF)) {
      const name = decodeURIComponent(value.slice(COMPONENT_REF.length));
      out.$ref = `#/$defs/${name}`;
      if (!reached.has(name) && components[name]) {
        reached.add(name);
        localise(components[name], components, reached);
      }
    } else {
      out[key] = localise(value, components, reached);
    }
  }
  return out;
}

function resolveParameter(p: OpenApiParameter, doc: Document): OpenApiParameter {
  if (!p.$ref) return p;
  return doc.components?.parameters?.[decodeURIComponent(p.$ref.split("/").pop()!)] ?? p;
}

/** The description an agent reads: what the operation does, then what the mark adds. */
function describe(op: OpenApiOperation): string {
  const hint = op["x-mcp-tool"]?.hint;
  return [op.summary && `${op.summary}.`, op.description, hint && `**For agents:** ${hint}`].filter(Boolean).join("\n\n");
}

/**
 * The tools of a contract document, in document order. Exported with the document as a parameter
 * so the contract test can derive them from a document of its own.
 */
export function deriveTools(doc: Document): McpToolDefinition[] {
  const components = doc.components?.schemas ?? {};
  const tools: McpToolDefinition[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      const mark = op?.["x-mcp-tool"];
      if (!op || !mark) continue;
      const reached = new Set<string>();
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      const pathParameters: string[] = [];
      const queryParameters: string[] = [];
      for (const raw of op.parameters ?? []) {
        const p = resolveParameter(raw, doc);
        if (p.in !== "path" && p.in !== "query") continue; // headers: the idempotency key is its own argument
        (p.in === "path" ? pathParameters : queryParameters).push(p.name);
        properties[p.name] = localise({ ...(p.schema ?? {}), ...(p.description ? { description: p.description } : {}) }, components, reached);
        if (p.required || p.in === "path") required.push(p.name);
      }
      const body = op.requestBody?.content?.["application/json"]?.schema;
      if (body) {
        properties.body = localise(body, components, reached);
        if (op.requestBody?.required) required.push("body");
      }
      const readOnly = method === "get";
      if (!readOnly) {
        properties.idempotencyKey = {
          type: "string",
          minLength: 1,
          maxLength: 255,
          description: "Sent as the Idempotency-Key header: a retry with the same key and arguments replays the first answer instead of acting twice.",
        };
      }
      const $defs = Object.fromEntries([...reached].sort().map((name) => [name, localise(components[name], components, new Set())]));
      const operationId = op.operationId as OperationId;
      tools.push({
        name: mark.name,
        operationId,
        description: describe(op),
        inputSchema: {
          type: "object",
          properties,
          ...(required.length ? { required } : {}),
          additionalProperties: false,
          ...(reached.size ? { $defs } : {}),
        },
        method,
        path,
        pathParameters,
        queryParameters,
        hasBody: body !== undefined,
        requiredScope: operations[operationId]?.auth.scope ?? null,
        readOnly,
      });
    }
  }
  return tools;
}

/** The platform's tools, derived once per isolate from the contract the gateway serves. */
export const TOOLS: readonly McpToolDefinition[] = deriveTools(openApiDocument as unknown as Document);

const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

export const toolNamed = (name: string): McpToolDefinition | undefined => BY_NAME.get(name);

/** Whether a principal may see and call a tool: the operation's own scope rule. */
export const mayUse = (principal: Principal, tool: McpToolDefinition): boolean =>
  tool.requiredScope === null || hasScope(principal.scopes, tool.requiredScope);

/** The tools a principal may use (a tool whose scope it lacks is not listed). */
export const toolsFor = (principal: Principal): McpToolDefinition[] => TOOLS.filter((t) => mayUse(principal, t));
