import type { Context, Hono } from "hono";
import type { z } from "zod";
import { hasScope, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { sha256Hex } from "#shared/crypto";
import type { Result } from "#shared/errors";
import { checkInputRules, cleanInput, inputError } from "#shared/input";
import { readCapped } from "#shared/streams";
import type { GatewayContext, GatewayEnv } from "../env.ts";
import { authenticate, authenticateInsured, withSandboxClock } from "../middleware/authenticate.ts";
import { withIdempotency } from "../middleware/idempotency.ts";
import { dispatchedByMcp, meterApiCall } from "../middleware/api-calls.ts";
import { withProducerBook } from "../middleware/producer-book.ts";
import { enforceRateLimits, type ExtraLimit } from "../middleware/rate-limit.ts";
import type { RateLimitDecision } from "../rate-limiter.do.ts";
import { operations, type OperationId } from "#contract/operations";
import { typedQuery } from "./contract.ts";
import { appErrorResponse, errorResponse } from "./errors.ts";
import { toValidationError } from "./validation.ts";

/** Largest accepted request body (DECISIONS.md: 413 beyond it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The generated zod schemas (typespec/generated/zod.gen.ts) of an operation's request parts,
 * e.g. `{ body: zCreateSubmissionBody }` or `{ query: zListSubmissionsQuery }`.
 */
export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  path?: z.ZodType;
}

type Part<S, K extends keyof RequestSchemas> = S extends { [P in K]: infer T extends z.ZodType } ? z.infer<T> : undefined;
/** The validated input a handler receives, typed from its schemas. */
export type RequestInput<S extends RequestSchemas> = { body: Part<S, "body">; query: Part<S, "query">; path: Part<S, "path"> };

/** What the contract says about an operation (typespec/generated/operations.ts). */
type Contract<Id extends OperationId> = (typeof operations)[Id];
type InputOf<Id extends OperationId> = RequestInput<Contract<Id>["schemas"]>;
type StatusOf<Id extends OperationId> = Contract<Id>["successStatuses"][number];
/** Operations whose handler gets a principal: any credential, or (for the portal) an insured token. */
type IsCredential<Id extends OperationId> = Contract<Id>["auth"]["kind"] extends "credential" | "insured" ? true : false;

interface HandlerArgs<Input> {
  env: GatewayEnv;
  input: Input;
  c: Context<GatewayContext>;
}

/**
 * The use case behind an operation. A credential operation's handler also gets the authenticated
 * principal (scope and org already checked); a public or session one reads what it needs from `c`.
 */
export type Handler<Id extends OperationId> = (
  args: HandlerArgs<InputOf<Id>> & (IsCredential<Id> extends true ? { principal: Principal } : unknown),
) => Promise<Result<unknown>>;

/** Answers an operation's `multipart/form-data` variant (the contract says which accept one). */
export type MultipartHandler = (args: { env: GatewayEnv; principal: Principal; form: FormData; c: Context<GatewayContext> }) => Promise<Result<unknown>>;

/**
 * A route's code beyond its handler. `status` picks among the contract's success statuses when it
 * declares more than one (and is then required); `multipart` is required exactly when the contract
 * accepts a multipart body.
 */
export type RouteOptions<Id extends OperationId> = { handler: Handler<Id> } & (Contract<Id>["successStatuses"]["length"] extends 1
  ? { status?: never }
  : { status: (input: InputOf<Id>, value: unknown) => StatusOf<Id> }) &
  (Contract<Id>["multipart"] extends true ? { multipart: MultipartHandler; uploadLimit?: number } : { multipart?: never; uploadLimit?: never });

type Method = Contract<OperationId>["method"];

