/** The MCP tools are the contract's `x-mcp-tool` operations: derived, not written (workers/gateway/src/mcp). */
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import openapi from "../../typespec/generated/openapi.json" with { type: "json" };
import { PREPARE_SUBMISSION_CHAIN } from "../../workers/gateway/src/mcp/prompts.ts";
import { deriveTools, TOOLS } from "../../workers/gateway/src/mcp/tools.ts";
import { quickstartSubmission } from "../support/submissions.ts";

type Doc = Parameters<typeof deriveTools>[0];
const doc = openapi as unknown as Doc;
const copy = (): Doc => structuredClone(doc);

/** The tools issue 19 asks for at least, by the name each operation's mark gives it. */
const REQUIRED_TOOLS = [
  "search_submissions",
  "get_submission",
  "create_submission",
  "quote_submission",
  "bind_submission",
  "get_policy",
  "get_policy_timeline",
  "endorse_policy",
  "cancel_policy",
  "file_claim",
  "generate_certificate",
  "list_invoices",
  "match_carriers",
  "classify_business",
];

const marked = Object.values(doc.paths).flatMap((item) => Object.values(item).filter((op) => op?.["x-mcp-tool"]));

describe("MCP tools from the contract", () => {
  it("makes exactly one tool of every marked operation, with unique snake_case names", () => {
    expect(TOOLS.map((t) => t.operationId).sort()).toEqual(marked.map((op) => op!.operationId).sort());
    const names = TOOLS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9_]{2,63}$/);
    expect(names).toEqual(expect.arrayContaining(REQUIRED_TOOLS));
  });

  it("gives every write tool an idempotencyKey, and says to preview binds, endorsements and cancellations", () => {
    for (const tool of TOOLS.filter((t) => !t.readOnly)) expect(tool.inputSchema.properties, tool.name).toHaveProperty("idempotencyKey");
    for (const tool of TOOLS.filter((t) => t.readOnly)) expect(tool.inputSchema.properties, tool.name).not.toHaveProperty("idempotencyKey");
    for (const name of ["bind_submission", "endorse_policy", "cancel_policy"]) {
      const tool = TOOLS.find((t) => t.name === name)!;
      expect(tool.inputSchema.properties, name).toHaveProperty("preview");
      expect(tool.description, name).toMatch(/preview/i);
    }
  });

  it("writes self-contained input schemas: every reference resolves inside the tool's own $defs", () => {
    for (const tool of TOOLS) {
      const text = JSON.stringify(tool.inputSchema);
      expect(text, tool.name).not.toContain("#/components/");
      const defs = (tool.inputSchema.$defs ?? {}) as Record<string, unknown>;
      for (const [, name] of text.matchAll(/"#\/\$defs\/([^"]+)"/g)) expect(defs, `${tool.name} → ${name}`).toHaveProperty(name!);
    }
  });

  it("accepts the quickstart submission as create_submission's arguments and refuses a misspelt one", () => {
    const schema = TOOLS.find((t) => t.name === "create_submission")!.inputSchema;
    const validator = new Validator(schema as never, "2020-12", false);
    expect(validator.validate({ body: quickstartSubmission(), idempotencyKey: "k1" }).valid).toBe(true);
    expect(validator.validate({ bdy: quickstartSubmission() }).valid).toBe(false);
    expect(validator.validate({ body: { ...quickstartSubmission(), state: 7 } }).valid).toBe(false);
  });

  it("follows the contract: a changed summary, a new parameter or a removed mark changes the tools", () => {
    const changed = copy();
    const getPolicy = Object.values(changed.paths).flatMap((i) => Object.values(i)).find((op) => op?.operationId === "getPolicy")!;
    getPolicy.summary = "Read one policy of the org";
    getPolicy.parameters = [...(getPolicy.parameters ?? []), { name: "expand", in: "query", required: true, schema: { type: "string", enum: ["documents"] } }];
    const tool = deriveTools(changed).find((t) => t.name === "get_policy")!;
    expect(tool.description).toMatch(/^Read one policy of the org\./);
    expect(tool.inputSchema.properties).toHaveProperty("expand");
    expect(tool.inputSchema.required).toEqual(["id", "expand"]);
    expect(tool.queryParameters).toEqual(["expand"]);

    delete (getPolicy as { "x-mcp-tool"?: unknown })["x-mcp-tool"];
    expect(deriveTools(changed).map((t) => t.name)).not.toContain("get_policy");
  });

  it("chains, in the prepare_submission prompt, tools that exist", () => {
    const names = new Set(TOOLS.map((t) => t.name));
    for (const name of PREPARE_SUBMISSION_CHAIN) expect(names, name).toContain(name);
  });
});
