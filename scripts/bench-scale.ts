/**
 * `npm run bench:scale`: does a read cost the same at 1,000 policies as at 100,000?
 *
 * Starts the real stack (`npm run dev`) on a scratch state directory, creates two orgs with
 * enterprise-tier read keys, stops it, loads a 1,000-policy book into one org and a 100,000-policy
 * book into the other (scripts/lib/scale-book.ts: the services' row shapes, summary rows included,
 * batched `wrangler d1 execute --file` loads), prints the query plans of the reads, starts the stack
 * again on that state and measures through the gateway, for both orgs in one run:
 *   - GET /v1/analytics/:orgId/portfolio
 *   - GET /v1/analytics/:orgId/da-utilization
 *   - GET /v1/policies?lineOfBusiness=GL&state=CA&limit=25 (a filtered list page)
 *   - GET /v1/policies/:id
 *   - GET /v1/analytics/:orgId/commissions (a year's commissions summary by producer)
 *   - GET /v1/producers/:id/commissions?limit=25 (a producer's statement page)
 * The book is sold through {@link PRODUCERS} producers, so the producers worker's database gets the
 * producer records, a commission row per transaction and the monthly summary rows beside it.
 * Each figure is the median of BENCH_ROUNDS rounds (default 3) of BENCH_DURATION seconds (default
 * 5) at BENCH_CONNECTIONS (default 8), the targets interleaved so that drift in the machine's load
 * hits them alike. The growth ratio is the 100,000-policy latency over the 1,000-policy latency, at
 * p50 and at p99; the run fails (exit 1) if any ratio exceeds 2 or any request failed.
 * BENCH_SCALE_PORT (default 8797) picks the sandbox port; BENCH_SCALE_SIZES (default
 * "1000,100000") the two book sizes.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { bookStatements, loadStatements, PRODUCERS_DB, UNDERWRITING_DB, type LocalDatabase } from "./lib/scale-book.ts";
import { api, loadTestOrg, root, waitFor, wranglerEnv } from "./lib/sandbox.ts";

const duration = Number(process.env.BENCH_DURATION ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const port = Number(process.env.BENCH_SCALE_PORT ?? 8797);
const sizes = (process.env.BENCH_SCALE_SIZES ?? "1000,100000").split(",").map(Number) as [number, number];
const base = `http://127.0.0.1:${port}`;
const MAX_RATIO = 2;
/** Enterprise keys (10,000/min each) per org, so that no measurement trips a rate limit. */
const KEY_COUNT = 8;
/** Producers who sold each book: the summary reads at most 12 months × this × 3 lines of summary rows. */
const PRODUCERS = 10;

const state = mkdtempSync(join(tmpdir(), "oi-bench-scale-"));
let sandbox: ChildProcess | null = null;

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startSandbox(): Promise<void> {
  sandbox = spawn("npm", ["run", "dev"], {
    cwd: root,
    stdio: "ignore",
    detached: true,
    env: { ...process.env, PORT: String(port), SANDBOX_STATE: state, SANDBOX_QUIET: "1" },
  });
  await waitFor(`${base}/health`, 180_000);
}

/** Stop the sandbox and wait until every process of its group (npm, wrangler, workerd) is gone. */
async function stopSandbox(): Promise<void> {
  const pid = sandbox?.pid;
  sandbox = null;
  if (!pid) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pid)) process.kill(-pid, "SIGKILL");
}

