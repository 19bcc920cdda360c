/**
 * Deploying the workers of a registry, callees before callers: `npm run deploy` for real, and the
 * bundling check (`--dry-run`, into `.build/<name>/`) that `npm test` runs through the gateway
 * project's global setup. One mechanism, so what the tests run is what deploys.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import type { Registry, Worker } from "../../workers/registry.ts";
import { deployOnlySection } from "./bindings.ts";

/** A config written for one deploy and removed after it (paths relative to the repository). */
export interface DeployConfig {
  path: string;
  text: string;
}

export interface DeployStep {
  worker: Worker;
  /** The config `wrangler deploy` reads, when it is not the committed one: written before the commands run, removed after. */
  config?: DeployConfig;
  /** The `wrangler` invocations, in order (remote D1 migrations first, unless a dry run). */
  commands: string[][];
}

/** Where a dry run bundles a worker (Miniflare runs these as the gateway project's auxiliary workers). */
export const buildDir = (root: string, worker: Worker) => join(root, ".build", worker.name);

/** The name of a deploy's own config, beside the committed one so that its relative paths (main, migrations_dir) hold. Git-ignored. */
export const DEPLOY_CONFIG_NAME = "wrangler.deploy.toml";

/**
 * The config a worker deploys with when the registry gives it deploy-only bindings: its committed
 * wrangler.toml with those bindings appended. `npm run dev` and the tests read the committed one,
 * which never holds them. Undefined for a worker that deploys its committed config as it is.
 */
export function deployConfig(root: string, worker: Worker): DeployConfig | undefined {
  const section = deployOnlySection(worker);
  if (!section) return undefined;
  const committed = readFileSync(join(root, worker.config), "utf8");
  return { path: posix.join(dirname(worker.config), DEPLOY_CONFIG_NAME), text: `${committed.trimEnd()}\n\n${section}\n` };
}

/**
 * The plan: for each worker in deploy order, its remote migrations and `wrangler deploy -c <config>`
 * with the caller's extra arguments. `--dry-run` without an `--outdir` bundles into `.build/<name>`.
 */
export function deployPlan(registry: Registry, root: string, extra: string[] = []): DeployStep[] {
  const dryRun = extra.includes("--dry-run");
  const hasOutdir = extra.some((a) => a === "--outdir" || a.startsWith("--outdir="));
  return registry.deployOrder().map((worker) => {
    const config = deployConfig(root, worker);
    const commands: string[][] = [];
    if (!dryRun && worker.d1) commands.push(["d1", "migrations", "apply", worker.d1.database, "--remote", "-c", worker.config]);
    commands.push(["deploy", "-c", config?.path ?? worker.config, ...extra, ...(dryRun && !hasOutdir ? ["--outdir", buildDir(root, worker)] : [])]);
    return { worker, ...(config ? { config } : {}), commands };
  });
}

/** Runs the plan; `quiet` keeps wrangler's output unless a step fails (then it is in the error). */
export function deploy(registry: Registry, root: string, extra: string[] = [], { quiet = false } = {}): void {
  for (const step of deployPlan(registry, root, extra)) {
    if (step.config) writeFileSync(join(root, step.config.path), step.config.text);
    try {
      for (const args of step.commands) {
        const result = spawnSync("wrangler", args, {
          cwd: root,
          stdio: quiet ? "pipe" : "inherit",
          env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
          encoding: "utf8",
        });
        if (result.status !== 0) {
          throw new Error(`${step.worker.name}: wrangler ${args.join(" ")} failed${quiet ? `:\n${result.stdout ?? ""}${result.stderr ?? ""}` : ""}`);
        }
      }
    } finally {
      if (step.config) rmSync(join(root, step.config.path), { force: true });
    }
  }
}
