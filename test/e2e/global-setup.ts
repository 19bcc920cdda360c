import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { devVar } from "../../scripts/lib/sandbox.ts";
import { TEST_NOW } from "../support/clock.ts";

declare module "vitest" {
  export interface ProvidedContext {
    sandbox: { baseUrl: string; orgId: string; apiKey: string; apiSecret: string; stripeApiBase: string | null };
  }
}

const root = resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on("error", reject);
  });
}


/**
 * Start the real sandbox exactly as a developer does (`npm run dev`), on a free port with a scratch
 * state directory, and wait for it to print SANDBOX_READY. `npm run dev` starts the local Stripe
 * stand-in with it (once for the whole e2e run), sending its signed events to this sandbox's
 * /webhooks/stripe; its origin is provided as `sandbox.stripeApiBase`.
 */
export default async function startSandbox(project: TestProject) {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "oi-e2e-"));
  const child: ChildProcess = spawn("npm", ["run", "dev"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), SANDBOX_STATE: state, SANDBOX_QUIET: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const ready = await new Promise<{ baseUrl: string; orgId: string; apiKey: string; stripeApiBase: string | null }>((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox not ready within 300 s:\n${output}`)), 300_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = output.match(/SANDBOX_READY (\{.*\})/);
      if (m) {
        clearTimeout(timer);
        done(JSON.parse(m[1]!));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => reject(new Error(`npm run dev exited (${code}):\n${output}`)));
  });
  child.stdout!.resume();
  // The demo org runs on the test calendar (test/support/clock.ts), as every test org does.
  const clock = await fetch(`${ready.baseUrl}/v1/sandbox/clock`, { method: "POST", headers: { "x-api-key": ready.apiKey, "content-type": "application/json" }, body: JSON.stringify({ now: TEST_NOW }) });
  if (clock.status !== 200) throw new Error(`setting the demo org's sandbox clock failed: ${clock.status} ${await clock.text()}`);
  project.provide("sandbox", { ...ready, apiSecret: devVar("API_SECRET") });

  return () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    rmSync(state, { recursive: true, force: true });
  };
}
