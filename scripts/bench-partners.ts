/**
 * `npm run bench:partners`: requests/s, p50 and p99 of a partner's public referral link
 * `GET /r/:code` (the per-IP limit's Durable Object, two keyed hashes, one RPC reading the code by
 * its key, the click queued after the answer) beside `GET /health` (the gateway alone), measured
 * alternately in the same run on the same machine; then whether the link reaches 0.6× the
 * throughput of /health (the target), and whether every click answered 302 was counted
 * exactly once (the code's click count, once the click queue has drained, equals the 302s sent).
 *
 * Clicks come from a pool of client addresses (`CF-Connecting-IP`), as real traffic does, each reused
 * (its limiter object warm) and none past the 60-a-minute limit; any 429 is reported and fails the
 * run. Each measurement sends a fixed number of requests and waits for every answer, so the clicks the
 * server recorded are exactly the 302s the client saw (a timed run would abandon requests in flight).
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers; otherwise starts
 * one with `npm run dev` on a scratch state directory and stops it afterwards. BENCH_REQUESTS
 * (requests per measurement, default 1000), BENCH_ROUNDS (default 3; the median round is reported),
 * BENCH_CONNECTIONS (default 10) and BENCH_IPS (addresses in the pool, default 300) tune the load.
 */
import { measurementOf, medianRound, runCounted, type Measurement } from "./lib/bench-stats.ts";
import { api as call, ensureSandbox, loadTestOrg } from "./lib/sandbox.ts";

const requests = Number(process.env.BENCH_REQUESTS ?? 1000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const sandboxUrl = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POOL = Number(process.env.BENCH_IPS ?? 300);
/** Target: the link's throughput at least this share of /health's. */
const TARGET_SHARE = 0.6;
/** How long the click queue may take to drain after the last round. */
const DRAIN_MS = 120_000;

const stops: (() => void)[] = [];
const cleanup = () => stops.forEach((stop) => stop());
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

/** The pool's n-th address, in 10.0.0.0/8 (never a real client). */
const addressOf = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
let nextAddress = 0;

interface Run {
  measurement: Measurement;
  redirects: number;
  limited: number;
}

async function run(name: string, path: string, amount: number, rotateIp: boolean): Promise<Run> {
  const { result, seconds } = await runCounted({
    url: `${sandboxUrl}${path}`,
    connections,
    amount,
    timeout: 30,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => (rotateIp ? { ...req, headers: { ...req.headers, "cf-connecting-ip": addressOf(nextAddress++ % POOL), "user-agent": "bench-partners" } } : req),
      },
    ],
  });
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  const redirects = stats["302"]?.count ?? 0;
  const limited = stats["429"]?.count ?? 0;
  // A fixed number of requests runs a few seconds: throughput is the whole run's (to its last
  // answer), not a per-second bucket average.
  const m = { ...measurementOf(name, result), rps: result.requests.total / seconds };
  // A redirect is the link's success: only what is neither 2xx nor 302 counts as a failure.
  return { measurement: { ...m, non2xx: rotateIp ? m.non2xx - redirects : m.non2xx }, redirects, limited };
}

async function clicksOf(key: string, partnerId: string): Promise<number> {
  const codes = await call(sandboxUrl, "GET", `/v1/partners/${partnerId}/codes`, key);
  return (codes.data as { clicks: number }[]).reduce((n, c) => n + c.clicks, 0);
}

async function main() {
  console.log(`Starting the sandbox if needed (${ROUNDS} rounds of ${requests} requests per target, ${connections} connections, ${POOL} client addresses)…`);
  stops.push(await ensureSandbox(sandboxUrl, "bench-partners"));
  const { key } = await loadTestOrg(sandboxUrl, "Partners Benchmark");
  const partner = await call(sandboxUrl, "POST", "/v1/partners", key, {
    name: "Benchmark Payroll",
    contactEmail: "partners@bench.example",
    landingUrl: "https://payroll.example/insurance",
    commissionRate: 10,
  });
  const link = `/r/${partner.defaultCode}`;
  const probe = await fetch(`${sandboxUrl}${link}`, { redirect: "manual", headers: { "cf-connecting-ip": addressOf(POOL + 1) } });
  if (probe.status !== 302) throw new Error(`GET ${link} answered ${probe.status}, not 302`);
  let sent = 1;

  // Warm-up: isolates, the rate limiter's objects for the pool, D1 pages.
  sent += (await run("warm-up", link, POOL, true)).redirects;
  await run("warm-up", "/health", POOL, false);

  const rounds: Measurement[][] = [[], []];
  let limited = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const health = await run("GET /health", "/health", requests, false);
    rounds[0]!.push(health.measurement);
    const click = await run("GET /r/:code (limit, hashes, lookup, queued click)", link, requests, true);
    rounds[1]!.push(click.measurement);
    sent += click.redirects;
    limited += click.limited;
  }
  const [health, click] = rounds.map(medianRound) as [Measurement, Measurement];
  console.log("\n| target | req/s | p50 ms | p99 ms | failures | errors |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of [health, click]) console.log(`| ${r.name} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
  const share = click.rps / Math.max(health.rps, 1);
  console.log(`\nGET /r/:code reaches ${(share * 100).toFixed(0)}% of GET /health's throughput: ${share >= TARGET_SHARE ? "within" : "NOT within"} the target of ${TARGET_SHARE * 100}%.`);

  // Every redirect counted once: wait for the click queue to drain, then a little longer for any double count.
  const deadline = Date.now() + DRAIN_MS;
  let counted = await clicksOf(key, partner.id);
  while (counted < sent && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    counted = await clicksOf(key, partner.id);
  }
  await new Promise((r) => setTimeout(r, 3000));
  counted = await clicksOf(key, partner.id);
  const exact = counted === sent;
  console.log(`Clicks answered 302: ${sent}; clicks counted: ${counted}: ${exact ? "each counted exactly once" : "MISMATCH"}.`);
  if (!exact || limited > 0 || health.non2xx + health.errors + click.non2xx + click.errors > 0) {
    if (limited > 0) console.error(`${limited} clicks were rate limited (429): raise BENCH_IPS.`);
    console.error("The run saw failures; the figures above are not valid.");
    process.exitCode = 1;
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(cleanup);
