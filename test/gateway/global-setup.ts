import { resolve } from "node:path";
import { deploy } from "../../scripts/lib/deploy.ts";
import { testRegistry } from "../registry/test-registry.ts";

/**
 * Miniflare runs service-bound (auxiliary) workers from plain JavaScript, so bundle every worker
 * exactly as `npm run deploy -- --dry-run` does (the same code, into `.build/<name>/`), with its
 * production config, before the gateway project starts. A worker that does not bundle fails here.
 */
export default function buildWorkers() {
  // The gateway and production projects share the bundles: build them once per test run.
  if (process.env.OPENINSURE_WORKERS_BUNDLED === "1") return;
  deploy(testRegistry, resolve(import.meta.dirname, "../.."), ["--dry-run"], { quiet: true });
  process.env.OPENINSURE_WORKERS_BUNDLED = "1";
}
