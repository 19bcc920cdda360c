/**
 * `npm run bench:input`: what the input rules cost per request, in isolation from the network and
 * the runtime. It times, on the quickstart submission's body, the parse every request pays anyway
 * (the baseline), the gateway's door (the shared string rules, the strict generated schema, then the
 * money, date and deductible rules), and the domain worker's second check of the same rules.
 * BENCH_INPUT_ITERATIONS (default 20,000) sets the sample size; each figure is the mean of the run,
 * after a warm-up, with p50/p99 of 100 equal batches.
 */
import { checkInput, checkInputRules, cleanInput } from "../workers/_shared/input.ts";
import { zCreateSubmissionRequest } from "../typespec/generated/zod.gen.ts";
import { quickstartSubmission } from "../test/support/submissions.ts";

const ITERATIONS = Number(process.env.BENCH_INPUT_ITERATIONS ?? 20_000);
const BATCHES = 100;
const text = JSON.stringify(quickstartSubmission());
const today = quickstartSubmission().effectiveDate;

const targets: [string, () => unknown][] = [
  ["baseline: JSON.parse of the body", () => JSON.parse(text)],
  [
    "gateway door: string rules, strict schema, money/date/deductible rules",
    () => {
      const cleaned = cleanInput(JSON.parse(text));
      const parsed = zCreateSubmissionRequest.safeParse(cleaned.value);
      if (!parsed.success || cleaned.issues.length) throw new Error("the quickstart body must be valid");
      return checkInputRules(parsed.data, today);
    },
  ],
  ["worker: the same rules again where the RPC arrives", () => checkInput(JSON.parse(text), today, ["insuredName"])],
];

/** Microseconds per call: mean, and p50/p99 over equal batches. */
function time(f: () => unknown) {
  for (let i = 0; i < 2_000; i++) f();
  const per = Math.max(1, Math.floor(ITERATIONS / BATCHES));
  const batches: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = performance.now();
    for (let i = 0; i < per; i++) f();
    batches.push(((performance.now() - start) / per) * 1000);
  }
  const sorted = [...batches].sort((a, b) => a - b);
  const mean = batches.reduce((s, x) => s + x, 0) / batches.length;
  return { mean, p50: sorted[Math.floor(BATCHES * 0.5)]!, p99: sorted[Math.floor(BATCHES * 0.99)]! };
}

const results = targets.map(([name, f]) => ({ name, ...time(f) }));
const baseline = results[0]!.mean;
console.log(`${ITERATIONS} calls per target on a ${text.length}-byte body\n`);
console.log("| target | µs per request | p50 µs | p99 µs | × baseline |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const r of results) console.log(`| ${r.name} | ${r.mean.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.mean / baseline).toFixed(1)} |`);
