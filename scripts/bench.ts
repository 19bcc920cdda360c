/**
 * `npm run bench`: requests/s, p50 and p99 for
 *   1. baseline   — a bare worker doing one D1 primary-key read (bench/baseline),
 *   2. GET /health through the gateway,
 *   3. an authenticated GET /v1/submissions/:id (API key → rate limiter → RPC → D1),
 *   4. a write baseline — the bare worker inserting the request body as a new D1 row,
 *   5. an authenticated POST /v1/submissions: the whole door (media type, strict schema, the shared
 *      input rules), RPC, and the submission and its outbox event written in one D1 batch,
 * measured one after another in the same run on the same machine. Reads compare with the read
 * baseline, writes with the write baseline.
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers; otherwise starts
 * one with `npm run dev` on a scratch state directory and stops it afterwards.
 * BENCH_DURATION (seconds per measurement, default 10), BENCH_ROUNDS (default 5; the median round
 * is reported) and BENCH_CONNECTIONS (default 32) tune the load.
 *
 * Both sides run under the same wrangler settings (lib/sandbox.ts `wranglerEnv`): wrangler's local
 * trace collection is off unless X_LOCAL_OBSERVABILITY=true. A sandbox that is already running
 * must have been started with the same value for the comparison to be fair.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { quickstartSubmission } from "../test/support/submissions.ts";
import { measurementOf, medianRound, type Measurement } from "./lib/bench-stats.ts";
import { api as call, devVar, ensureSandbox, root, waitFor, wranglerEnv } from "./lib/sandbox.ts";

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const sandboxUrl = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const baselinePort = Number(process.env.BENCH_BASELINE_PORT ?? 8790);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Enough enterprise keys (10,000/min each) that the load never trips a rate limit. */
const KEY_COUNT = 20;

const children: ChildProcess[] = [];
const stops: (() => void)[] = [];
const cleanup = () => {
  children.forEach((c) => c.kill("SIGTERM"));
  stops.forEach((stop) => stop());
};
const api = (method: string, path: string, token: string, body?: unknown) => call(sandboxUrl, method, path, token, body);
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

async function startBaseline(): Promise<string> {
  const state = mkdtempSync(join(tmpdir(), "oi-bench-baseline-"));
  const config = "bench/baseline/wrangler.toml";
  spawnSync("wrangler", ["d1", "migrations", "apply", "openinsure-bench-baseline", "--local", "-c", config, "--persist-to", state], {
    cwd: root,
    stdio: "ignore",
    env: wranglerEnv(),
  });
  const child = spawn(
    "wrangler",
    [
      "dev",
      "-c",
      config,
      "--ip",
      "127.0.0.1",
      "--port",
      String(baselinePort),
      "--persist-to",
      state,
      "--inspector-port",
      "0",
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: root,
      stdio: "ignore",
      env: wranglerEnv(),
    },
  );
  children.push(child);
  const url = `http://127.0.0.1:${baselinePort}`;
  await waitFor(`${url}/items/item_1`);
  return url;
}

/** A bench org on the enterprise plan, keys on the enterprise tier (read-only and writing), and one submission to read. */
async function prepareSandbox(apiSecret: string) {
  // On enterprise: a run makes hundreds of thousands of requests, past any other plan's api_calls.
  const org = await api("POST", "/v1/orgs", apiSecret, { name: "Benchmark Org", slug: `bench-${Date.now()}`, plan: "enterprise" });
  const { token } = await api("POST", "/auth/demo", apiSecret, { secret: apiSecret, orgId: org.id });
  const keys: string[] = [];
  const writeKeys: string[] = [];
  for (let i = 0; i < KEY_COUNT; i++) {
    keys.push((await api("POST", "/v1/api-keys", token, { name: `bench ${i}`, preset: "read_only", rateLimitTier: "enterprise" })).key);
    writeKeys.push((await api("POST", "/v1/api-keys", token, { name: `bench write ${i}`, preset: "underwriting", rateLimitTier: "enterprise" })).key);
  }
  const submission = await api("POST", "/v1/submissions", token, quickstartSubmission());
  return { keys, writeKeys, submissionId: submission.id as string };
}

