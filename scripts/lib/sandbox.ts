/**
 * What the benchmark and load scripts share: the local secrets, a running sandbox (started on
 * scratch state when none answers) and a JSON API call.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

/**
 * The environment every `wrangler` child runs with: non-interactive, and without wrangler's
 * local trace collection unless the caller asks for it (`X_LOCAL_OBSERVABILITY=true`). That
 * dev-only feature streams every invocation (each request, RPC, Durable Object and D1 call) to
 * a local trace store; it is not part of the platform, and it costs the sandbox about a third
 * of its throughput. The sandbox and the benchmark's baseline both start from this, so they are
 * always measured under the same tooling.
 */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CI: "1", X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false" };
}

/** A value from .dev.vars, else from .dev.vars.example. */
export function devVar(name: string): string {
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    try {
      const m = readFileSync(join(root, file), "utf8").match(new RegExp(`^${name}=(.*)$`, "m"));
      if (m) return m[1]!.trim();
    } catch {
      // next file
    }
  }
  throw new Error(`${name} is not in .dev.vars or .dev.vars.example`);
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export async function waitFor(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(url))) {
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Use the sandbox at `base` if it answers; otherwise start `npm run dev` on its port with scratch
 * state. Returns a function that stops what this call started (nothing, if it was already running).
 */
export async function ensureSandbox(base: string, label: string): Promise<() => void> {
  if (await answers(`${base}/health`)) return () => {};
  const child = spawn("npm", ["run", "dev"], {
    cwd: root,
    stdio: "ignore",
    detached: true,
    env: {
      ...process.env,
      PORT: new URL(base).port || "8787",
      SANDBOX_STATE: mkdtempSync(join(tmpdir(), `oi-${label}-`)),
      SANDBOX_QUIET: "1",
    },
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  await waitFor(`${base}/health`).catch((e) => {
    stop();
    throw e;
  });
  return stop;
}

/** A JSON call with a bearer credential (JWT, API key or the API secret); throws on a non-2xx. */
export async function api(base: string, method: string, path: string, token: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, any>) : {};
}

/**
 * A fresh org on the `enterprise` plan (no limit on api_calls or anything else metered) and an
 * enterprise-tier key (10,000/min) with every scope, so a load run is never rate limited nor refused
 * as past its plan.
 */
export async function loadTestOrg(base: string, name: string): Promise<{ orgId: string; key: string; token: string }> {
  const system = devVar("API_SECRET");
  const org = await api(base, "POST", "/v1/orgs", system, {
    name,
    slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Date.now()}`,
    plan: "enterprise",
  });
  const { token } = await api(base, "POST", "/auth/demo", system, { secret: system, orgId: org.id });
  const key = await api(base, "POST", "/v1/api-keys", token, { name, preset: "full_access", rateLimitTier: "enterprise" });
  return { orgId: String(org.id), key: String(key.key), token: String(token) };
}
