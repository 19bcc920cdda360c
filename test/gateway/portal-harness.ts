/**
 * The policyholder portal's tests through the whole platform: a policy bound for an insured's email,
 * the sign-in code read back from the sandbox email log, and the policyholder token it buys.
 */
import { env } from "cloudflare:workers";
import { realNow, testDay } from "../support/clock.ts";
import { call, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

/** A fresh address nobody else uses (the send limits are per address). */
export const uniqueEmail = (label = "insured") => `${label}-${crypto.randomUUID().slice(0, 12)}@example.com`;

/** A fresh client address (the code routes are limited per IP). */
export const freshIp = () => `203.0.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;

/** A policy bound for `email` as the insured's contact. */
export async function bindFor(t: Tenant, email: string, overrides: Record<string, unknown> = {}) {
  return bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insured: { email }, ...overrides }));
}

export const requestCode = (email: string, options: { orgSlug?: string; ip?: string } = {}) =>
  call("POST", "/auth/policyholder-otp-request", {
    body: { email, ...(options.orgSlug ? { orgSlug: options.orgSlug } : {}) },
    headers: { "cf-connecting-ip": options.ip ?? freshIp() },
  });

export const exchangeCode = (email: string, code: string, ip = freshIp()) =>
  call("POST", "/auth/policyholder-token", { body: { email, code }, headers: { "cf-connecting-ip": ip } });

export interface SentCode {
  code: string;
  /** The slug of the org the code signs in to, as the email names it. */
  orgSlug: string | null;
  body: string;
}

/** The sign-in emails sent to `email`, newest first, from the sandbox email log. */
export async function codeEmails(email: string): Promise<SentCode[]> {
  const res = await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}&limit=100`, { token: env.API_SECRET });
  if (res.status !== 200) throw new Error(`sandbox emails: ${res.status} ${await res.text()}`);
  const { data } = await json<{ data: { kind: string; body: string }[] }>(res);
  return data
    .filter((m) => m.kind === "policyholder_code")
    .map((m) => ({ code: /\b(\d{6})\b/.exec(m.body)?.[1] ?? "", orgSlug: /^Organisation: .* \(([^()]+)\)$/m.exec(m.body)?.[1] ?? null, body: m.body }));
}

/** Wait until `count` sign-in emails have reached `email` (codes are issued after the 202), newest first. */
export async function waitForCodes(email: string, count = 1): Promise<SentCode[]> {
  const deadline = realNow() + 10_000;
  for (;;) {
    const sent = await codeEmails(email);
    if (sent.length >= count) return sent;
    if (realNow() > deadline) throw new Error(`expected ${count} code emails to ${email}, found ${sent.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Request a code for `email`, read it, and exchange it: the policyholder token. */
export async function signIn(email: string): Promise<{ token: string; insuredId: string; orgId: string; expiresAt: string }> {
  const before = (await codeEmails(email)).length;
  const asked = await requestCode(email);
  if (asked.status !== 202) throw new Error(`code request: ${asked.status} ${await asked.text()}`);
  const [latest] = await waitForCodes(email, before + 1);
  const res = await exchangeCode(email, latest!.code);
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return json(res);
}
