/**
 * Deploying the workers of a registry, callees before callers: `npm run deploy` for real, and the
 * bundling check (`--dry-run`, into `.build/<name>/`) that `npm test` runs through the gateway
 * project's global setup. One mechanism, so what the tests run is what deploys.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Registry, Worker } from "../../workers/registry.ts";

export interface DeployStep {
  worker: Worker;
  /** The `wrangler` invocations, in order (remote D1 migrations first, unless a dry run). */
  commands: string[][];
}

/** Where a dry run bundles a worker (Miniflare runs these as the gateway project's auxiliary workers). */
export const buildDir = (root: string, worker: Worker) => join(root, ".build", worker.name);

/**
 * The plan: for each worker in deploy order, its remote migrations and `wrangler deploy -c <config>`
 * with the caller's extra arguments. `--dry-run` without an `--outdir` bundles into `.build/<name>`.
 */
export function deployPlan(registry: Registry, root: string, extra: string[] = []): DeployStep[] {
  const dryRun = extra.includes("--dry-run");
  const hasOutdir = extra.some((a) => a === "--outdir" || a.startsWith("--outdir="));
  return registry.deployOrder().map((worker) => {
    const commands: string[][] = [];
    if (!dryRun && worker.d1) commands.push(["d1", "migrations", "apply", worker.d1.database, "--remote", "-c", worker.config]);
    commands.push(["deploy", "-c", worker.config, ...extra, ...(dryRun && !hasOutdir ? ["--outdir", buildDir(root, worker)] : [])]);
    return { worker, commands };
  });
}

/** Runs the plan; `quiet` keeps wrangler's output unless a step fails (then it is in the error). */
export function deploy(registry: Registry, root: string, extra: string[] = [], { quiet = false } = {}): void {
  for (const step of deployPlan(registry, root, extra)) {
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
  }
}
