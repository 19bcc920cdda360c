/**
 * The bindings of every wrangler.toml, from workers/registry.ts.
 *
 *   npm run gen:bindings            rewrite each config's generated section
 *   npm run gen:bindings -- --check fail (exit 1) if any config differs from the registry (`npm test` runs it)
 *   --registry <module>             the configs of the workers another registry (its default export) adds to
 *                                   production's, e.g. test/registry/test-registry.ts; production's configs stay production's
 *
 * Only the section between the markers is generated; the rest of each file is hand-written and kept.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { registry, type Registry } from "../workers/registry.ts";
import { syncBindings } from "./lib/bindings.ts";
import { root } from "./lib/sandbox.ts";

const check = process.argv.includes("--check");
const at = process.argv.indexOf("--registry");
const production = registry();
const chosen: Registry = at === -1 ? production : (await import(pathToFileURL(resolve(root, process.argv[at + 1]!)).href)).default;
const added = chosen.workers.filter((w) => chosen === production || !production.workers.some((p) => p.name === w.name));
const reports = syncBindings(chosen, root, !check, added);
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
if (check) console.log(`bindings of ${reports.length} worker config(s) match the registry`);