/** A route resolved against the contract: everything but the code comes from typespec/generated/operations.ts. */
export interface RouteSpec {
  operationId: OperationId;
  method: Method;
  /** Hono path, `:name` for parameters. */
  path: string;
  /** `insured`: a policyholder JWT and nothing else (the portal); `credential`: anything but one. */
  auth: { kind: "public" | "session" | "credential" | "insured"; scope: string | null; systemOnly: boolean; orgOptional: boolean; partnerToken?: boolean };
  /** A limit beyond the credential's tier, e.g. signup per IP. */
  extraLimit?: ExtraLimit;
  schemas: RequestSchemas;
  /** Status of a successful answer (204 sends no body), from the request and the answer's value. */
  status: (input: RequestInput<RequestSchemas>, value: unknown) => number;
  handler: (args: HandlerArgs<RequestInput<RequestSchemas>> & { principal?: Principal }) => Promise<Result<unknown>>;
  multipart?: MultipartHandler;
  /**
   * A multipart body larger than {@link MAX_BODY_BYTES} is accepted up to this many bytes: it is
   * parsed from the request stream, which is cut off (413) the moment it passes the bound, instead
   * of being read whole first. A JSON body keeps the usual limit.
   */
  uploadLimit?: number;
  /**
   * A raw route answers the request itself, outside the pipeline ({@link rawRoute}): no credential,
   * no JSON parsing or input cleaning, no idempotency record.
   */
  raw?: RawAnswer;
}

/**
 * A route is its operationId and its code: method, path, request schemas, auth, scope, success
 * status and extra limit are the contract's. Pass the handler, or `{ handler, status?, multipart? }`.
 * Throws (at import, so in every test) when the code does not fit the contract's declaration.
 */
export function route<Id extends OperationId>(operationId: Id, code: Handler<Id> | RouteOptions<Id>): RouteSpec {
  const contract: Contract<OperationId> | undefined = operations[operationId];
  if (!contract) throw new Error(`route(${operationId}): no such operation in the contract`);
  const options = (typeof code === "function" ? { handler: code } : code) as { handler: RouteSpec["handler"]; status?: RouteSpec["status"]; multipart?: MultipartHandler; uploadLimit?: number };
  const statuses: readonly number[] = contract.successStatuses;
  if (statuses.length !== 1 && !options.status) throw new Error(`route(${operationId}): the contract declares ${statuses.join(" | ")}; pass status`);
  if (contract.multipart !== (options.multipart !== undefined)) {
    throw new Error(`route(${operationId}): the contract ${contract.multipart ? "accepts" : "does not accept"} multipart/form-data`);
  }
  const choose = options.status;
  return {
    operationId,
    method: contract.method,
    path: contract.path,
    auth: contract.auth,
    extraLimit: contract.rateLimit ?? undefined,
    schemas: contract.schemas as RequestSchemas,
    status: choose
      ? (input, value) => {
          const status = choose(input, value);
          if (!statuses.includes(status)) throw new Error(`${operationId} answered ${status}, which the contract does not declare`);
          return status;
        }
      : () => statuses[0]!,
    handler: options.handler,
    multipart: options.multipart,
    uploadLimit: options.uploadLimit,
  };
}

/**
 * A raw route's code. `limited` is its extra limit's count (the contract's, e.g. per IP), already
 * under way: null once admitted, else the 429 to send. The code may do its own reads meanwhile but
 * must await it before doing anything that only an admitted request may do (recording a click);
 * whatever it answers, a refused request is answered the 429 ({@link mount}).
 */
export type RawAnswer = (c: Context<GatewayContext>, limited: Promise<Response | null>) => Promise<Response>;

/**
 * A contract operation whose code reads the request itself, for a body that must reach its handler
 * byte for byte: Stripe's events, whose `Stripe-Signature` covers the exact bytes sent, so the
 * pipeline's parsing and string cleaning would break it. Method, path and auth are still the
 * contract's, so the route cannot drift from its declaration; since nothing authenticates a raw
 * route, only a public operation may be one (throws at import otherwise).
 */
export function rawRoute<Id extends OperationId>(operationId: Id, answer: RawAnswer): RouteSpec {
  const contract: Contract<OperationId> | undefined = operations[operationId];
  if (!contract) throw new Error(`rawRoute(${operationId}): no such operation in the contract`);
  if (contract.auth.kind !== "public") throw new Error(`rawRoute(${operationId}): only a public operation may read its own request (this one is ${contract.auth.kind})`);
  if (contract.multipart) throw new Error(`rawRoute(${operationId}): the contract accepts multipart/form-data, which a raw route does not parse`);
  return {
    operationId,
    method: contract.method,
    path: contract.path,
    auth: contract.auth,
    extraLimit: contract.rateLimit ?? undefined,
    schemas: {},
    status: () => contract.successStatuses[0]!,
    handler: async () => {
      throw new Error(`${operationId} is a raw route: mount() hands the request to its own code`);
    },
    raw: answer,
  };
}

