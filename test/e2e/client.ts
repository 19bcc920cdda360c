import { inject } from "vitest";
import { realNow } from "../support/clock.ts";

export const sandbox = () => inject("sandbox");

/** One HTTP call to the running sandbox. */
export async function http(
  method: string,
  path: string,
  options: { token?: string; apiKey?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers["x-api-key"] = options.apiKey;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sandbox().baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

export { quickstartSubmission } from "../support/submissions.ts";

/** Poll `check` every 200 ms until it answers something, or fail after `timeoutMs` (real time). */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = realNow() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (realNow() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}
