import { openApiDocument } from "../http/contract.ts";
import { forwardedHeaders, type Dispatch } from "./dispatch.ts";

/** The URI scheme of the platform's MCP resources. */
export const RESOURCE_SCHEME = "openinsure://";

/** The resources an agent can read, as MCP lists them (templates take a policy id). */
export const RESOURCE_TEMPLATES = [
  {
    uriTemplate: "openinsure://policies/{id}",
    name: "policy",
    title: "A policy",
    description: "A policy of the caller's org as GET /v1/policies/{id} answers it: coverage, premium, status, transactions and documents.",
    mimeType: "application/json",
  },
  {
    uriTemplate: "openinsure://policies/{id}/documents",
    name: "policy-documents",
    title: "A policy's documents",
    description: "The documents issued for a policy (declarations, certificates, invoices), each with its document id for GET /v1/documents/{id}.",
    mimeType: "application/json",
  },
] as const;

export const STATIC_RESOURCES = [
  {
    uri: "openinsure://events/catalogue",
    name: "event-catalogue",
    title: "The event catalogue",
    description: "Every event type the platform emits (webhooks and GET /v1/events), with what it means and the JSON Schema of its data.",
    mimeType: "application/json",
  },
] as const;

/** What reading a resource gave: its JSON, or the platform's error as the operation answered it. */
export type ResourceRead = { ok: true; uri: string; contents: unknown } | { ok: false; status: number; body: unknown };

type Schemas = Record<string, { description?: string; properties?: Record<string, { enum?: string[]; $ref?: string }>; oneOf?: { $ref: string }[] }>;

/** The event catalogue, derived from the contract's `Event` union so it lists what the API documents. */
function eventCatalogue(): unknown {
  const schemas = ((openApiDocument.components ?? {}) as { schemas?: Schemas }).schemas ?? {};
  const events = (schemas.Event?.oneOf ?? []).map(({ $ref }) => {
    const schema = schemas[$ref.split("/").pop()!]!;
    const data = schema.properties?.data?.$ref?.split("/").pop();
    return { type: schema.properties?.type?.enum?.[0], description: schema.description ?? "", data: data ? schemas[data] : null };
  });
  return { data: events };
}

const POLICY_URI = /^openinsure:\/\/policies\/([^/]+)(\/documents)?$/;

/**
 * Read a resource with the caller's credential: a policy through GET /v1/policies/{id} (the same
 * scope and tenancy; another org's policy is the same 404), the catalogue from the contract.
 */
export async function readResource(dispatch: Dispatch, caller: Request, uri: string): Promise<ResourceRead | null> {
  if (uri === STATIC_RESOURCES[0].uri) return { ok: true, uri, contents: eventCatalogue() };
  const match = uri.match(POLICY_URI);
  if (!match) return null;
  const url = new URL(`/v1/policies/${encodeURIComponent(match[1]!)}`, caller.url);
  const response = await dispatch(new Request(url, { headers: forwardedHeaders(caller) }));
  const body = (await response.json()) as { documents?: unknown };
  if (!response.ok) return { ok: false, status: response.status, body };
  return { ok: true, uri, contents: match[2] ? { data: body.documents ?? [] } : body };
}
