/**
 * `npm run bench:market`: the NAICS classifier's accuracy on the committed hand-written set
 * (test/fixtures/naics-accuracy.json) — top-1 and top-5, the misses, and the time per classification.
 * Plain Node (the classifier is pure); the figures go in bench/README.md ("Market finder").
 */
import { measureAccuracy } from "./lib/naics-accuracy.ts";

const r = measureAccuracy();
console.log(`NAICS classify (2017 edition, BM25), ${r.cases} hand-written descriptions`);
console.log(`  top-1 accuracy  ${r.top1.toFixed(3)}`);
console.log(`  top-5 accuracy  ${r.top5.toFixed(3)}   (target ≥ 0.85)`);
console.log(`  per classification  mean ${r.meanMs} ms, p99 ${r.p99Ms} ms`);
if (r.misses.length) {
  console.log(`  not in the top five (${r.misses.length}):`);
  for (const m of r.misses) console.log(`    ${m.code}  ${m.description}  → ${m.got.join(", ") || "(nothing)"}`);
}
process.exitCode = r.top5 >= 0.85 ? 0 : 1;
