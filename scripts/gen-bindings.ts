/**
 * The bindings of every wrangler.toml, from workers/registry.ts.
 *
 *   npm run gen:bindings            rewrite each config's generated section
 *   npm run gen:bindings -- --check fail (exit 1) if any config differs from the registry (`npm test` runs it)
 *
 * Only the section between the markers is generated; the rest of each file is hand-written and kept.
 */
import { registry } from "../workers/registry.ts";
import { syncBindings } from "./lib/bindings.ts";
import { root } from "./lib/sandbox.ts";

const check = process.argv.includes("--check");
const reports = syncBindings(registry(), root, !check);
let failed = false;
for (const r of reports) {
  if (check && r.drifted) {
    failed = true;
    console.error(`${r.config}: bindings differ from workers/registry.ts; run \`npm run gen:bindings\``);
  } else if (!check && r.drifted) {
    console.log(`${r.config}: bindings regenerated`);
  }
  for (const p of r.problems) {
    failed = true;
    console.error(`${r.config}: ${p}`);
  }
}
if (failed) process.exit(1);
if (check) console.log(`bindings of ${reports.length} workers match workers/registry.ts`);