process.on("exit", () => {
  if (sandbox?.pid && groupAlive(sandbox.pid)) process.kill(-sandbox.pid, "SIGTERM");
  rmSync(state, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));

interface Org {
  size: number;
  orgId: string;
  keys: string[];
  /** The producers who sold the book, once loaded. */
  producerIds: string[];
  /** Per booked month, the commission rows' sums, once loaded. */
  commissionMonths: Map<string, { writtenCents: number; commissionCents: number; count: number }>;
}

async function createOrg(size: number): Promise<Org> {
  const { orgId, token } = await loadTestOrg(base, `Scale ${size}`);
  const keys: string[] = [];
  for (let i = 0; i < KEY_COUNT; i++) {
    keys.push(String((await api(base, "POST", "/v1/api-keys", token, { name: `scale ${size} ${i}`, preset: "read_only", rateLimitTier: "enterprise" })).key));
  }
  return { size, orgId, keys, producerIds: [], commissionMonths: new Map() };
}

/** The query plans of the reads measured, from the loaded database. */
function printPlans(org: Org) {
  const o = org.orgId.replace(/'/g, "''");
  const p = (org.producerIds[0] ?? "").replace(/'/g, "''");
  const queries: [string, string, LocalDatabase?][] = [
    ["portfolio totals", `SELECT * FROM portfolio_totals WHERE org_id = '${o}'`],
    ["portfolio months", `SELECT line_of_business, state, sum(earned_cents) FROM portfolio_monthly WHERE org_id = '${o}' AND month < '2026-12' GROUP BY 1, 2`],
    ["portfolio days", `SELECT line_of_business, state, sum(earned_cents) FROM portfolio_daily WHERE org_id = '${o}' AND day >= '2026-12-01' AND day <= '2026-12-15' GROUP BY 1, 2`],
    ["DA utilisation", `SELECT * FROM da_agreements a LEFT JOIN da_agreement_usage u ON u.agreement_id = a.id WHERE a.org_id = '${o}' ORDER BY a.created_at`],
    ["filtered list", `SELECT * FROM policies WHERE org_id = '${o}' AND line_of_business = 'GL' AND state = 'CA' ORDER BY created_at DESC, id DESC LIMIT 26`],
    ["policy read", `SELECT * FROM policies WHERE org_id = '${o}' AND id = 'pol_x'`],
    [
      "commissions summary",
      `SELECT s.producer_id, (SELECT p.name FROM producers p WHERE p.id = s.producer_id), sum(s.written_premium_cents), sum(s.commission_cents) FROM commission_summaries s WHERE s.org_id = '${o}' AND s.month >= '2026-01' AND s.month <= '2026-12' GROUP BY s.producer_id ORDER BY s.producer_id`,
      PRODUCERS_DB,
    ],
    ["producer statement page", `SELECT * FROM commissions WHERE org_id = '${o}' AND producer_id = '${p}' ORDER BY created_at DESC, id DESC LIMIT 26`, PRODUCERS_DB],
  ];
  console.log("\nQuery plans (EXPLAIN QUERY PLAN on the loaded database):");
  for (const [name, q, db = UNDERWRITING_DB] of queries) {
    const result = spawnSync(
      "wrangler",
      ["d1", "execute", db.name, "--local", "-c", db.config, "--persist-to", state, "--json", "--command", `EXPLAIN QUERY PLAN ${q}`],
      { cwd: root, env: wranglerEnv(), encoding: "utf8" },
    );
    let detail = result.stderr.trim();
    try {
      detail = (JSON.parse(result.stdout) as { results: { detail: string }[] }[])[0]!.results.map((r) => r.detail).join("; ");
    } catch {
      // keep stderr
    }
    console.log(`  ${name}: ${detail}`);
  }
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

async function measure(url: string, keys: string[]): Promise<Measurement> {
  let i = 0;
  const run = (seconds: number) =>
    autocannon({ url, connections, duration: seconds, setupClient: (client) => client.setHeaders({ "x-api-key": keys[i++ % keys.length]! }) });
  await run(1); // warm-up
  const r = await run(duration);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failures: r.errors + r.timeouts + r.non2xx };
}

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.p50 - b.p50);
  return { ...sorted[Math.floor(sorted.length / 2)]!, failures: ms.reduce((n, m) => n + m.failures, 0) };
}

async function main() {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  console.log(`bench:scale: books of ${sizes.join(" and ")} policies (state ${state})`);
  await startSandbox();
  const orgs: Org[] = [];
  for (const size of sizes) orgs.push(await createOrg(size));
  await stopSandbox();
  console.log(`Stack up, orgs and keys created, stack stopped (${elapsed()}).`);

  const today = new Date().toISOString().slice(0, 10);
  for (const [n, org] of orgs.entries()) {
    const t = Date.now();
    const book = bookStatements({ orgId: org.orgId, policies: org.size, agreements: 5, today, seed: n + 1, producers: PRODUCERS });
    org.producerIds = book.producerIds;
    org.commissionMonths = book.commissionMonths;
    const generated = Date.now();
    loadStatements(state, book.underwriting);
    loadStatements(state, book.producers, undefined, undefined, PRODUCERS_DB);
    const rows = [...book.commissionMonths.values()].reduce((sum, m) => sum + m.count, 0);
    console.log(
      `Loaded ${org.size} policies and ${rows} commission rows of ${PRODUCERS} producers: ${book.underwriting.length} + ${book.producers.length} statements, generated in ${((generated - t) / 1000).toFixed(1)} s, written in ${((Date.now() - generated) / 1000).toFixed(1)} s.`,
    );
  }
  printPlans(orgs[orgs.length - 1]!);

  await startSandbox();
  console.log(`\nStack restarted on the loaded state (${elapsed()}).`);
  const targets: { name: string; org: Org; url: string }[] = [];
  for (const org of orgs) {
    const key = org.keys[0]!;
    const book = await api(base, "GET", `/v1/analytics/${org.orgId}/portfolio`, key);
    if (book.policyCount !== org.size) throw new Error(`org of ${org.size} reports ${book.policyCount} policies`);
    const da = await api(base, "GET", `/v1/analytics/${org.orgId}/da-utilization`, key);
    const page = await api(base, "GET", "/v1/policies?lineOfBusiness=GL&state=CA&limit=25", key);
    const policyId = String((page.data as { id: string }[])[0]!.id);
    console.log(
      `  ${org.size}: ${book.policyCount} policies, written ${book.writtenPremium}, earned ${book.earnedPremium} as of ${book.asOf}, ${book.activePolicyCount} active; ${(da.data as unknown[]).length} DA agreements; list page of ${(page.data as unknown[]).length}`,
    );
    // The summary's year must hold what the loaded rows hold for its months, to the cent.
    const summary = await api(base, "GET", `/v1/analytics/${org.orgId}/commissions`, key);
    const expected = { writtenCents: 0, commissionCents: 0, count: 0 };
    for (const [month, m] of org.commissionMonths) {
      if (month < String(summary.from) || month > String(summary.to)) continue;
      expected.writtenCents += m.writtenCents;
      expected.commissionCents += m.commissionCents;
      expected.count += m.count;
    }
    const total = summary.total as { writtenPremium: number; commission: number; transactionCount: number };
    if (Math.round(total.commission * 100) !== expected.commissionCents || Math.round(total.writtenPremium * 100) !== expected.writtenCents || total.transactionCount !== expected.count) {
      throw new Error(`org of ${org.size}: the summary ${JSON.stringify(total)} is not the loaded rows' ${JSON.stringify(expected)}`);
    }
    const producerId = org.producerIds[0]!;
    const statement = await api(base, "GET", `/v1/producers/${producerId}/commissions?limit=25`, key);
    if ((statement.data as unknown[]).length !== Math.min(25, Math.ceil(org.size / PRODUCERS))) throw new Error(`org of ${org.size}: a statement page of ${(statement.data as unknown[]).length}`);
    console.log(
      `      commissions ${summary.from}…${summary.to}: ${(summary.groups as unknown[]).length} producers, written ${total.writtenPremium}, commission ${total.commission}, ${total.transactionCount} transactions; statement page of ${(statement.data as unknown[]).length}`,
    );
    targets.push(
      { name: "portfolio analytics", org, url: `${base}/v1/analytics/${org.orgId}/portfolio` },
      { name: "DA utilisation", org, url: `${base}/v1/analytics/${org.orgId}/da-utilization` },
      { name: "filtered policy list page", org, url: `${base}/v1/policies?lineOfBusiness=GL&state=CA&limit=25` },
      { name: "policy read", org, url: `${base}/v1/policies/${policyId}` },
      { name: "commissions summary (a year)", org, url: `${base}/v1/analytics/${org.orgId}/commissions` },
      { name: "producer statement page", org, url: `${base}/v1/producers/${producerId}/commissions?limit=25` },
    );
  }

  console.log(`\nMeasuring: ${ROUNDS} rounds × ${targets.length} targets × ${duration} s at ${connections} connections…`);
  const rounds: Measurement[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, target] of targets.entries()) rounds[t]!.push(await measure(target.url, target.org.keys));
  }
  const results = rounds.map(median);

  const [small, large] = sizes;
  console.log(`\n| read | policies | req/s | p50 ms | p99 ms | failures |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  targets.forEach((t, i) => {
    const r = results[i]!;
    console.log(`| ${t.name} | ${t.org.size.toLocaleString("en-US")} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.failures} |`);
  });
  console.log(`\n| read | p50 growth ${large}/${small} | p99 growth | req/s growth |`);
  console.log("| --- | ---: | ---: | ---: |");
  let failed = false;
  const names = [...new Set(targets.map((t) => t.name))];
  for (const name of names) {
    const [a, b] = sizes.map((size) => results[targets.findIndex((t) => t.name === name && t.org.size === size)]!) as [Measurement, Measurement];
    // Latencies are whole milliseconds at best; a 1 ms floor keeps a 0 ms p50 from dividing by zero.
    const p50 = b.p50 / Math.max(a.p50, 1);
    const p99 = b.p99 / Math.max(a.p99, 1);
    const over = p50 > MAX_RATIO || p99 > MAX_RATIO;
    if (over || a.failures + b.failures > 0) failed = true;
    console.log(`| ${name} | ${p50.toFixed(2)}× | ${p99.toFixed(2)}× | ${(b.rps / a.rps).toFixed(2)}× |${over ? " over target" : ""}`);
  }
  console.log(`\nTarget: every growth ratio ≤ ${MAX_RATIO}× (${elapsed()} in all).`);
  if (failed) {
    console.error("A growth ratio exceeded the target or requests failed.");
    process.exitCode = 1;
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(stopSandbox);