/** JSON is `application/json`, optionally with `charset=utf-8` (any case); nothing else is parsed as JSON. */
export const isJson = (contentType: string | undefined) => !!contentType && /^application\/json\s*(;\s*charset\s*=\s*("utf-8"|utf-8)\s*)?$/i.test(contentType);
const isMultipartType = (contentType: string | undefined) => !!contentType && /^multipart\/form-data\s*(;|$)/i.test(contentType);
/** A multipart body can only be split on its boundary, so the media type must carry one. */
const hasBoundary = (contentType: string) => /;\s*boundary\s*=\s*("[^"]+"|[^\s;]+)/i.test(contentType);

/** The request body, read once: its bytes feed the idempotency fingerprint, then parsing. */
interface RawBody {
  bytes: Uint8Array;
  /** The UTF-8 text of a JSON body ("" when there is none). */
  text: string;
  multipart: boolean;
}

const NO_BODY: RawBody = { bytes: new Uint8Array(0), text: "", multipart: false };

/** Read the body once, enforcing its size and media type; an error response when it breaks either. */
async function readBody(c: Context<GatewayContext>, acceptsMultipart: boolean): Promise<RawBody | Response> {
  if (c.req.method === "GET" || c.req.method === "HEAD") return NO_BODY;
  const tooLarge = () => errorResponse(c, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, { rule: "max_body_bytes", limit: MAX_BODY_BYTES });
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const bytes = await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  if (!bytes) return tooLarge();
  if (bytes.byteLength === 0) return NO_BODY;
  const contentType = c.req.header("content-type");
  if (acceptsMultipart && isMultipartType(contentType)) {
    if (!hasBoundary(contentType!)) {
      return errorResponse(c, "unsupported_media_type", "multipart/form-data needs its boundary: send Content-Type: multipart/form-data; boundary=…", { field: "Content-Type", rule: "boundary" });
    }
    return { bytes, text: "", multipart: true };
  }
  if (!isJson(contentType)) {
    const accepted = acceptsMultipart ? "application/json (charset utf-8) or multipart/form-data" : "application/json (charset utf-8)";
    return errorResponse(c, "unsupported_media_type", `Request bodies must be ${accepted}`, { field: "Content-Type", rule: "media_type" });
  }
  try {
    return { bytes, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), multipart: false };
  } catch {
    return errorResponse(c, "validation_failed", "Request body is not valid UTF-8", { field: "body", rule: "encoding" });
  }
}

/**
 * A multipart upload parsed from the request stream, bounded at `max` bytes: a declared length over
 * it is refused unread, and a longer stream is cancelled where it passes the bound. The parts
 * (files included) are held once, by the parser; the raw body is never buffered beside them.
 */
async function readBoundedForm(c: Context<GatewayContext>, max: number): Promise<FormData | Response> {
  const tooLarge = () => errorResponse(c, "payload_too_large", `Uploads are limited to ${max} bytes with their multipart framing`, { limit: max });
  if (Number(c.req.header("content-length") ?? "0") > max) return tooLarge();
  let seen = 0;
  let over = false;
  const bounded = (c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() })).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) {
          over = true;
          // Erroring the pipe cancels the request body: the rest is never read.
          controller.error(new Error("upload over its limit"));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await new Request(c.req.url, { method: "POST", headers: { "content-type": c.req.header("content-type")! }, body: bounded }).formData();
  } catch {
    if (over) return tooLarge();
    return errorResponse(c, "validation_failed", "Request body is not valid multipart/form-data", { field: "body", rule: "multipart" });
  }
}

async function readForm(c: Context<GatewayContext>, body: RawBody): Promise<FormData | Response> {
  try {
    return await new Request(c.req.url, { method: "POST", headers: { "content-type": c.req.header("content-type")! }, body: body.bytes }).formData();
  } catch {
    return errorResponse(c, "validation_failed", "Request body is not valid multipart/form-data", { field: "body", rule: "multipart" });
  }
}

