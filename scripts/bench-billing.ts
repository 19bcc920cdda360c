/**
 * `npm run bench:billing`: two figures of the billing worker over the real sandbox.
 *   1. Bind-to-invoices latency: for each of BENCH_BINDS (default 200) MONTHLY_10 binds, the time
 *      from the bind's 201 until `GET /v1/invoices?policyId=` lists all nine of its invoices (the
 *      path: underwriting's outbox → relay → the billing queue → the consumer's billingFacts RPC →
 *      one D1 batch). Binds run BENCH_BIND_CONCURRENCY (default 4) at a time; each is polled every
 *      BENCH_POLL_MS (default 25 ms), which bounds the figure's resolution. p50 / p99 / max.
 *   2. The throughput of `POST /v1/invoices/:id/pay` (a $0.01 check payment, each request on the
 *      next invoice of those policies, so payments of one policy rarely race its ledger's guard)
 *      beside an authenticated read (`GET /v1/invoices/:id`), measured alternately in the same run:
 *      requests/s, p50, p99 (BENCH_ROUNDS rounds of BENCH_DURATION s, the median round reported).
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers; otherwise starts
 * one with `npm run dev` on a scratch state directory and stops it afterwards. Prints the machine's
 * load average before and after, since the 2-core machine is often shared.
 */
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { quickstartSubmission } from "../test/support/submissions.ts";
import { measurementOf, medianRound, type Measurement } from "./lib/bench-stats.ts";
import { api as call, ensureSandbox, loadTestOrg } from "./lib/sandbox.ts";

const sandboxUrl = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const BINDS = Number(process.env.BENCH_BINDS ?? 200);
const BIND_CONCURRENCY = Number(process.env.BENCH_BIND_CONCURRENCY ?? 4);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 25);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INSTALLMENTS = 9;
/** A bind whose invoices are not all listable after this long counts as a failure. */
const GIVE_UP_MS = 60_000;

const stops: (() => void)[] = [];
const cleanup = () => stops.forEach((stop) => stop());
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

const load = () => loadavg().map((n) => n.toFixed(2)).join(" / ");
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function invoicesOf(key: string, policyId: string): Promise<{ id: string }[]> {
  const res = await fetch(`${sandboxUrl}/v1/invoices?policyId=${policyId}&limit=100`, { headers: { "x-api-key": key } });
  if (!res.ok) throw new Error(`listing invoices answered ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: { id: string }[] }).data;
}

/** One bind: its quote first (not timed), then the bind, then the wait for its invoices. */
async function bindOnce(key: string, effectiveDate: string): Promise<{ ms: number; invoices: string[] }> {
  const submission = await call(sandboxUrl, "POST", "/v1/submissions", key, { ...quickstartSubmission(), effectiveDate });
  await call(sandboxUrl, "POST", `/v1/submissions/${submission.id}/quote`, key);
  const policy = await call(sandboxUrl, "POST", `/v1/submissions/${submission.id}/bind`, key, { installmentPlan: "MONTHLY_10" });
  const bound = performance.now();
  for (;;) {
    const invoices = await invoicesOf(key, String(policy.id));
    if (invoices.length >= INSTALLMENTS) return { ms: performance.now() - bound, invoices: invoices.map((i) => i.id) };
    if (performance.now() - bound > GIVE_UP_MS) throw new Error(`policy ${policy.id} had ${invoices.length} of ${INSTALLMENTS} invoices after ${GIVE_UP_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function measure(name: string, key: string, paths: string[], body?: string): Promise<Measurement> {
  let next = 0;
  const run = (seconds: number) =>
    autocannon({
      url: sandboxUrl,
      connections,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: body ? "POST" : "GET",
          headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}) },
          ...(body ? { body } : {}),
          setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }),
        },
      ],
    });
  await run(2); // warm-up
  return measurementOf(name, await run(duration));
}

async function main() {
  console.log(`load average (1/5/15 min) before: ${load()}`);
  console.log(`Starting the sandbox if needed; ${BINDS} MONTHLY_10 binds, ${BIND_CONCURRENCY} at a time…`);
  stops.push(await ensureSandbox(sandboxUrl, "bench-billing"));
  const { key } = await loadTestOrg(sandboxUrl, "Billing Benchmark");
  const effectiveDate = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);

  const latencies: number[] = [];
  const invoices: string[][] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: BIND_CONCURRENCY }, async () => {
      while (started < BINDS) {
        started++;
        const { ms, invoices: ids } = await bindOnce(key, effectiveDate);
        latencies.push(ms);
        invoices.push(ids);
      }
    }),
  );
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`\nbind → all ${INSTALLMENTS} invoices listable, ${sorted.length} binds (poll every ${POLL_MS} ms): p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`);

  // Round-robin over policies, then installments: consecutive payments land on different policies.
  const order: string[] = [];
  for (let i = 0; i < INSTALLMENTS; i++) for (const ids of invoices) if (ids[i]) order.push(ids[i]!);
  const pay = JSON.stringify({ amount: 0.01, method: "check", reference: "bench" });
  const targets = [
    { name: "GET /v1/invoices/:id (API key)", paths: order.map((id) => `/v1/invoices/${id}`) },
    { name: "POST /v1/invoices/:id/pay ($0.01 check)", paths: order.map((id) => `/v1/invoices/${id}/pay`), body: pay },
  ];
  const rounds: Measurement[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, target] of targets.entries()) rounds[t]!.push(await measure(target.name, key, target.paths, target.body));
  }
  const results = rounds.map(medianRound);
  console.log(`\n${connections} connections, median of ${ROUNDS} rounds of ${duration} s:\n`);
  console.log("| target | req/s | p50 ms | p99 ms | non-2xx | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) console.log(`| ${r.name} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
  console.log(`\nload average (1/5/15 min) after: ${load()}`);
  const failed = results.filter((r) => r.non2xx > 0 || r.errors > 0);
  if (failed.length > 0) {
    console.error(`${failed.map((r) => r.name).join(" and ")} saw failures; the figures above are not valid.`);
    process.exitCode = 1;
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(cleanup);
