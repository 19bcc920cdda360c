/**
 * Every operation declares, in TypeSpec, who may call it and what it can answer, and the gateway's
 * view of it (typespec/generated/operations.ts) is exactly the contract's:
 * - a summary, `x-openinsure-auth` (and any `x-openinsure-rate-limit`), written into its description
 *   so /docs shows integrators the scope and limit;
 * - the error responses the gateway's pipeline can really produce for it, and no 429 where nothing
 *   is counted;
 * - `X-Request-ID` on every response, the `X-RateLimit-*` headers where the request is counted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accessText, GENERATED_DIR, listOperations, type OperationAuth, type OperationRateLimit } from "../../scripts/gen-contract.ts";
import { operations } from "../../typespec/generated/operations.ts";
import { ALL_SCOPES } from "../../workers/_shared/auth.ts";

interface Header {
  required?: boolean;
}
interface Response {
  headers?: Record<string, Header>;
}

const doc = JSON.parse(readFileSync(join(GENERATED_DIR, "openapi.json"), "utf8")) as Record<string, unknown>;
const all = listOperations(doc).map(({ method, path, op }) => ({
  method,
  path,
  op: op as typeof op & { summary?: string; responses: Record<string, Response> },
  id: op.operationId!,
  auth: op["x-openinsure-auth"] as OperationAuth,
  limit: op["x-openinsure-rate-limit"] as OperationRateLimit | undefined,
}));

/** Whether the request is counted before the operation answers (so its answers carry X-RateLimit-*). */
const metered = (o: (typeof all)[number]) => o.auth.kind === "credential" || o.auth.kind === "insured" || o.limit !== undefined;

describe("operation declarations", () => {
  it("every operation has a summary and declares its access", () => {
    expect(all.length).toBeGreaterThan(50);
    for (const o of all) {
      expect(o.op.summary, o.id).toMatch(/^[A-Z].{2,60}[^.]$/);
      // Shared routes (JSON and multipart forms of one operation) must not join two summaries.
      expect(o.op.summary, o.id).not.toMatch(/^(.+) \1$/);
      expect(["public", "session", "credential", "insured"], o.id).toContain(o.auth?.kind);
    }
  });

  it("a credential operation names one of the platform's scopes, unless any credential (or only the API secret) will do", () => {
    const unscoped = all.filter((o) => o.auth.kind === "credential" && !o.auth.scope).map((o) => o.id).sort();
    // The MCP facade lists and calls tools for any credential; each tool call is its operation's own scope check.
    expect(unscoped).toEqual(["callMcpTool", "getMcpServer", "listMcpServerTools", "listMcpServers", "listSandboxEmails", "listSandboxPush", "readMcpResource", "validateApiKey"]);
    for (const o of all.filter((o) => o.auth.scope)) expect(ALL_SCOPES as readonly string[], o.id).toContain(o.auth.scope);
    expect(all.filter((o) => o.auth.systemOnly).map((o) => o.id).sort()).toEqual(["createOrg", "createWorkspace", "deleteWorkspace", "getWorkspace", "listSandboxEmails", "listSandboxPush", "listWorkspaces", "purgeWorkspace", "reconcileWorkspaceUsage", "updateWorkspace"]);
  });

  it("shows integrators the access rules in the description /docs renders", () => {
    for (const o of all) {
      expect(o.op.description, o.id).toContain(accessText(o.auth, o.limit));
      if (o.auth.scope) expect(o.op.description, o.id).toContain(`\`${o.auth.scope}\``);
    }
    const signup = all.find((o) => o.id === "signup")!;
    expect(signup.limit).toEqual({ per: "ip", name: "signup", limit: 5, windowSeconds: 3600 });
    expect(signup.op.description).toContain("5 requests per hour per client IP");
  });

  it("declares the errors the gateway's pipeline can answer, and a 429 only where a request is counted", () => {
    for (const o of all) {
      const statuses = Object.keys(o.op.responses);
      const write = o.method !== "get";
      const expected = ["500"];
      if (o.auth.kind === "credential") expected.push("400", "401", "403", "404", "429");
      if (o.auth.kind === "credential" && write) expected.push("409", "413", "415", "422");
      if (o.auth.kind === "insured") expected.push("400", "401", "404", "429");
      if (o.auth.kind === "insured" && write) expected.push("409", "413", "415", "422");
      if ((o.auth.kind === "public" || o.auth.kind === "session") && write) expected.push("400", "413", "415");
      if (o.auth.kind === "session") expected.push("401");
      if (o.limit) expected.push("429");
      for (const s of expected) expect(statuses, `${o.id} ${s}`).toContain(s);
      if (!metered(o)) expect(statuses, o.id).not.toContain("429");
    }
  });

  it("sends X-Request-ID on every response, X-RateLimit-* where counted, Retry-After on 429", () => {
    for (const o of all) {
      for (const [status, response] of Object.entries(o.op.responses)) {
        const label = `${o.id} ${status}`;
        expect(response.headers?.["X-Request-ID"]?.required, label).toBe(true);
        const limits = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];
        if (status.startsWith("2")) {
          for (const h of limits) expect(response.headers?.[h]?.required ?? false, `${label} ${h}`).toBe(metered(o));
        }
        if (status === "429") {
          for (const h of [...limits, "Retry-After"]) expect(response.headers?.[h]?.required, `${label} ${h}`).toBe(true);
        }
        // A 401 comes before any counting; a 500 may come from anywhere.
        if (status === "401" || status === "500") for (const h of limits) expect(response.headers, `${label} ${h}`).not.toHaveProperty(h);
      }
    }
  });
});