/**
 * What a multipart body means, as bytes to fingerprint: each part's name and value (a file by its
 * name, type and SHA-256), in order. The boundary and the rest of the framing are left out, because
 * a client retrying an upload builds a new boundary: the retry must replay, not answer 422.
 */
async function formFingerprint(form: FormData): Promise<Uint8Array> {
  const parts: unknown[] = [];
  for (const [name, value] of form.entries()) {
    const entry = value as unknown as string | File;
    if (typeof entry === "string") parts.push([name, entry]);
    else parts.push([name, entry.name, entry.type, await sha256Hex(new Uint8Array(await entry.arrayBuffer()))]);
  }
  return new TextEncoder().encode(JSON.stringify(parts));
}

/** Parse the body as JSON and validate every request part against the contract's schemas. */
const isEmptyObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

function validateRequest(c: Context<GatewayContext>, spec: RouteSpec, raw: string, skipBody = false): RequestInput<RequestSchemas> | Response {
  let body: unknown;
  if (raw !== "") {
    try {
      body = JSON.parse(raw);
    } catch {
      return errorResponse(c, "validation_failed", "Request body is not valid JSON", { field: "body", rule: "json" });
    }
    // An operation without a body takes none: as with an unknown field, anything sent is refused
    // rather than ignored, and that refusal comes first (what is in the body is beside the point).
    // An empty object names no field, so a client that always sends `{}` works.
    if (!spec.schemas.body && !skipBody) {
      if (!isEmptyObject(body)) {
        return errorResponse(c, "validation_failed", `${spec.method.toUpperCase()} ${spec.path} takes no request body`, { field: "body", rule: "no_body" });
      }
      body = undefined;
    } else {
      // The platform's string rules (#shared/input) come before the contract's: strings are trimmed,
      // a blank one is missing (so a blank required field is `required`), controls and bidi overrides refused.
      const cleaned = cleanInput(body);
      if (cleaned.issues.length) return appErrorResponse(c, inputError(cleaned.issues));
      body = cleaned.value;
    }
  }
  // Each part is read only when the operation has a schema for it.
  const read = {
    path: () => c.req.param() as Record<string, string>,
    query: () => typedQuery(spec.operationId, new URL(c.req.url)),
    body: () => body,
  };
  const input: Record<string, unknown> = { body: undefined, query: undefined, path: undefined };
  for (const part of ["path", "query", "body"] as const) {
    const schema = spec.schemas[part];
    if (!schema || (part === "body" && skipBody)) continue;
    const value = read[part]();
    const parsed = schema.safeParse(value);
    if (!parsed.success) return appErrorResponse(c, toValidationError(part, parsed.error, value));
    input[part] = parsed.data;
  }
  return input as RequestInput<RequestSchemas>;
}

function respond(c: Context<GatewayContext>, result: Result<unknown>, status: number): Response {
  if (!result.ok) return appErrorResponse(c, result.error);
  if (status === 204) return c.body(null, 204);
  return c.json(result.value as object, status as 200);
}

/**
 * Mount a route with the gateway's pipeline: authenticate → rate limit → scope → api_calls → body checks →
 * idempotency → contract validation → RPC → envelope. (The rate limit runs before the scope
 * check so that every authenticated answer, a 403 included, carries the X-RateLimit headers.)
 */
