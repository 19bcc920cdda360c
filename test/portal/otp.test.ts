/**
 * The portal worker's sign-in rules against its real D1, with underwriting and identity played by
 * in-test fakes: what each request does before it answers (the same for a known and an unknown
 * email), what reaches the outbox (the code only in development), how codes are stored, and the
 * token a code buys.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/crypto";
import { verifyJwt } from "#shared/jwt";
import type { InsuredIdentity, QueueEmailRequest } from "#shared/rpc";
import type { PortalEnv } from "../../workers/portal/src/env.ts";
import { CODE_REQUESTED, issueToken, requestCode } from "../../workers/portal/src/otp.service.ts";
import { realNow } from "../support/clock.ts";
import { standInFlags } from "../support/flags.ts";

const uniqueEmail = () => `p-${crypto.randomUUID().slice(0, 12)}@example.com`;

function insured(email: string, orgId = "org_01J8K3M4N5P6Q7R8S9T0V1W2X3"): InsuredIdentity {
  return { insuredId: `ins_${crypto.randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase()}`, orgId, name: "Harbor Freight Movers", email, phone: null, mailingAddress: null, createdAt: "2026-12-01T00:00:00.000Z", updatedAt: "2026-12-01T00:00:00.000Z" };
}

/** A portal env over the real PORTAL_DB whose callees are fakes recording what they were asked. */
function portalEnv(known: InsuredIdentity[], environment = "development") {
  const flags = standInFlags();
  const calls: string[] = [];
  const emails: QueueEmailRequest[] = [];
  const directory = new Map(known.map((i) => [i.insuredId, i]));
  const fake = {
    PORTAL_DB: env.PORTAL_DB,
    JWT_SECRET: env.JWT_SECRET,
    ENVIRONMENT: environment,
    UNDERWRITING: {
      insuredsByEmail: async (email: string) => (calls.push("insuredsByEmail"), known.filter((i) => i.email === email)),
      insuredOf: async (_orgId: string, id: string) => directory.get(id) ?? null,
    },
    PRODUCERS: flags,
    IDENTITY: {
      queueEmail: async (email: QueueEmailRequest) => (emails.push(email), { ok: true, value: { id: "eml_x", to: email.to, kind: email.kind, createdAt: "2026-12-01T00:00:00.000Z" } }),
      orgBySlug: async () => null,
      orgSummary: async (id: string) => ({ id, slug: "harbor-freight", name: "Harbor Mutual" }),
    },
  } as unknown as PortalEnv;
  return { env: fake, calls, emails, directory, flags };
}

/** Run the request's deferred work to its end, as `waitUntil` would after the answer. */
async function request(e: PortalEnv, email: string) {
  const deferred: Promise<unknown>[] = [];
  const result = await requestCode(e, { email }, (work) => deferred.push(work));
  await Promise.all(deferred);
  return { result, deferred: deferred.length };
}

const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)?.[1];

describe("requestCode", () => {
  it("does the same work before answering a known and an unknown email, and answers the same", async () => {
    const known = uniqueEmail();
    const unknown = uniqueEmail();
    const f = portalEnv([insured(known)]);
    const a = await request(f.env, known);
    const b = await request(f.env, unknown);
    expect(a.result).toEqual({ ok: true, value: CODE_REQUESTED });
    expect(b.result).toEqual(a.result);
    // One send slot and one directory lookup each; only the known one has codes to issue afterwards.
    expect(f.calls).toEqual(["insuredsByEmail", "insuredsByEmail"]);
    for (const email of [known, unknown]) {
      expect((await env.PORTAL_DB.prepare("SELECT count(*) AS n FROM otp_sends WHERE email = ?1").bind(email).first<{ n: number }>())!.n).toBe(1);
    }
    expect([a.deferred, b.deferred]).toEqual([1, 0]);
    expect(f.emails.map((m) => [m.to, m.kind])).toEqual([[known, "policyholder_code"]]);
  });

  it("puts the code in the outbox email only in development; production's stored copy is redacted", async () => {
    const dev = uniqueEmail();
    const prod = uniqueEmail();
    const d = portalEnv([insured(dev)]);
    const p = portalEnv([insured(prod)], "production");
    await request(d.env, dev);
    await request(p.env, prod);
    expect(codeIn(d.emails[0]!.body)).toMatch(/^\d{6}$/);
    expect(d.emails[0]!.body).toContain("Harbor Mutual (harbor-freight)");
    expect(codeIn(p.emails[0]!.body)).toBeUndefined();
    expect(p.emails[0]!.body).toContain("••••••");
  });

  it("stores a keyed hash, not a plain digest anyone could brute-force from the table", async () => {
    const email = uniqueEmail();
    const f = portalEnv([insured(email)]);
    await request(f.env, email);
    const code = codeIn(f.emails[0]!.body)!;
    const row = await env.PORTAL_DB.prepare("SELECT id, code_hash, expires_at, created_at, attempts FROM otp_codes WHERE email = ?1").bind(email).first<{ id: string; code_hash: string; expires_at: string; created_at: string; attempts: number }>();
    expect(row!.code_hash).not.toBe(await sha256Hex(`${row!.id}:${code}`));
    expect(row!.code_hash).not.toBe(await sha256Hex(code));
    expect(Date.parse(row!.expires_at) - Date.parse(row!.created_at)).toBe(600_000);
    expect(row!.attempts).toBe(0);
  });

  it("refuses a malformed email or orgSlug naming the field", async () => {
    const f = portalEnv([]);
    expect(await requestCode(f.env, { email: "nope" }, () => {})).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field: "email" } } });
    expect(await requestCode(f.env, { email: uniqueEmail(), orgSlug: " " }, () => {})).toMatchObject({ ok: false, error: { details: { field: "orgSlug" } } });
  });
});

describe("issueToken", () => {
  it("signs a 1-hour insured JWT naming the insured and org of the code used", async () => {
    const email = uniqueEmail();
    const who = insured(email);
    const f = portalEnv([who]);
    await request(f.env, email);
    const result = await issueToken(f.env, { email: email.toUpperCase(), code: codeIn(f.emails[0]!.body)! });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ tokenType: "Bearer", insuredId: who.insuredId, orgId: who.orgId });
    const claims = await verifyJwt(result.value.token, env.JWT_SECRET);
    expect(claims).toMatchObject({ typ: "insured", sub: who.insuredId, orgId: who.orgId, role: null, scopes: [] });
    expect(Date.parse(claims!.expiresAt) - realNow()).toBeGreaterThan(3590_000);
    expect(Date.parse(claims!.expiresAt) - realNow()).toBeLessThanOrEqual(3600_000);
  });

  it("refuses a code whose insured has since moved to another email", async () => {
    const email = uniqueEmail();
    const who = insured(email);
    const f = portalEnv([who]);
    await request(f.env, email);
    f.directory.set(who.insuredId, { ...who, email: uniqueEmail() });
    expect(await issueToken(f.env, { email, code: codeIn(f.emails[0]!.body)! })).toEqual({ ok: false, error: { code: "unauthorized", message: "Missing or invalid credentials" } });
  });
});
