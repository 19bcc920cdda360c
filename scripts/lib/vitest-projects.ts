/**
 * The Vitest projects of a registry's workers, generated rather than written by hand: one per
 * worker, inside workerd with its own wrangler.toml and its D1 migrations, and the gateway's, which
 * runs every other worker (bundled by its global setup) behind the generated service bindings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import type { Registry, Worker } from "../../workers/registry.ts";

/**
 * Tests here prove behaviour, not speed (speed is `npm run bench`): a test that makes a hundred
 * requests through the whole platform may take longer than Vitest's 5 s default on a loaded 2-core
 * CI machine, and must not fail for it.
 */
const TEST_TIMEOUT_MS = 30_000;

/**
 * One Miniflare per Vitest worker for all of a project's files, not one per file (`isolate: false`):
 * starting the runtime with its workers and applying the migrations was most of a file's time (the
 * gateway's project starts every worker of the platform). Files share the runtime's storage, which is
 * safe because every test makes its own tenant (orgs, keys, ids) and asserts on what it made; the
 * migrations setup is idempotent, so each file still runs it.
 */
const SHARED_RUNTIME = { isolate: false } as const;

/** Secrets every worker sees in tests; never used outside them. */
export const TEST_SECRETS = {
  API_SECRET: "test-api-secret-0123456789abcdef0123456789abcdef",
  JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
  ENVIRONMENT: "development",
};

/** Applies `TEST_D1_MIGRATIONS` (D1 binding → migrations) before a project's tests; every project uses it. */
export const MIGRATIONS_SETUP = "test/support/migrations.setup.ts";

/** The methods of a stand-in entrypoint, as source text: `async getRoom() { … }`. */
export type StubMethods = Record<string, string>;

export interface WorkerProjectOptions {
  /**
   * Stand-ins for the callees of a worker under test, by callee name: the methods its entrypoint
   * answers with. A callee without one answers `readEvents` with nothing if it emits events.
   */
  stubs?: Record<string, StubMethods>;
  /** Global setup files of the project (e.g. a local server the worker calls). */
  globalSetup?: string[];
  /** Vars whose values a global setup provides: var name → provided key (e.g. a port known only once the server listens). */
  injectVars?: Record<string, string>;
  /**
   * A fresh runtime, and so fresh storage, for each test file: for a worker whose tests run a job
   * over every org and assert on the whole pass (billing's delinquency and PDF sweeps).
   */
  isolatePerFile?: boolean;
}

export interface GatewayProjectOptions {
  name: string;
  include: string[];
  globalSetup: string[];
  /** Vars per auxiliary worker beyond its `testVars`. */
  vars?: Record<string, Record<string, string>>;
  /** `ENVIRONMENT` of every worker, the gateway included (default: the test secrets' `development`). */
  environment?: string;
  /** Vars per auxiliary worker whose values a global setup provides: var name → provided key. */
  injectVars?: Record<string, Record<string, string>>;
}

/** `{VAR: provided value}` for each `{VAR: key}`; the plugin's `inject` reads what a global setup provided. */
const injected = (inject: (key: string) => unknown, vars: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(vars ?? {}).map(([name, key]) => [name, String(inject(key))]));

/** `compatibility_date` of a worker's hand-written config, so its auxiliary copy runs on the same date. */
function compatibilityDate(root: string, worker: Worker): string {
  const date = readFileSync(join(root, worker.config), "utf8").match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1];
  if (!date) throw new Error(`${worker.config} has no compatibility_date`);
  return date;
}

async function migrationsOf(root: string, workers: readonly Worker[]): Promise<Record<string, Awaited<ReturnType<typeof readD1Migrations>>>> {
  const out: Record<string, Awaited<ReturnType<typeof readD1Migrations>>> = {};
  for (const w of workers) if (w.d1) out[w.d1.binding] = await readD1Migrations(join(root, w.d1.migrations));
  return out;
}

/** A stand-in worker that answers for `callee`'s entrypoint with the given methods. */
function stubWorker(root: string, callee: Worker, entrypoint: string, methods: StubMethods) {
  return {
    name: callee.script,
    modules: true,
    compatibilityDate: compatibilityDate(root, callee),
    script: `import { WorkerEntrypoint } from "cloudflare:workers";
export class ${entrypoint} extends WorkerEntrypoint {
${Object.entries(methods)
  .map(([name, body]) => `  async ${name}() { ${body} }`)
  .join("\n")}
}
export default { fetch() { return new Response(null, { status: 404 }); } };`,
  };
}

