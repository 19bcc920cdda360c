/**
 * `npm run bench:rooms`: N WebSocket clients (default 1,000; DEAL_ROOM_CLIENTS) join ONE deal room
 * of the sandbox through wsUrl, then one client sends M messages (DEAL_ROOM_MESSAGES, default 20).
 * Reports connect success and broadcast fan-out latency (send → each client's receipt) p50/p99.
 *
 * Uses the sandbox at BENCH_URL (default http://127.0.0.1:8787) when it answers, otherwise starts
 * one. The npm script raises the open-file limit first (each client is a socket on both ends).
 */
import WebSocket from "ws";
import { api as call, ensureSandbox, loadTestOrg } from "./lib/sandbox.ts";

const base = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const clients = Number(process.env.DEAL_ROOM_CLIENTS ?? 1000);
const messages = Number(process.env.DEAL_ROOM_MESSAGES ?? 20);
const stops: (() => void)[] = [];
process.on("exit", () => stops.forEach((stop) => stop()));
const api = (method: string, path: string, token: string, body?: unknown) => call(base, method, path, token, body);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main() {
  stops.push(await ensureSandbox(base, "rooms"));
  const { key } = await loadTestOrg(base, "Fan-out");
  const room = await api("POST", "/v1/deal-rooms", key, { name: "Fan-out room" });

  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let connected = 0;
  let failed = 0;
  const sockets: WebSocket[] = [];
  const started = Date.now();
  // Join in waves: each client needs its own wsUrl (tokens live 60 s).
  for (let i = 0; i < clients; i += 50) {
    const wave = Array.from({ length: Math.min(50, clients - i) }, async () => {
      const { wsUrl } = await api("GET", `/v1/deal-rooms/${room.id}/ws`, key);
      const ws = new WebSocket(wsUrl);
      await new Promise<void>((done) => {
        ws.once("open", () => {
          connected++;
          done();
        });
        ws.once("error", () => {
          failed++;
          done();
        });
      });
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type !== "message") return;
        const at = sent.get(frame.message.body);
        if (at !== undefined) latencies.push(Date.now() - at);
      });
      sockets.push(ws);
    });
    await Promise.all(wave);
  }
  const joinedIn = Date.now() - started;
  const open = sockets.filter((s) => s.readyState === WebSocket.OPEN);
  const sender = open[0];
  if (!sender) throw new Error("no client connected");
  await new Promise((r) => setTimeout(r, 1000)); // let presence frames settle
  for (let m = 0; m < messages; m++) {
    const body = `fan-out ${m} ${Date.now()}`;
    sent.set(body, Date.now());
    sender.send(JSON.stringify({ type: "message", body }));
    await new Promise((r) => setTimeout(r, 200));
  }
  const expected = messages * open.length;
  const deadline = Date.now() + 30_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`
| figure | value |
| --- | ---: |
| clients asked to join | ${clients} |
| connected | ${connected} |
| failed to connect | ${failed} |
| time to join all | ${(joinedIn / 1000).toFixed(1)} s |
| messages sent | ${messages} |
| deliveries expected / received | ${expected} / ${latencies.length} |
| fan-out latency p50 | ${percentile(sorted, 50)} ms |
| fan-out latency p99 | ${percentile(sorted, 99)} ms |
| fan-out latency max | ${sorted.at(-1)} ms |
`);
  for (const s of sockets) s.terminate();
  if (connected < clients || latencies.length < expected) process.exitCode = 1;
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stops.forEach((stop) => stop()));
