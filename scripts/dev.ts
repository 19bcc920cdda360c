/**
 * `npm run dev`: the whole platform on http://127.0.0.1:8787.
 * Creates .dev.vars from .dev.vars.example when missing, applies every D1 migration, starts all
 * workers of workers/registry.ts in one `wrangler dev -c … -c …`, seeds the demo org and prints a ready API key.
 *
 * Environment: PORT (default 8787), SANDBOX_STATE (persistence dir, default .wrangler/state),
 * SANDBOX_QUIET=1 to keep wrangler's own output off the console (tests use it),
 * X_LOCAL_OBSERVABILITY=true to turn wrangler's local trace collection back on (see wranglerEnv).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { registry } from "../workers/registry.ts";
import { devPlan } from "./lib/dev-plan.ts";
import { root, wranglerEnv } from "./lib/sandbox.ts";
import { startStripeStandIn, type StripeStandIn } from "./lib/stripe-standin.ts";

const port = Number(process.env.PORT ?? 8787);
const state = resolve(root, process.env.SANDBOX_STATE ?? ".wrangler/state");
const quiet = process.env.SANDBOX_QUIET === "1";
const base = `http://127.0.0.1:${port}`;

/** Every worker of workers/registry.ts: its config, its database's migrations, its .dev.vars copy. */
const plan = devPlan(registry(), state);

function parseVars(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
    if (m) vars.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return vars;
}

/**
 * .dev.vars from .dev.vars.example: created when missing, and completed with any setting the
 * example gained since (values already there are never changed).
 */
function ensureDevVars(): Record<string, string> {
  const path = resolve(root, ".dev.vars");
  const exampleText = readFileSync(resolve(root, ".dev.vars.example"), "utf8");
  if (!existsSync(path)) {
    copyFileSync(resolve(root, ".dev.vars.example"), path);
    console.log("Created .dev.vars from .dev.vars.example");
  }
  const current = parseVars(readFileSync(path, "utf8"));
  const missing = [...parseVars(exampleText)].filter(([key]) => !current.has(key));
  if (missing.length) {
    appendFileSync(path, `\n# Added from .dev.vars.example\n${missing.map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
    for (const [k, v] of missing) current.set(k, v);
    console.log(`Added ${missing.map(([k]) => k).join(", ")} to .dev.vars`);
  }
  if (!current.get("API_SECRET") || !current.get("JWT_SECRET")) throw new Error(".dev.vars must define API_SECRET and JWT_SECRET");
  // `wrangler dev -c … -c …` reads each worker's secrets from the .dev.vars beside its own config.
  for (const dir of plan.devVarsCopies) copyFileSync(path, resolve(root, dir, ".dev.vars"));
  return Object.fromEntries(current);
}

function wrangler(args: string[]) {
  const result = spawnSync("wrangler", args, { cwd: root, stdio: quiet ? "pipe" : "inherit", env: wranglerEnv() });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(result.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed`);
  }
}

function applyMigrations() {
  for (const args of plan.migrations) wrangler(args);
}

async function waitForHealth(child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the sandbox did not answer ${base}/health within ${timeoutMs / 1000} s`);
}

async function call(method: string, path: string, token: string, body?: unknown, extra: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...extra },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The demo org (slug `demo`) and a fresh sandbox API key for it. */
async function seed(apiSecret: string): Promise<{ orgId: string; apiKey: string }> {
  const created = await call("POST", "/v1/orgs", apiSecret, { name: "Sandbox Demo Brokerage", slug: "demo", plan: "pro" });
  if (created.status !== 201 && created.status !== 409) throw new Error(`seeding the demo org failed: ${JSON.stringify(created.body)}`);
  const demo = await fetch(`${base}/auth/demo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ secret: apiSecret }),
  });
  const { token } = (await demo.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { orgId: string };
  const key = await call("POST", "/v1/api-keys", token, {
    name: `Sandbox key (npm run dev, ${new Date().toISOString()})`,
    preset: "full_access",
    rateLimitTier: "sandbox",
  });
  if (key.status !== 201) throw new Error(`minting the sandbox API key failed: ${JSON.stringify(key.body)}`);
  return { orgId: claims.orgId, apiKey: String(key.body.key) };
}

/** The stand-in's key prefix in .dev.vars.example: with it, `npm run dev` runs the local Stripe stand-in. */
const STANDIN_KEY_PREFIX = "sk_test_standin_";

/**
 * The local Stripe stand-in, on a free port, sending its events to this sandbox's /webhooks/stripe;
 * every worker's .dev.vars copy gets `STRIPE_API_BASE` pointing at it (billing's SDK reads it). Not
 * started when .dev.vars holds a real Stripe key: the SDK then talks to Stripe.
 */
async function startStandIn(vars: Record<string, string>): Promise<StripeStandIn | null> {
  if (!vars.STRIPE_SECRET_KEY?.startsWith(STANDIN_KEY_PREFIX) || !vars.STRIPE_WEBHOOK_SECRET) return null;
  const standIn = await startStripeStandIn({
    port: Number(process.env.STRIPE_STANDIN_PORT ?? 0),
    secretKey: vars.STRIPE_SECRET_KEY,
    webhookSecret: vars.STRIPE_WEBHOOK_SECRET,
    webhookUrl: `${base}/webhooks/stripe`,
    log: (line) => console.error(line),
  });
  for (const dir of plan.devVarsCopies) appendFileSync(resolve(root, dir, ".dev.vars"), `\n# Set by npm run dev: the local Stripe stand-in\nSTRIPE_API_BASE=${standIn.url}\n`);
  return standIn;
}

async function main() {
  const vars = ensureDevVars();
  const standIn = await startStandIn(vars);
  applyMigrations();
  const configs = plan.configs.flatMap((c) => ["-c", c]);
  const child = spawn(
    "wrangler",
    [
      "dev",
      ...configs,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      "--inspector-port",
      process.env.INSPECTOR_PORT ?? "0",
    ],
    { cwd: root, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", env: wranglerEnv() },
  );
  if (quiet) {
    // Keep wrangler's output drained (a full pipe would stall it) but only surface errors.
    child.stdout?.resume();
    child.stderr?.on("data", (d: Buffer) => process.stderr.write(d));
  }
  const stop = () => child.kill("SIGTERM");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  child.on("exit", (code) => process.exit(code ?? 0));

  await waitForHealth(child);
  const { orgId, apiKey } = await seed(vars.API_SECRET!);
  console.log(`
OpenInsure sandbox ready on ${base}
  demo org:     ${orgId}
  API key:      ${apiKey}
  contract:     ${base}/openapi.json   explorer: ${base}/docs
  stripe:       ${standIn ? `local stand-in on ${standIn.url} (events to ${base}/webhooks/stripe)` : "Stripe itself (STRIPE_SECRET_KEY in .dev.vars)"}

First call:
  curl -s ${base}/v1/submissions -H "X-API-Key: ${apiKey}"
SANDBOX_READY ${JSON.stringify({ baseUrl: base, orgId, apiKey, stripeApiBase: standIn?.url ?? null })}
`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