/** One worker's own project: its config, its migrations, and stand-ins for the workers it calls. */
export async function workerProject(registry: Registry, root: string, worker: Worker, options: WorkerProjectOptions = {}) {
  const stubs = registry.services(worker).map((s) => {
    const callee = registry.get(s.worker);
    const methods = options.stubs?.[callee.name] ?? (callee.emitsEvents && s.entrypoint === callee.entrypoints.internal ? { readEvents: "return [];" } : {});
    return stubWorker(root, callee, s.entrypoint, methods);
  });
  const migrations = await migrationsOf(root, [worker]);
  return defineProject({
    plugins: [
      // A function of the provided context, so vars a global setup provides (a stand-in's port) reach the worker.
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: join(root, worker.config) },
        miniflare: {
          bindings: { ...TEST_SECRETS, ...worker.testVars, ...injected(inject, options.injectVars), TEST_D1_MIGRATIONS: migrations },
          ...(stubs.length ? { workers: stubs } : {}),
        },
      })),
    ],
    test: {
      name: worker.name,
      include: [`${worker.tests}/**/*.test.ts`],
      setupFiles: [MIGRATIONS_SETUP],
      testTimeout: TEST_TIMEOUT_MS,
      ...(options.isolatePerFile ? {} : SHARED_RUNTIME),
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
    },
  });
}

/**
 * The gateway's project: the gateway from its config, and every other worker of the registry as an
 * auxiliary worker from its `.build/` bundle, wired with the generated bindings (service bindings,
 * Durable Objects, queues, D1, R2). The gateway's own service bindings are the generated ones too, so a
 * worker the registry adds is reachable from the tests with nothing else to change. The tests also
 * see every database, to apply the migrations and to inspect outboxes.
 */
export async function gatewayProject(registry: Registry, root: string, options: GatewayProjectOptions) {
  const gateway = registry.gateway;
  const others = registry.workers.filter((w) => !w.gateway);
  const secrets = { ...TEST_SECRETS, ...(options.environment ? { ENVIRONMENT: options.environment } : {}) };
  const serviceBindings = (w: Worker) => Object.fromEntries(registry.services(w).map((s) => [s.binding, { name: s.service, entrypoint: s.entrypoint }]));
  const auxiliary = (inject: (key: string) => unknown) => others.map((w) => ({
    name: w.script,
    modules: true,
    scriptPath: join(root, ".build", w.name, "index.js"),
    compatibilityDate: compatibilityDate(root, w),
    compatibilityFlags: [],
    d1Databases: w.d1 ? { [w.d1.binding]: w.d1.id } : {},
    durableObjects: Object.fromEntries((w.durableObjects ?? []).map((d) => [d.binding, { className: d.className, useSQLite: true }])),
    r2Buckets: Object.fromEntries((w.r2 ?? []).map((b) => [b.binding, b.bucket])),
    queueProducers: Object.fromEntries(registry.producers(w).map((p) => [p.binding, p.queue])),
    queueConsumers: Object.fromEntries(
      (w.queues?.consume ?? []).map((c) => [
        c.queue,
        { maxBatchSize: c.maxBatchSize, maxBatchTimeout: c.maxBatchTimeout, ...(c.maxRetries === undefined ? {} : { maxRetries: c.maxRetries }), ...(c.deadLetterQueue ? { deadLetterQueue: c.deadLetterQueue } : {}) },
      ]),
    ),
    serviceBindings: serviceBindings(w),
    bindings: { ...secrets, ...w.testVars, ...options.vars?.[w.name], ...injected(inject, options.injectVars?.[w.name]) },
  }));
  const migrations = await migrationsOf(root, others);
  return defineProject({
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: join(root, gateway.config) },
        miniflare: {
          bindings: { ...secrets, ...gateway.testVars, TEST_D1_MIGRATIONS: migrations },
          serviceBindings: serviceBindings(gateway),
          d1Databases: Object.fromEntries(others.flatMap((w) => (w.d1 ? [[w.d1.binding, w.d1.id]] : []))),
          // Every bucket too, as `<BINDING>_BUCKET` (the plain name is the owner's service binding): the purge tests read what is left.
          r2Buckets: Object.fromEntries(others.flatMap((w) => (w.r2 ?? []).map((b) => [`${b.binding}_BUCKET`, b.bucket]))),
          workers: auxiliary(inject),
        },
      })),
    ],
    test: { name: options.name, include: options.include, globalSetup: options.globalSetup, setupFiles: [MIGRATIONS_SETUP], testTimeout: TEST_TIMEOUT_MS, ...SHARED_RUNTIME },
  });
}