export function mount(app: Hono<GatewayContext>, spec: RouteSpec): void {
  if (spec.raw) {
    const raw = spec.raw;
    const extra = spec.extraLimit;
    const admitted = Promise.resolve(null);
    // A raw route's extra limit (a public one, per IP: the referral links) is counted while its code
    // does its reads, so the answer waits for the slower of the two rather than for both in turn;
    // the code records nothing before the count admits it, and a refused request gets the 429.
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      if (!extra) return raw(c, admitted);
      const limited = enforceRateLimits(c, null, extra);
      // Awaited below; marked handled so that code throwing first leaves no stray rejection.
      limited.catch(() => undefined);
      const answer = await raw(c, limited);
      return (await limited) ?? answer;
    });
    return;
  }
  app.on(spec.method.toUpperCase(), spec.path, async (c) => {
    let principal: Principal | null = null;
    let tierDecision: RateLimitDecision | undefined;
    const credential = spec.auth.kind === "credential" || spec.auth.kind === "insured";
    if (credential) {
      // A partner JWT is taken only where the contract says so (`partnerToken`), and only for its own partner.
      const auth = spec.auth.kind === "insured" ? await authenticateInsured(c) : await authenticate(c, spec.auth.partnerToken === true);
      if (!auth.ok) return appErrorResponse(c, auth.error);
      ({ principal, tierDecision } = auth.value);
    }
    const limited = await enforceRateLimits(c, principal, spec.extraLimit, tierDecision);
    if (limited) return limited;

    if (credential && principal) {
      const { scope, systemOnly, orgOptional } = spec.auth;
      if (systemOnly && principal.kind !== "system") {
        return errorResponse(c, "insufficient_scope", `${spec.method.toUpperCase()} ${spec.path} requires the API secret`, { requiredScope: "system" });
      }
      if (scope && !hasScope(principal.scopes, scope)) {
        return errorResponse(c, "insufficient_scope", `This credential lacks the scope ${scope}`, { requiredScope: scope });
      }
      if (principal.kind === "system" && !principal.orgId && !orgOptional) {
        return errorResponse(c, "validation_failed", "The API secret acts in the org named by the X-Org-Id header (or ?orgId=)", { field: "X-Org-Id", rule: "required" });
      }
      if (principal.kind === "system" && principal.orgId) {
        const org = await c.env.IDENTITY.getOrg(principal, principal.orgId);
        if (!org.ok) return appErrorResponse(c, org.error);
      }
      // Every authorized request of an org counts its api_calls (batched per isolate; an MCP tool
      // call counted as its /mcp request); past the plan's limit the answer is 403.
      if (!dispatchedByMcp(c.req.raw)) {
        const refused = await meterApiCall(c, principal);
        if (refused) return refused;
      }
    }

    const multipart = credential ? spec.multipart : undefined;
    const contentType = c.req.header("content-type");
    // An upload route's multipart body is parsed from the stream under its own bound; the rest
    // (JSON, or any other route's multipart) is read whole under MAX_BODY_BYTES first.
    const upload = multipart !== undefined && spec.uploadLimit !== undefined && isMultipartType(contentType) && hasBoundary(contentType!);
    const body = upload ? { ...NO_BODY, multipart: true } : await readBody(c, multipart !== undefined);
    if (body instanceof Response) return body;

    // A multipart body is parsed up front: its idempotency fingerprint is of the parts, not the bytes.
    const form = upload ? await readBoundedForm(c, spec.uploadLimit!) : body.multipart ? await readForm(c, body) : null;
    if (form instanceof Response) return form;

    const run = async (): Promise<Response> => {
      const input = validateRequest(c, spec, body.text, body.multipart);
      if (input instanceof Response) return input;
      const actor = principal ? await withProducerBook(c, await withSandboxClock(c, principal)) : null;
      // The rules that need the caller's today (coverage dates) or a field's meaning (money, years,
      // a deductible below its limit), on the org's clock.
      const sent = (input as { body?: unknown }).body;
      if (sent !== undefined) {
        const issues = checkInputRules(sent, clockOf(actor ?? {}).today());
        if (issues.length) return appErrorResponse(c, inputError(issues));
      }
      if (form && multipart) {
        const uploaded = await multipart({ env: c.env, principal: actor!, form, c });
        return respond(c, uploaded, uploaded.ok ? spec.status(input, uploaded.value) : 0);
      }
      const args = { env: c.env, input, c };
      const result = credential ? await spec.handler({ ...args, principal: actor! }) : await spec.handler(args);
      // A handler that streams bytes (a document download) answers with its own Response.
      if (result.ok && result.value instanceof Response) return result.value;
      // The status is chosen only for a success (an error's comes from its code).
      return respond(c, result, result.ok ? spec.status(input, result.value) : 0);
    };
    if (!principal || spec.method === "get") return run();
    const keyed = c.req.header("idempotency-key") !== undefined;
    return withIdempotency(c, principal, form && keyed ? await formFingerprint(form) : body.bytes, run);
  });
}
