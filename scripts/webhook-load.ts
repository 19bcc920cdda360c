/**
 * `npm run bench:webhooks`: N events (default 1,000) through the whole delivery path of the
 * sandbox — outbox → relay → queue → fan-out → signed POST — to a receiver on 127.0.0.1 that fails
 * a share (default 20%) of first attempts. Reports whether every event arrived, how many arrived
 * more than once (always with the same webhook-id), retries, the time to drain, throughput, and the
 * latency from a submission's create answering to its event's first 2xx at the receiver (p50, p99).
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers, otherwise starts
 * one on scratch state. WEBHOOK_LOAD_EVENTS and WEBHOOK_LOAD_FAILURE_RATE tune the run.
 *
 * WEBHOOK_LOAD_ORDERED=1 also quotes every submission, so each has two events of one subject
 * (submission.created, then submission.quoted), and counts the submissions whose quoted event
 * reached the receiver before their created event had been answered 2xx (ordered delivery: 0).
 */
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { api as call, ensureSandbox, loadTestOrg } from "./lib/sandbox.ts";

const base = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const total = Number(process.env.WEBHOOK_LOAD_EVENTS ?? 1000);
const failureRate = Number(process.env.WEBHOOK_LOAD_FAILURE_RATE ?? 0.2);
const ordered = process.env.WEBHOOK_LOAD_ORDERED === "1";
const eventsPerSubmission = ordered ? 2 : 1;
const stops: (() => void)[] = [];
process.on("exit", () => stops.forEach((stop) => stop()));
const api = (method: string, path: string, token: string, body?: unknown) => call(base, method, path, token, body);

async function main() {
  stops.push(await ensureSandbox(base, "webhook-load"));
  let secret = "";
  const firstSeen = new Set<string>();
  const deliveredIds = new Map<string, number>();
  /** submission id → when its create answered / when its event first got a 2xx. */
  const createdAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  let attempts = 0;
  let failedOnPurpose = 0;
  let badSignatures = 0;
  /** submission id → its created event got a 2xx; submissions whose quoted came before that. */
  const createdDelivered = new Set<string>();
  const outOfOrder = new Set<string>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      attempts++;
      const id = String(req.headers["webhook-id"]);
      const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      if (req.headers["x-openinsure-signature"] !== expected) badSignatures++;
      let event: { type?: string; data?: { submissionId?: unknown } } = {};
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        // not JSON: counted, no latency or order
      }
      const submissionId = String(event.data?.submissionId);
      if (event.type === "submission.quoted" && !createdDelivered.has(submissionId)) outOfOrder.add(submissionId);
      if (!firstSeen.has(id)) {
        firstSeen.add(id);
        if (Math.random() < failureRate) {
          failedOnPurpose++;
          res.writeHead(503).end("try later");
          return;
        }
      }
      deliveredIds.set(id, (deliveredIds.get(id) ?? 0) + 1);
      if (event.type === "submission.created") {
        createdDelivered.add(submissionId);
        if (!deliveredAt.has(submissionId)) deliveredAt.set(submissionId, Date.now());
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  stops.push(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;

  const { key: token } = await loadTestOrg(base, "Webhook load");
  const endpoint = await api("POST", "/v1/webhooks", token, { url, events: ordered ? ["submission.*"] : ["submission.created"] });
  secret = endpoint.secret;

  console.log(
    `Creating ${total} submissions (${ordered ? "each quoted: submission.created, then submission.quoted" : "one submission.created event each"}); receiver fails ${failureRate * 100}% of first attempts…`,
  );
  const started = Date.now();
  const body = {
    insuredName: "Load Co",
    naicsCode: "236220",
    annualRevenue: 1000000,
    requestedLimit: 1000000,
    effectiveDate: "2027-01-01",
    state: "OR",
    lineOfBusiness: "GL",
  };
  for (let i = 0; i < total; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, total - i) }, async () => {
        const submission = await api("POST", "/v1/submissions", token, body);
        createdAt.set(String(submission.id), Date.now());
        if (ordered) await api("POST", `/v1/submissions/${submission.id}/quote`, token);
      }),
    );
  }
  const created = Date.now();
  const deadline = Date.now() + 300_000;
  while (deliveredIds.size < total * eventsPerSubmission && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const drained = Date.now();

  const duplicates = [...deliveredIds.values()].filter((n) => n > 1).length;
  const latencies = [...createdAt].flatMap(([id, at]) => (deliveredAt.has(id) ? [Math.max(0, deliveredAt.get(id)! - at)] : [])).sort((a, b) => a - b);
  const pct = (q: number) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!);
  const drainSeconds = (drained - started) / 1000;
  console.log(`
| figure | value |
| --- | ---: |
| events created | ${total * eventsPerSubmission} |
| events delivered (distinct webhook-id) | ${deliveredIds.size} |
| events lost | ${total * eventsPerSubmission - deliveredIds.size} |
| first attempts failed on purpose | ${failedOnPurpose} |
| POSTs received (all attempts) | ${attempts} |
| events delivered more than once (same webhook-id) | ${duplicates} |
| signatures that did not verify | ${badSignatures} |
| time to create the events | ${((created - started) / 1000).toFixed(1)} s |
| time until the last event was delivered | ${drainSeconds.toFixed(1)} s |
| throughput (events delivered / time to the last) | ${(deliveredIds.size / drainSeconds).toFixed(1)} /s |
| latency create → first 2xx, p50 | ${pct(0.5)} ms |
| latency create → first 2xx, p99 | ${pct(0.99)} ms |
${ordered ? `| submissions whose quoted event arrived before their created event's 2xx | ${outOfOrder.size} |\n` : ""}`);
  if (deliveredIds.size < total * eventsPerSubmission || badSignatures > 0 || outOfOrder.size > 0) process.exitCode = 1;
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stops.forEach((stop) => stop()));
