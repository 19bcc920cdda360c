/**
 * `npm run bench:documents`: requests/s, p50 and p99 for
 *   1. an authenticated GET /v1/policies/:id (API key → rate limiter → RPC → D1), the reference, and
 *   2. POST /v1/coi/generate: underwriting's certificate facts and identity's org in parallel, then
 *      the documents worker renders the PDF (pdfmake, embedded Roboto), writes it to R2 while the
 *      workspace's usage meter reserves its document_storage_bytes, and commits the document, the
 *      certificate with its gap-free number and `document.generated` in one D1 batch; the answer
 *      carries a signed download link (the meter's commit and the outbox relay run after it),
 * measured alternately in the same run on the same machine, then whether the certificate's p50 is
 * within five times the read's (the target), then what one request of each costs the whole
 * sandbox in CPU (lib/process-cpu.ts), the figure the ratio of medians follows at 4 connections.
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers; otherwise starts
 * one with `npm run dev` on a scratch state directory and stops it afterwards. BENCH_DURATION
 * (seconds per measurement, default 10), BENCH_ROUNDS (default 3; the median round is reported) and
 * BENCH_CONNECTIONS (default 4) tune the load. Renders run one at a time per isolate (pdf/render.ts),
 * so past a few connections a certificate's latency is mostly its queue; both targets get the same load.
 */
import autocannon from "autocannon";
import { quickstartSubmission } from "../test/support/submissions.ts";
import { measurementOf, medianRound, type Measurement } from "./lib/bench-stats.ts";
import { cpuPerRequest } from "./lib/process-cpu.ts";
import { api as call, ensureSandbox, loadTestOrg } from "./lib/sandbox.ts";

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const sandboxUrl = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Target: the certificate's median latency at most this multiple of the read's. */
const TARGET_RATIO = 5;
/** Requests per target for the CPU-per-request figure. */
const CPU_REQUESTS = 100;

const stops: (() => void)[] = [];
const cleanup = () => stops.forEach((stop) => stop());
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

interface Target {
  name: string;
  url: string;
  key: string;
  body?: string;
}

async function measure({ name, url, key, body }: Target): Promise<Measurement> {
  const run = (seconds: number) =>
    autocannon({
      url,
      connections,
      duration: seconds,
      // A certificate under load can take seconds; count a slow answer as latency, not as an error.
      timeout: 60,
      ...(body ? { method: "POST" as const, body } : {}),
      headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}) },
    });
  await run(3); // warm-up: isolates, the PDF fonts, D1 pages and Durable Objects loaded
  const r = await run(duration);
  return measurementOf(name, r);
}

async function main() {
  console.log(`Starting the sandbox if needed (${ROUNDS} rounds of ${duration}s per target, ${connections} connections)…`);
  stops.push(await ensureSandbox(sandboxUrl, "bench-documents"));
  const { key } = await loadTestOrg(sandboxUrl, "Documents Benchmark");
  // Cover starting ten days from now on real time: in force for a certificate (the bench org's
  // sandbox clock is not set, so its today is the real one).
  const effectiveDate = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const submission = await call(sandboxUrl, "POST", "/v1/submissions", key, { ...quickstartSubmission(), effectiveDate });
  await call(sandboxUrl, "POST", `/v1/submissions/${submission.id}/quote`, key);
  const policy = await call(sandboxUrl, "POST", `/v1/submissions/${submission.id}/bind`, key, { installmentPlan: "PIF" });
  const certificate = JSON.stringify({
    policyId: policy.id,
    holder: { name: "Harbor View Properties LLC", address: { line1: "100 Main St", city: "Portland", state: "OR", postalCode: "97204" } },
    descriptionOfOperations: "Tenant improvements at 100 Main St, Portland.",
  });

  const targets: Target[] = [
    { name: "GET /v1/policies/:id (API key)", url: `${sandboxUrl}/v1/policies/${policy.id}`, key },
    { name: "POST /v1/coi/generate (render, R2, D1 batch)", url: `${sandboxUrl}/v1/coi/generate`, key, body: certificate },
  ];
  // Rounds interleave the targets so that drift in the machine's load hits them alike.
  const rounds: Measurement[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, target] of targets.entries()) rounds[t]!.push(await measure(target));
  }
  const [read, coi] = rounds.map(medianRound) as [Measurement, Measurement];
  console.log("\n| target | req/s | p50 ms | p99 ms | non-2xx | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of [read, coi]) console.log(`| ${r.name} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
  const ratio = coi.p50 / Math.max(read.p50, 1);
  const met = coi.p50 <= TARGET_RATIO * read.p50;
  console.log(`\np50(COI) = ${coi.p50} ms, ${ratio.toFixed(1)}× p50(read) = ${read.p50} ms: ${met ? "within" : "NOT within"} the target p50(COI) ≤ ${TARGET_RATIO} × p50(read).`);
  // What each request costs the whole sandbox, deferred work included, one request at a time.
  const once = (target: Target) => async () => {
    const res = await fetch(target.url, { method: target.body ? "POST" : "GET", body: target.body, headers: { "x-api-key": target.key, ...(target.body ? { "content-type": "application/json" } : {}) } });
    if (!res.ok) throw new Error(`${target.name} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const cpu = [];
  for (const target of targets) cpu.push(await cpuPerRequest(once(target), CPU_REQUESTS));
  if (cpu[0] != null && cpu[1] != null) {
    console.log(`CPU per request (every workerd process, ${CPU_REQUESTS} requests one at a time): read ${cpu[0].toFixed(1)} ms, certificate ${cpu[1].toFixed(1)} ms, ${(cpu[1] / cpu[0]).toFixed(1)}×.`);
  }
  const failed = [read, coi].filter((r) => r.non2xx > 0 || r.errors > 0);
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
