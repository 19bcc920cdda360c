/**
 * Feature flags in the producers worker: the committed catalogue, evaluation and override
 * precedence, the type check of a write for every type, unknown keys, reverting, the org_admin-only
 * write scope, tenancy, and the FlagStore object as the one cache (a write is read at once, memory
 * and D1 agree after racing writes).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ROLE_SCOPES, SCOPE_PRESETS } from "#shared/auth";
import { definitionOf, FLAG_KEYS, FLAGS, flagValueIssue, MAX_JSON_FLAG_BYTES, type FlagDefinition } from "#shared/flags.catalogue";
import { readFlags } from "#shared/flags";
import { evaluateFlag, evaluateFlags } from "../../workers/producers/src/flags.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { producersInternal, producersRpc } from "./harness.ts";

const flagRows = (orgId: string) =>
  env.PRODUCERS_DB.prepare("SELECT id, key, value, updated_by FROM flag_overrides WHERE org_id = ? ORDER BY key").bind(orgId).all<{ id: string; key: string; value: string; updated_by: string }>();

describe("the flag catalogue", () => {
  it("holds the platform's flags with their types, and every default fits its own flag", () => {
    expect(Object.fromEntries(FLAG_KEYS.map((k) => [k, FLAGS[k].type]))).toMatchObject({
      "underwriting.auto_bind_max_premium": "number",
      "documents.ai_classification": "boolean",
      "documents.ai_model": "string",
      "portal.enabled": "boolean",
      "billing.autopay_retry": "boolean",
    });
    for (const key of FLAG_KEYS) {
      const d = definitionOf(key);
      expect(key, key).toMatch(/^[a-z]+\.[a-z][a-z0-9_]*$/);
      expect(d.description.length, key).toBeGreaterThan(20);
      expect(flagValueIssue(d, d.defaultValue), key).toBeNull();
    }
  });

  it("evaluates every flag to its default without an override, and to the org's value with one", () => {
    const defaults = evaluateFlags([]);
    expect(defaults.map((f) => f.key)).toEqual(FLAG_KEYS);
    for (const f of defaults) {
      expect(f).toMatchObject({ source: "default", value: definitionOf(f.key).defaultValue, overrideId: null, updatedAt: null, updatedBy: null });
      expect(f.reason).toContain("global default");
    }
    const row = { id: "flg_01JABCDEFGHJKMNPQRSTVWXYZ0", orgId: "org_x", key: "documents.ai_classification", value: true, updatedBy: "usr_admin", createdAt: "2026-12-01T10:00:00.000Z", updatedAt: "2026-12-02T10:00:00.000Z" };
    const evaluated = evaluateFlags([row, { ...row, id: "flg_01JABCDEFGHJKMNPQRSTVWXYZ1", key: "retired.flag", value: 3 }]);
    expect(evaluated).toHaveLength(FLAG_KEYS.length);
    expect(evaluated.find((f) => f.key === "documents.ai_classification")).toMatchObject({
      value: true,
      defaultValue: false,
      source: "org",
      reason: "Set for the org by usr_admin at 2026-12-02T10:00:00.000Z.",
      overrideId: row.id,
      updatedBy: "usr_admin",
    });
  });

  it("ignores, and says so, an override the catalogue no longer accepts", () => {
    const stale = { id: "flg_01JABCDEFGHJKMNPQRSTVWXYZ2", value: "yes", updatedBy: "usr_admin", updatedAt: "2026-12-02T10:00:00.000Z" };
    const f = evaluateFlag("portal.enabled", stale);
    expect(f).toMatchObject({ value: true, source: "default", overrideId: null });
    expect(f.reason).toContain("no longer fits the flag's boolean type");
  });
});

describe("a flag's value is checked against its type and rule", () => {
  const json: FlagDefinition<"json"> = { type: "json", defaultValue: {}, description: "a json flag" };
  const string: FlagDefinition<"string"> = { type: "string", defaultValue: "", description: "a string flag" };
  const number: FlagDefinition<"number"> = { type: "number", defaultValue: 0, description: "a number flag" };
  const boolean: FlagDefinition<"boolean"> = { type: "boolean", defaultValue: false, description: "a boolean flag" };
  const deep = { a: { b: { c: { d: { e: 1 } } } } };

  it.each([
    ["boolean", boolean, true, null],
    ["boolean given a string", boolean, "true", "type"],
    ["boolean given 1", boolean, 1, "type"],
    ["number", number, 12.5, null],
    ["number given a string", number, "12", "type"],
    ["number given NaN", number, Number.NaN, "type"],
    ["string", string, "on", null],
    ["string given a number", string, 5, "type"],
    ["string over 500 characters", string, "x".repeat(501), "max_length"],
    ["json object", json, { lines: ["GL", "CA"], limit: 3, on: true }, null],
    ["json array", json, [1, "two", { three: 3 }], null],
    ["json scalar", json, "plain", null],
    ["json null", json, null, "type"],
    ["json nested five deep", json, deep, "type"],
    ["json nested four deep", json, deep.a, null],
    ["json over 8 KiB", json, { big: "x".repeat(MAX_JSON_FLAG_BYTES) }, "max_size"],
    ["any type, missing", boolean, undefined, "required"],
  ])("%s", (_name, definition, value, rule) => {
    const issue = flagValueIssue(definition as FlagDefinition, value);
    if (rule === null) expect(issue).toBeNull();
    else expect(issue?.rule).toBe(rule);
  });
});

describe("flags through the producers worker", () => {
  it("lists every flag for the org; a PUT wins over the default for that org only, and DELETE reverts", async () => {
    const p = newPrincipal();
    const other = newPrincipal();
    const listed = unwrap(await producersRpc.listFlags(p)).data;
    expect(listed.map((f) => f.key)).toEqual(FLAG_KEYS);
    expect(listed.every((f) => f.source === "default")).toBe(true);

    const set = unwrap(await producersRpc.setFlag(p, "underwriting.auto_bind_max_premium", 25_000));
    expect(set).toMatchObject({ key: "underwriting.auto_bind_max_premium", type: "number", value: 25_000, defaultValue: 1_000_000_000, source: "org", updatedBy: p.actorId });
    expect(set.overrideId).toMatch(/^flg_/);
    expect(unwrap(await producersRpc.getFlag(p, "underwriting.auto_bind_max_premium"))).toEqual(set);
    // Stored once per org and key, as JSON.
    expect((await flagRows(p.orgId)).results).toEqual([{ id: set.overrideId, key: "underwriting.auto_bind_max_premium", value: "25000", updated_by: p.actorId }]);

    // Another org is untouched (tenancy), in the list, the single read and the internal evaluation.
    expect(unwrap(await producersRpc.getFlag(other, "underwriting.auto_bind_max_premium"))).toMatchObject({ value: 1_000_000_000, source: "default" });
    expect(unwrap(await producersInternal.flags(other.orgId)).find((f) => f.key === "underwriting.auto_bind_max_premium")).toMatchObject({ source: "default" });
    expect((await flagRows(other.orgId)).results).toEqual([]);

    // A second write replaces the value and keeps the override's id.
    const again = unwrap(await producersRpc.setFlag(p, "underwriting.auto_bind_max_premium", 30_000.5));
    expect(again).toMatchObject({ value: 30_000.5, overrideId: set.overrideId });

    const reverted = unwrap(await producersRpc.deleteFlag(p, "underwriting.auto_bind_max_premium"));
    expect(reverted).toMatchObject({ value: 1_000_000_000, source: "default", overrideId: null });
    expect(unwrap(await producersRpc.getFlag(p, "underwriting.auto_bind_max_premium"))).toEqual(reverted);
    expect((await flagRows(p.orgId)).results).toEqual([]);
    // Reverting a flag that has no override is not an error.
    expect(unwrap(await producersRpc.deleteFlag(p, "underwriting.auto_bind_max_premium"))).toEqual(reverted);
  });

  it.each([
    ["documents.ai_classification", "true", "type"],
    ["portal.enabled", 0, "type"],
    ["underwriting.auto_bind_max_premium", "25000", "type"],
    ["underwriting.auto_bind_max_premium", 100.125, "money_precision"],
    ["underwriting.auto_bind_max_premium", -1, "money_negative"],
    ["underwriting.auto_bind_max_premium", 1_000_000_000.01, "money_max"],
    ["documents.ai_model", 7, "type"],
    ["documents.ai_model", "gpt-4", "format"],
  ])("refuses %s = %j with 400 naming value (%s), storing nothing", async (key, value, rule) => {
    const p = newPrincipal();
    const error = errorOf(await producersRpc.setFlag(p, key, value));
    expect(error).toMatchObject({ code: "validation_failed", details: { field: "value", rule } });
    expect(error.message).toContain(key);
    expect((await flagRows(p.orgId)).results).toEqual([]);
  });

  it("answers 404 for a key outside the catalogue, on every method", async () => {
    const p = newPrincipal();
    for (const error of [
      errorOf(await producersRpc.getFlag(p, "underwriting.nope")),
      errorOf(await producersRpc.setFlag(p, "underwriting.nope", true)),
      errorOf(await producersRpc.deleteFlag(p, "underwriting.nope")),
      errorOf(await producersRpc.getFlag(p, "__proto__")),
    ]) {
      expect(error.code).toBe("not_found");
    }
  });

  it("writes only with flags:write, which of the roles only org_admin holds", async () => {
    expect(Object.entries(ROLE_SCOPES).filter(([, scopes]) => scopes.includes("*") || scopes.includes("flags:write")).map(([role]) => role)).toEqual(["org_admin"]);
    expect(Object.entries(SCOPE_PRESETS).filter(([, scopes]) => (scopes as readonly string[]).some((s) => s === "*" || s === "flags:write")).map(([preset]) => preset)).toEqual(["full_access"]);
    const admin = newPrincipal();
    for (const [role, scopes] of Object.entries(ROLE_SCOPES).filter(([role]) => role !== "org_admin")) {
      const p = newPrincipal(admin.orgId, { kind: "user", role: role as never, scopes: [...scopes], actorId: `usr_${role}`, credentialId: `jwt:usr_${role}` });
      expect(errorOf(await producersRpc.setFlag(p, "portal.enabled", false)), role).toMatchObject({ code: "insufficient_scope", details: { requiredScope: "flags:write" } });
      expect(errorOf(await producersRpc.deleteFlag(p, "portal.enabled")).code, role).toBe("insufficient_scope");
    }
    expect((await flagRows(admin.orgId)).results).toEqual([]);
    const orgAdmin = newPrincipal(admin.orgId, { kind: "user", role: "org_admin", scopes: [...ROLE_SCOPES.org_admin] });
    expect(unwrap(await producersRpc.setFlag(orgAdmin, "portal.enabled", false))).toMatchObject({ value: false, source: "org" });
  });

  it("is read by #shared/flags with each flag typed, from the internal entrypoint", async () => {
    const p = newPrincipal();
    unwrap(await producersRpc.setFlag(p, "documents.ai_model", "@cf/mistral/mistral-7b-instruct-v0.1"));
    const flags = await readFlags(producersInternal, p.orgId);
    expect(flags.get("documents.ai_model")).toBe("@cf/mistral/mistral-7b-instruct-v0.1");
    expect(flags.get("billing.autopay_retry")).toBe(true);
    expect(flags.explain("documents.ai_model").source).toBe("org");
  });
});

describe("the FlagStore object: the one cache", () => {
  it("answers a write on the very next read, and memory agrees with D1 after racing writes", async () => {
    const p = newPrincipal();
    const read = async () => unwrap(await producersInternal.flags(p.orgId)).find((f) => f.key === "underwriting.auto_bind_max_premium")!;
    expect((await read()).source).toBe("default"); // loads (and caches) the org's overrides
    unwrap(await producersRpc.setFlag(p, "underwriting.auto_bind_max_premium", 500));
    expect((await read()).value).toBe(500);

    const values = Array.from({ length: 8 }, (_, i) => 1_000 + i);
    await Promise.all(values.map((v) => producersRpc.setFlag(p, "underwriting.auto_bind_max_premium", v)));
    const stored = (await flagRows(p.orgId)).results;
    expect(stored).toHaveLength(1);
    expect((await read()).value).toBe(JSON.parse(stored[0]!.value));

    await producersRpc.deleteFlag(p, "underwriting.auto_bind_max_premium");
    expect((await read()).source).toBe("default");
  });
});