describe("typespec/generated/operations.ts", () => {
  it("holds exactly the contract's operations", () => {
    expect(Object.keys(operations).sort()).toEqual(all.map((o) => o.id).sort());
  });

  it("gives each its method, Hono path, auth, limit, success statuses and request schemas", () => {
    for (const o of all) {
      const meta = operations[o.id as keyof typeof operations];
      expect(meta.method, o.id).toBe(o.method);
      // A parameter marked x-openinsure-greedy matches the rest of the path, slashes included.
      const greedy = new Set((o.op.parameters ?? []).filter((p: { "x-openinsure-greedy"?: boolean }) => p["x-openinsure-greedy"]).map((p) => p.name));
      expect(meta.path, o.id).toBe(o.path.replace(/\{(\w+)\}/g, (_: string, name: string) => (greedy.has(name) ? `:${name}{.+}` : `:${name}`)));
      expect(meta.auth, o.id).toEqual({ kind: o.auth.kind, scope: o.auth.scope ?? null, systemOnly: !!o.auth.systemOnly, orgOptional: !!o.auth.orgOptional, ...(o.auth.partnerToken ? { partnerToken: true } : {}) });
      expect(meta.rateLimit, o.id).toEqual(o.limit ?? null);
      expect([...meta.successStatuses].map(String), o.id).toEqual(Object.keys(o.op.responses).filter((s) => s.startsWith("2")).sort());
      const params = new Set((o.op.parameters ?? []).map((p) => p.in ?? (p.$ref?.includes("ListQuery") ? "query" : p.$ref?.includes("IdempotencyKey") ? "header" : "?")));
      expect("path" in meta.schemas, `${o.id} path`).toBe(params.has("path"));
      expect("query" in meta.schemas, `${o.id} query`).toBe(params.has("query"));
      // The zod body schema is the JSON body's: a multipart-only operation (ingestDocument) has none.
      expect("body" in meta.schemas, `${o.id} body`).toBe(!!(o.op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.["application/json"]);
    }
  });

  it("validates with the contract's zod schemas: an optional body accepts nothing, a required one does not", () => {
    expect(operations.createQuote.schemas.body.safeParse(undefined).success).toBe(true);
    expect(operations.createSubmission.schemas.body.safeParse(undefined).success).toBe(false);
    expect(operations.listPolicies.schemas.query.safeParse({ limit: 500 }).success).toBe(false);
    expect(operations.createSubmission.multipart).toBe(true);
    // 201 the policy, 200 a preview, 202 a bind held for a referral (the auto-bind premium limit).
    expect(operations.bindSubmission.successStatuses).toEqual([200, 201, 202]);
  });
});
