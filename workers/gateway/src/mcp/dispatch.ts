import type { McpToolDefinition } from "./tools.ts";

/** Hands a request to the gateway's own app, as if a client had sent it. */
export type Dispatch = (request: Request) => Promise<Response>;

/** What a tool's operation answered. */
export interface ToolOutcome {
  /** The operation's HTTP status. */
  status: number;
  /** Its JSON answer (the error envelope on failure); null when it sent none (204). */
  body: unknown;
  isError: boolean;
}

/**
 * The caller's headers a tool call carries into its operation: its credential (and the org the API
 * secret acts in) and its address, so that authentication, per-IP limits and the failed-attempt
 * budget are the caller's own, exactly as over HTTP.
 */
const FORWARDED = ["authorization", "x-api-key", "x-org-id", "cf-connecting-ip", "x-forwarded-for"] as const;

/** The headers of {@link FORWARDED} that the caller sent. */
export function forwardedHeaders(caller: Request): Headers {
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = caller.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

/** What a tool's arguments must be before they can become a request, as the HTTP route words it. */
function argumentError(requestId: string, field: string, rule: string, message: string): ToolOutcome {
  return {
    status: 400,
    isError: true,
    body: { error: "validation_failed", message, details: { field, rule, issues: [{ in: "arguments", field, rule, message }] }, requestId },
  };
}

function queryValue(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(queryValue);
  if (value === null || value === undefined) return [];
  return [typeof value === "object" ? JSON.stringify(value) : String(value)];
}

/**
 * Run a tool: its arguments become the operation's request (path and query parameters, the JSON
 * `body`, `idempotencyKey` as the Idempotency-Key header), sent through the gateway's pipeline with
 * the caller's credential, and the answer comes back as it is. Only the arguments' outline is
 * checked here (an object, known names, path parameters present); the operation validates the rest
 * with the contract's own schemas, so a bad argument is the same `validation_failed` as over HTTP.
 */
export async function runTool(
  dispatch: Dispatch,
  caller: Request,
  requestId: string,
  tool: McpToolDefinition,
  args: unknown,
): Promise<ToolOutcome> {
  const given = args ?? {};
  if (typeof given !== "object" || Array.isArray(given)) return argumentError(requestId, "arguments", "type", "Tool arguments must be an object");
  const values = given as Record<string, unknown>;
  const known = new Set([...tool.pathParameters, ...tool.queryParameters, ...(tool.hasBody ? ["body"] : []), ...(tool.readOnly ? [] : ["idempotencyKey"])]);
  for (const name of Object.keys(values)) {
    if (!known.has(name)) return argumentError(requestId, name, "unknown_field", `Received unknown parameter: ${name}`);
  }
  let path = tool.path;
  for (const name of tool.pathParameters) {
    const value = values[name];
    if (typeof value !== "string" || value.trim() === "") return argumentError(requestId, name, "required", `Missing required field: ${name}`);
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  const url = new URL(path, caller.url);
  for (const name of tool.queryParameters) {
    for (const v of queryValue(values[name])) url.searchParams.append(name, v);
  }
  const headers = forwardedHeaders(caller);
  const key = values.idempotencyKey;
  if (key !== undefined) {
    if (typeof key !== "string") return argumentError(requestId, "idempotencyKey", "type", "idempotencyKey must be a string");
    headers.set("idempotency-key", key);
  }
  let body: string | undefined;
  if (tool.method !== "get" && tool.hasBody && values.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(values.body);
  }
  const response = await dispatch(new Request(url, { method: tool.method.toUpperCase(), headers, body }));
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, body: parsed, isError: response.status >= 400 };
}
