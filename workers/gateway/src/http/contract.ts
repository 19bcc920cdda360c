import openapi from "#contract/openapi.json";

/** The emitted OpenAPI document, served at /openapi.json and read here for query typing. */
export const openApiDocument = openapi as unknown as Record<string, unknown>;

type QueryKind = "integer" | "number" | "boolean" | "array" | "string";

interface ParameterObject {
  name: string;
  in: string;
  schema?: { type?: string | string[]; $ref?: string; anyOf?: unknown[] };
  $ref?: string;
}

/**
 * For each operationId, the JSON type of every query parameter, so that `?limit=10` reaches
 * the generated zod schema as the number 10. Query strings carry only text; the contract
 * says what each parameter is.
 */
const queryKinds: Map<string, Map<string, QueryKind>> = (() => {
  const out = new Map<string, Map<string, QueryKind>>();
  const components = (openApiDocument.components ?? {}) as { parameters?: Record<string, ParameterObject>; schemas?: Record<string, { type?: string }> };
  const paths = (openApiDocument.paths ?? {}) as Record<string, Record<string, { operationId?: string; parameters?: ParameterObject[] }>>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      if (!operation?.operationId) continue;
      const kinds = new Map<string, QueryKind>();
      for (const raw of operation.parameters ?? []) {
        const p = raw.$ref ? components.parameters?.[raw.$ref.split("/").pop()!] : raw;
        if (!p || p.in !== "query") continue;
        let schema = p.schema;
        if (schema?.$ref) schema = components.schemas?.[schema.$ref.split("/").pop()!] as typeof schema;
        const type = Array.isArray(schema?.type) ? schema.type.find((t) => t !== "null") : schema?.type;
        kinds.set(p.name, (["integer", "number", "boolean", "array"].includes(type ?? "") ? type : "string") as QueryKind);
      }
      out.set(operation.operationId, kinds);
    }
  }
  return out;
})();

/** Query parameters of `operationId`, typed per the contract; unknown parameters are dropped. */
export function typedQuery(operationId: string, url: URL): Record<string, unknown> {
  const kinds = queryKinds.get(operationId);
  const out: Record<string, unknown> = {};
  if (!kinds) return out;
  for (const [name, kind] of kinds) {
    const values = url.searchParams.getAll(name);
    if (values.length === 0) continue;
    const value = values[values.length - 1]!;
    switch (kind) {
      case "integer":
      case "number":
        out[name] = value.trim() !== "" && !Number.isNaN(Number(value)) ? Number(value) : value;
        break;
      case "boolean":
        out[name] = value === "true" ? true : value === "false" ? false : value;
        break;
      case "array":
        out[name] = values.flatMap((v) => v.split(","));
        break;
      default:
        out[name] = value;
    }
  }
  return out;
}
