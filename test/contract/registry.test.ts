/**
 * The registry's static half (workers/registry.ts): the committed configs are what it generates, the
 * gateway is bound to public entrypoints only, no worker imports another worker's code, and a worker
 * added by one entry (the fixture of test/registry/test-registry.ts) is started by dev, bound,
 * deployed in order and given a Vitest project. test/registry/platform.test.ts runs the same fixture
 * through the platform (bound at the gateway, relayed to the webhooks worker's log).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { bindingsSection, handWrittenProblems, syncBindings } from "../../scripts/lib/bindings.ts";
import { deployPlan } from "../../scripts/lib/deploy.ts";
import { devPlan } from "../../scripts/lib/dev-plan.ts";
import { registry, Registry, WORKERS, type WorkerEntry } from "../../workers/registry.ts";
import { FIXTURE_WORKER, testRegistry } from "../registry/test-registry.ts";

const root = resolve(import.meta.dirname, "../..");
const production = registry();
const fixture = testRegistry.get(FIXTURE_WORKER.name);

describe("the committed configs", () => {
  it("hold exactly the bindings the registry generates, production's and the fixture's", () => {
    const reports = [
      ...syncBindings(production, root, false),
      ...syncBindings(testRegistry, root, false, [fixture]),
    ];
    expect(reports.map((r) => r.config)).toEqual([...production.workers.map((w) => w.config), fixture.config]);
    for (const r of reports) {
      expect({ config: r.config, drifted: r.drifted, problems: r.problems }).toEqual({ config: r.config, drifted: false, problems: [] });
    }
  });

  it("bind the gateway to public entrypoints only, and each internal one only to the workers named for it", () => {
    for (const reg of [production, testRegistry]) {
      for (const s of reg.services(reg.gateway)) expect(s.entrypoint).toBe(reg.get(s.worker).entrypoints.public);
      for (const caller of reg.workers) {
        for (const s of reg.services(caller)) {
          const callee = reg.get(s.worker);
          if (s.entrypoint !== callee.entrypoints.internal) continue;
          const named = (caller.calls ?? []).some((c) => c.worker === callee.name && c.entrypoint === "internal") || (caller.consumesEvents && callee.emitsEvents);
          expect({ caller: caller.name, callee: callee.name, named }).toEqual({ caller: caller.name, callee: callee.name, named: true });
        }
      }
    }
    expect(production.services(production.get("webhooks"))).toEqual([
      expect.objectContaining({ binding: "WORKSPACE", entrypoint: "WorkspaceInternal" }),
      expect.objectContaining({ binding: "UNDERWRITING", entrypoint: "UnderwritingInternal" }),
      expect.objectContaining({ binding: "DOCUMENTS", entrypoint: "DocumentsInternal" }),
      expect.objectContaining({ binding: "CLAIMS", entrypoint: "ClaimsInternal" }),
      expect.objectContaining({ binding: "BILLING", entrypoint: "BillingInternal" }),
      expect.objectContaining({ binding: "PRODUCERS", entrypoint: "ProducersInternal" }),
    ]);
    expect(production.services(production.get("claims"))).toEqual([
      expect.objectContaining({ binding: "UNDERWRITING", entrypoint: "UnderwritingInternal" }),
      expect.objectContaining({ binding: "IDENTITY", entrypoint: "IdentityInternal" }),
    ]);
    expect(production.services(production.get("underwriting"))).toEqual([
      expect.objectContaining({ binding: "DEAL_ROOMS", entrypoint: "DealRoomsInternal" }),
      expect.objectContaining({ binding: "DOCUMENTS", entrypoint: "DocumentsInternal" }),
      expect.objectContaining({ binding: "IDENTITY", entrypoint: "IdentityInternal" }),
      expect.objectContaining({ binding: "PRODUCERS", entrypoint: "ProducersInternal" }),
      // The rule studio judges every quote; market calls nobody, so this closes no cycle.
      expect.objectContaining({ binding: "MARKET", entrypoint: "MarketInternal" }),
      expect.objectContaining({ binding: "WORKSPACE", entrypoint: "WorkspaceInternal" }),
    ]);
    expect(production.services(production.get("market"))).toEqual([]);
    // Producers calls only identity (which calls nobody), so underwriting's call to it cannot close a cycle.
    expect(production.services(production.get("producers"))).toEqual([expect.objectContaining({ binding: "IDENTITY", entrypoint: "IdentityInternal" })]);
    // Every worker that reads feature flags is bound to the producers worker's evaluator (its internal entrypoint).
    expect(production.services(production.get("documents"))).toEqual([
      expect.objectContaining({ binding: "PRODUCERS", entrypoint: "ProducersInternal" }),
      // Every stored byte counts document_storage_bytes in the org's usage meter.
      expect.objectContaining({ binding: "WORKSPACE", entrypoint: "WorkspaceInternal" }),
    ]);
  });

  it("refuses declarations that would bind the gateway to an internal entrypoint, or call an undeclared worker", () => {
    const gateway = WORKERS.find((w) => w.gateway)!;
    const internalCall: WorkerEntry = { ...gateway, calls: [{ worker: "underwriting", entrypoint: "internal", purpose: "no" }] };
    expect(() => new Registry(WORKERS.map((w) => (w.gateway ? internalCall : w)))).toThrow(/only be bound to public entrypoints/);
    expect(() => production.with({ name: "payouts", purpose: "x", entrypoints: { public: "PayoutsService" }, calls: [{ worker: "ledger", entrypoint: "public", purpose: "x" }] })).toThrow(
      /calls ledger, which is not declared/,
    );
    expect(() => production.with({ name: "payouts", purpose: "x", entrypoints: { public: "PayoutsService" }, emitsEvents: true })).toThrow(/internal entrypoint must serve readEvents/);
  });
});

describe("deploy-only bindings", () => {
  it("give the deployed documents worker Workers AI, which the config dev and the tests run never has", () => {
    const documents = production.get("documents");
    expect(documents.deployOnly?.ai?.binding).toBe("AI");
    const step = deployPlan(production, root, ["--keep-vars"]).find((s) => s.worker.name === "documents")!;
    expect(step.config?.path).toBe("workers/documents/wrangler.deploy.toml");
    expect(step.commands).toEqual([
      ["d1", "migrations", "apply", "openinsure-documents", "--remote", "-c", "workers/documents/wrangler.toml"],
      ["deploy", "-c", "workers/documents/wrangler.deploy.toml", "--keep-vars"],
    ]);
    // The dry run (what the gateway project's global setup bundles) reads the same deployed config.
    expect(deployPlan(production, root, ["--dry-run"]).find((s) => s.worker.name === "documents")!.commands).toEqual([
      ["deploy", "-c", "workers/documents/wrangler.deploy.toml", "--dry-run", "--outdir", join(root, ".build", "documents")],
    ]);

    // Both configs as wrangler itself reads them.
    const dir = mkdtempSync(join(tmpdir(), "oi-deploy-config-"));
    try {
      const deployedPath = join(dir, "wrangler.toml");
      writeFileSync(deployedPath, step.config!.text);
      const deployed = unstable_readConfig({ config: deployedPath }, { hideWarnings: true });
      const dev = unstable_readConfig({ config: join(root, documents.config) }, { hideWarnings: true });
      expect(deployed.ai).toMatchObject({ binding: "AI" });
      expect(dev.ai).toBeUndefined();
      // Otherwise the same worker: name, vars and every generated binding.
      for (const key of ["name", "vars", "d1_databases", "r2_buckets", "services", "queues", "triggers", "compatibility_date"] as const) {
        expect({ key, value: deployed[key] }).toEqual({ key, value: dev[key] });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // No other worker has one, so each deploys its committed config; npm run dev starts only committed configs.
    for (const s of deployPlan(production, root)) if (s.worker.name !== "documents") expect({ worker: s.worker.name, config: s.config }).toEqual({ worker: s.worker.name, config: undefined });
    expect(devPlan(production, "s").configs).toContain("workers/documents/wrangler.toml");
    expect(devPlan(production, "s").configs.some((c) => c.includes("deploy"))).toBe(false);
  });

  it("refuse an AI binding written by hand into a committed config, which would take npm run dev online", () => {
    const documents = production.get("documents");
    const committed = readFileSync(join(root, documents.config), "utf8");
    expect(handWrittenProblems(committed, documents)).toEqual([]);
    for (const ai of ['\n[ai]\nbinding = "AI"\n', '\nai = { binding = "AI" }\n']) {
      expect(handWrittenProblems(committed.replace("[vars]", `${ai}\n[vars]`), documents)).toEqual([expect.stringMatching(/deployOnly/)]);
    }
  });
});

describe("a worker added by one registry entry", () => {
  it("is started, migrated and given its .dev.vars by npm run dev", () => {
    const plan = devPlan(testRegistry, ".wrangler/state");
    expect(plan.configs[0]).toBe("wrangler.toml");
    expect(plan.configs).toContain("test/registry/fixture/wrangler.toml");
    expect(plan.migrations).toContainEqual(["d1", "migrations", "apply", "openinsure-fixture-notes", "--local", "-c", "test/registry/fixture/wrangler.toml", "--persist-to", ".wrangler/state"]);
    expect(plan.devVarsCopies).toContain("test/registry/fixture");
    // Production's plan is every worker of the registry, and nothing else.
    expect(devPlan(production, "s").configs).toEqual(["wrangler.toml", "workers/identity/wrangler.toml", "workers/underwriting/wrangler.toml", "workers/webhooks/wrangler.toml", "workers/deal-rooms/wrangler.toml", "workers/documents/wrangler.toml", "workers/claims/wrangler.toml", "workers/billing/wrangler.toml", "workers/producers/wrangler.toml", "workers/portal/wrangler.toml", "workers/market/wrangler.toml", "workers/workspace/wrangler.toml", "workers/partners/wrangler.toml"]);
  });

  it("is bound at the gateway (public) and at the events consumer (internal), and produces to the events queue", () => {
    const gateway = bindingsSection(testRegistry, testRegistry.gateway);
    expect(gateway).toContain(`{ binding = "FIXTURE_NOTES", service = "openinsure-fixture-notes", entrypoint = "FixtureNotesService" }`);
    const webhooks = bindingsSection(testRegistry, testRegistry.get("webhooks"));
    expect(webhooks).toContain(`{ binding = "FIXTURE_NOTES", service = "openinsure-fixture-notes", entrypoint = "FixtureNotesInternal" }`);
    expect(bindingsSection(testRegistry, fixture)).toContain(`{ binding = "WEBHOOK_EVENTS", queue = "openinsure-webhook-events" }`);
    // Production's configs do not carry it.
    expect(readFileSync(join(root, "wrangler.toml"), "utf8")).not.toContain("FIXTURE_NOTES");
  });

  it("deploys after the workers it calls and before the workers that call it", () => {
    for (const reg of [production, testRegistry]) {
      const order = reg.deployOrder().map((w) => w.name);
      for (const w of reg.workers) for (const s of reg.services(w)) expect(order.indexOf(s.worker)).toBeLessThan(order.indexOf(w.name));
    }
    expect(production.deployOrder().map((w) => w.name)).toEqual(["identity", "deal-rooms", "producers", "market", "workspace", "documents", "underwriting", "claims", "billing", "webhooks", "portal", "partners", "gateway"]);

    const dry = deployPlan(testRegistry, root, ["--dry-run"]).find((s) => s.worker.name === "fixture-notes")!;
    expect(dry.commands).toEqual([["deploy", "-c", "test/registry/fixture/wrangler.toml", "--dry-run", "--outdir", join(root, ".build", "fixture-notes")]]);
    const real = deployPlan(production, root, ["--keep-vars"]).find((s) => s.worker.name === "underwriting")!;
    expect(real.commands).toEqual([
      ["d1", "migrations", "apply", "openinsure-underwriting", "--remote", "-c", "workers/underwriting/wrangler.toml"],
      ["deploy", "-c", "workers/underwriting/wrangler.toml", "--keep-vars"],
    ]);
  });

  it("gets its own Vitest project, like every worker", async () => {
    const config = (await import("../../vitest.config.ts")).default as { test: { projects: { test?: { name?: string; include?: string[] } }[] } };
    const projects = config.test.projects.map((p) => p.test);
    expect(projects.map((p) => p?.name)).toEqual(expect.arrayContaining([...production.workers.map((w) => w.name), "fixture-notes", "contract", "e2e"]));
    expect(projects.find((p) => p?.name === "fixture-notes")?.include).toEqual(["test/registry/fixture/**/*.test.ts"]);
  });
});