/** One benchmark target: what is requested, and which baseline it is compared with. */
interface Target {
  name: string;
  url: string;
  headers?: (i: number) => Record<string, string>;
  request?: { method: "POST"; body: string };
  /** Index of the target whose throughput is 100% for this one. */
  baseline: number;
}

async function measure({ name, url, headers: headersFor, request }: Target): Promise<Measurement> {
  let i = 0;
  const run = (seconds: number) =>
    autocannon({
      url,
      connections,
      duration: seconds,
      ...(request ? { method: request.method, body: request.body, headers: { "content-type": "application/json" } } : {}),
      setupClient: headersFor
        ? (client) => {
            client.setHeaders({ ...(request ? { "content-type": "application/json" } : {}), ...headersFor(i++) });
          }
        : undefined,
    });
  await run(1); // warm-up: isolates, D1 pages and Durable Objects loaded
  const r = await run(duration);
  return measurementOf(name, r);
}

async function main() {
  const apiSecret = devVar("API_SECRET");
  console.log(`Starting the baseline worker and the sandbox (${ROUNDS} rounds of ${duration}s per target, ${connections} connections)…`);
  console.log(`wrangler local trace collection (X_LOCAL_OBSERVABILITY): ${wranglerEnv().X_LOCAL_OBSERVABILITY}, on both sides`);
  const [baselineUrl, stopSandbox] = await Promise.all([startBaseline(), ensureSandbox(sandboxUrl, "bench-sandbox")]);
  stops.push(stopSandbox);
  const { keys, writeKeys, submissionId } = await prepareSandbox(apiSecret);
  // The baseline serves the same bytes the gateway returns for this submission.
  const body = await (await fetch(`${sandboxUrl}/v1/submissions/${submissionId}`, { headers: { "x-api-key": keys[0]! } })).text();
  await fetch(`${baselineUrl}/items/item_1`, { method: "PUT", body });

  // Rounds interleave the targets so that drift in the machine's load hits them alike; each figure
  // is the median round.
  const write = { method: "POST" as const, body: JSON.stringify(quickstartSubmission()) };
  const targets: Target[] = [
    { name: "baseline: bare worker, one D1 primary-key read", url: `${baselineUrl}/items/item_1`, baseline: 0 },
    { name: "gateway: GET /health", url: `${sandboxUrl}/health`, baseline: 0 },
    {
      name: "gateway: GET /v1/submissions/:id (API key)",
      url: `${sandboxUrl}/v1/submissions/${submissionId}`,
      headers: (i) => ({ "x-api-key": keys[i % keys.length]! }),
      baseline: 0,
    },
    { name: "write baseline: bare worker, one D1 insert", url: `${baselineUrl}/items`, request: write, baseline: 3 },
    {
      name: "gateway: POST /v1/submissions (API key, validated write)",
      url: `${sandboxUrl}/v1/submissions`,
      headers: (i) => ({ "x-api-key": writeKeys[i % writeKeys.length]! }),
      request: write,
      baseline: 3,
    },
  ];
  const rounds: Measurement[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, target] of targets.entries()) rounds[t]!.push(await measure(target));
  }
  const results = rounds.map(medianRound);
  console.log("\n| target | req/s | p50 ms | p99 ms | vs its baseline | non-2xx | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [t, r] of results.entries()) {
    const baseline = results[targets[t]!.baseline]!.rps;
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${((r.rps / baseline) * 100).toFixed(0)}% | ${r.non2xx} | ${r.errors} |`,
    );
  }
  const authenticated = results[2]!;
  console.log(`\nAuthenticated read keeps ${((authenticated.rps / results[0]!.rps) * 100).toFixed(0)}% of the baseline's throughput (target ≥ 70%).`);
  const failed = [results[2]!, results[4]!].filter((r) => r.non2xx > 0 || r.errors > 0);
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
