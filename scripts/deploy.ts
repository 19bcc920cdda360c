/**
 * `npm run deploy`: every worker of workers/registry.ts, callees before callers (a service binding
 * must point at a deployed worker), each after its D1 migrations are applied remotely. Arguments
 * after `--` go to every `wrangler deploy`: `npm run deploy -- --dry-run` bundles each worker with
 * its production config into `.build/<name>/` and deploys nothing.
 */
import { registry } from "../workers/registry.ts";
import { deploy, deployPlan } from "./lib/deploy.ts";
import { root } from "./lib/sandbox.ts";

const extra = process.argv.slice(2);
const reg = registry();
console.log(`Deploying ${deployPlan(reg, root, extra).map((s) => s.worker.name).join(" → ")}${extra.length ? ` (${extra.join(" ")})` : ""}`);
try {
  deploy(reg, root, extra);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