/** Every module specifier a TypeScript file imports or re-exports. */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);
}

/** `file` (relative to the repository) imports code from another worker's folder: the offending specifiers. */
function crossWorkerImports(reg: Registry, file: string, text: string): string[] {
  const owner = reg.workers.find((w) => file.startsWith(`${w.dir}/`));
  return specifiers(text).filter((spec) => {
    if (!spec.startsWith(".")) return false;
    const target = relative(root, resolve(root, dirname(file), spec)).split("\\").join("/");
    return reg.workers.some((w) => w !== owner && (target === w.dir || target.startsWith(`${w.dir}/`)));
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return tsFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("types that cross workers", () => {
  it("come from workers/_shared, never from another worker's folder", () => {
    const offences = testRegistry.workers.flatMap((w) => tsFiles(`${w.dir}/src`).flatMap((f) => crossWorkerImports(testRegistry, f, readFileSync(join(root, f), "utf8")).map((s) => `${f}: ${s}`)));
    const shared = tsFiles("workers/_shared").flatMap((f) =>
      specifiers(readFileSync(join(root, f), "utf8"))
        .filter((s) => s.startsWith(".") && !resolve(root, dirname(f), s).startsWith(join(root, "workers/_shared")))
        .map((s) => `${f}: ${s}`),
    );
    expect([...offences, ...shared]).toEqual([]);
  });

  it("the guard catches an import of another worker's src, relative or type-only", () => {
    expect(crossWorkerImports(production, "workers/gateway/src/env.ts", `import type { IdentityService } from "../../identity/src/index.ts";`)).toEqual(["../../identity/src/index.ts"]);
    expect(crossWorkerImports(production, "workers/webhooks/src/x.ts", `export { readEvents } from "../../underwriting/src/outbox.ts";`)).toEqual(["../../underwriting/src/outbox.ts"]);
    expect(crossWorkerImports(production, "workers/webhooks/src/x.ts", `import { a } from "./env.ts";\nimport { b } from "#shared/rpc";`)).toEqual([]);
  });
});

describe("a second consumer of the domain events", () => {
  const billing = production.get("billing");

  it("reads its own queue, which each of its sources' relays also produces to, and is bound to their internal entrypoints once", () => {
    expect(production.producers(production.get("underwriting")).map((p) => [p.binding, p.queue])).toEqual([
      ["WEBHOOK_EVENTS", "openinsure-webhook-events"],
      ["BILLING_EVENTS", "openinsure-billing-events"],
      ["PARTNERS_EVENTS", "openinsure-partners-events"],
    ]);
    // Not a source of billing's: documents' relay feeds the webhooks worker alone.
    expect(production.producers(production.get("documents")).map((p) => p.binding)).toEqual(["WEBHOOK_EVENTS"]);
    // Billing's own events go to the webhooks worker and the portal (payment.failed), never back to itself.
    expect(production.producers(billing).map((p) => p.binding)).toEqual(["BILLING_REQUEUE", "WEBHOOK_EVENTS", "PORTAL_EVENTS"]);
    // The portal reads billing's and claims' events on its own queue, through the internal bindings it already holds.
    const portal = production.get("portal");
    expect(production.producers(production.get("claims")).map((p) => p.binding)).toEqual(["WEBHOOK_EVENTS", "PORTAL_EVENTS"]);
    expect(production.sourcesOf(portal).map((w) => w.name)).toEqual(["claims", "billing"]);
    expect(production.services(portal).filter((s) => s.binding === "BILLING" || s.binding === "CLAIMS").map((s) => s.entrypoint)).toEqual(["BillingInternal", "ClaimsInternal"]);
    expect(bindingsSection(production, billing)).toContain(`{ queue = "openinsure-billing-events", max_batch_size = 10, max_batch_timeout = 1, max_retries = 10, dead_letter_queue = "openinsure-billing-dlq" }`);
    // It calls underwriting's internal entrypoint and reads its events through the same one binding
    // (and reads its feature flags from the producers worker's).
    expect(production.services(billing)).toEqual([
      expect.objectContaining({ binding: "UNDERWRITING", entrypoint: "UnderwritingInternal" }),
      expect.objectContaining({ binding: "PRODUCERS", entrypoint: "ProducersInternal" }),
      // Invoice PDFs and the delinquency notice.
      expect.objectContaining({ binding: "DOCUMENTS", entrypoint: "DocumentsInternal" }),
      expect.objectContaining({ binding: "IDENTITY", entrypoint: "IdentityInternal" }),
    ]);
  });

  it("refuses a subscription that shares a queue, is misnamed, is not consumed or reads a worker that emits nothing", () => {
    const sub = (name: string, queue: string, binding: string, sources: string[], consume = true): WorkerEntry => ({
      name,
      purpose: "x",
      entrypoints: { internal: "X" },
      queues: consume ? { consume: [{ queue, maxBatchSize: 1, maxBatchTimeout: 1 }] } : {},
      consumesEvents: { queue: { binding, queue }, sources },
    });
    expect(() => production.with(sub("ledger", "openinsure-billing-events", "LEDGER_EVENTS", ["underwriting"]))).toThrow(/already has a consumer/);
    expect(() => production.with(sub("ledger", "openinsure-ledger-events", "LEDGER_QUEUE", ["underwriting"]))).toThrow(/<NAME>_EVENTS/);
    expect(() => production.with(sub("ledger", "openinsure-ledger-events", "LEDGER_EVENTS", ["underwriting"], false))).toThrow(/must list it in queues.consume/);
    expect(() => production.with(sub("ledger", "openinsure-ledger-events", "LEDGER_EVENTS", ["identity"]))).toThrow(/does not emit events/);
    expect(() => production.with(sub("ledger", "openinsure-ledger-events", "LEDGER_EVENTS", ["underwriting"]))).not.toThrow();
  });
});
