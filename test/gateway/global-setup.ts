import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Miniflare runs service-bound (auxiliary) workers from plain JavaScript, so bundle the domain
 * workers exactly as `wrangler deploy` would before the gateway project starts.
 */
export default function buildDomainWorkers() {
  const root = resolve(import.meta.dirname, "../..");
  for (const worker of ["identity", "underwriting", "webhooks", "deal-rooms"]) {
    try {
      execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", resolve(root, ".build", worker), "-c", `workers/${worker}/wrangler.toml`], {
        cwd: root,
        stdio: "pipe",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`bundling the ${worker} worker failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  }
}
