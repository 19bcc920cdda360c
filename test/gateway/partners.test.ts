/**
 * Partners end to end, through the gateway on the real underwriting, identity and partners workers:
 * a partner's link (`GET /r/:code`) → a submission created with its code → attribution on the
 * submission → bind, endorsement and cancellation → the partner's commissions, from underwriting's
 * events on the partners worker's own queue. Also tenancy, the scopes of the OpenPartner set, and
 * the click router's refusals.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, createApiKey, createTenant, json, testClientIp, type Tenant } from "./harness.ts";
import { glSubmission, revenueForPremium } from "./lifecycle-harness.ts";

/** `GET /r/:code` as a browser sends it, redirects not followed. */
function follow(code: string, ip = testClientIp(), headers: Record<string, string> = {}) {
  return (exports as unknown as { default: Fetcher }).default.fetch(
    new Request(`https://api.openinsure.test/r/${code}`, { redirect: "manual", headers: { "cf-connecting-ip": ip, "user-agent": "Mozilla/5.0 (test)", referer: "https://blog.example/top-10", ...headers } }),
  );
}

async function newPartner(t: Tenant, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/partners", { apiKey: t.apiKey, body: { name: "Payroll App", contactEmail: "partners@payroll.example", landingUrl: "https://payroll.example/insurance", commissionRate: 12.5, ...body } });
  expect(res.status).toBe(201);
  return json(res);
}

const eventually = <T>(read: () => Promise<T>, done: (value: T) => boolean, what: string) =>
  vi.waitFor(
    async () => {
      const value = await read();
      if (!done(value)) throw new Error(`still waiting for ${what}: ${JSON.stringify(value)}`);
      return value;
    },
    { timeout: 15_000, interval: 100 },
  );

const commissionsOf = async (t: Tenant, partnerId: string) => (await json(await call("GET", `/v1/partners/${partnerId}/commissions?sort=createdAt`, { apiKey: t.apiKey }))).data as Record<string, unknown>[];

describe("partners through the gateway", () => {
  it("follows a partner from its link to a bound policy and its commission, adjusted by an endorsement and a cancellation", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    expect(partner).toMatchObject({ id: expect.stringMatching(/^prt_/), status: "active", commissionRate: 12.5 });

    const click = await follow(partner.defaultCode);
    expect(click.status).toBe(302);
    expect(click.headers.get("location")).toBe(`https://payroll.example/insurance?ref=${partner.defaultCode}`);
    expect(click.headers.get("x-request-id")).toMatch(/^req_/);
    const codes = await eventually(async () => (await json(await call("GET", `/v1/partners/${partner.id}/codes`, { apiKey: t.apiKey }))).data, (d) => d[0]?.clicks === 1, "the click");
    expect(codes).toEqual([expect.objectContaining({ code: partner.defaultCode, clicks: 1, path: `/r/${partner.defaultCode}` })]);

    const created = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ annualRevenue: revenueForPremium(1_200_000), referralCode: partner.defaultCode.toLowerCase() }) });
    expect(created.status).toBe(201);
    const sub = await json(created);
    expect(sub).toMatchObject({ referralCode: partner.defaultCode, attribution: null });
    const attributed = await eventually(async () => json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey })), (s) => s.attribution !== null, "the attribution");
    expect(attributed.attribution).toEqual({ partnerId: partner.id, code: partner.defaultCode, touchedAt: sub.createdAt });

    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    const policy = await json(bound);
    expect(policy.grossPremium).toBe(12000);
    const first = await eventually(() => commissionsOf(t, partner.id), (d) => d.length === 1, "the bind's commission");
    expect(first[0]).toMatchObject({ partnerId: partner.id, policyId: policy.id, policyNumber: policy.policyNumber, submissionId: sub.id, transactionType: "new_business", rate: 12.5, premiumDelta: 12000, commission: 1500, rounding: { method: "half_up", exact: "1500" }, currency: "USD", status: "pending" });

    const endorsed = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-03-01", changes: { annualRevenue: revenueForPremium(1_200_000) + 1_000_000 } } });
    expect(endorsed.status).toBe(200);
    const delta = (await json(endorsed)).transaction.premiumDelta as number;
    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-05-01", method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    const returned = (await json(cancelled)).transaction.premiumDelta as number;
    const all = await eventually(() => commissionsOf(t, partner.id), (d) => d.length === 3, "the adjustments");
    expect(all.map((c) => [c.transactionType, c.premiumDelta])).toEqual([["new_business", 12000], ["endorsement", delta], ["cancellation", returned]]);
    // Each adjustment is its premium delta (already pro rata) at the bind's rate, rounded half-up to the cent once.
    for (const c of all) {
      const deltaCents = Math.round((c.premiumDelta as number) * 100);
      const halfUp = Math.floor((Math.abs(deltaCents) * 1250 + 5000) / 10000);
      expect(Math.round((c.commission as number) * 100), String(c.transactionType)).toBe(Math.sign(deltaCents) * halfUp);
    }
    expect((await json(await call("GET", `/v1/commissions?partnerId=${partner.id}`, { apiKey: t.apiKey }))).data).toHaveLength(3);
    // Cover starts 2027-01-01, after the org's today: nothing is payable yet, so a payout pays nothing.
    const payout = await call("POST", `/v1/partners/${partner.id}/commissions/pay`, { apiKey: t.apiKey, body: {} });
    expect(payout.status).toBe(200);
    expect(await json(payout)).toMatchObject({ partnerId: partner.id, commissionCount: 0, amount: 0, currency: "USD" });
    expect((await json(await call("GET", `/v1/commissions?status=pending&partnerId=${partner.id}`, { apiKey: t.apiKey }))).data).toHaveLength(3);
  });

  it("answers an unknown or revoked code 404 without a redirect, and limits clicks per IP", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    const unknown = await follow("NOSUCHCODE9");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("location")).toBeNull();
    expect(await json(unknown)).toMatchObject({ error: "not_found", requestId: expect.stringMatching(/^req_/) });

    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    // 60 a minute per IP, in fixed windows: within two windows' worth of requests one is refused.
    let redirected = 0;
    let limited: Response | null = null;
    for (let i = 0; i < 121 && !limited; i++) {
      const res = await follow(partner.defaultCode, ip);
      if (res.status === 302) redirected++;
      else limited = res;
    }
    expect(limited?.status).toBe(429);
    expect(redirected).toBeGreaterThanOrEqual(60);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not limited by this one.
    expect((await follow(partner.defaultCode, `198.51.100.${Math.floor(Math.random() * 250) + 1}`)).status).toBe(302);
    redirected++;

    expect((await call("POST", `/v1/partners/${partner.id}/revoke`, { apiKey: t.apiKey })).status).toBe(200);
    const revoked = await follow(partner.defaultCode);
    expect(revoked.status).toBe(404);
    expect(revoked.headers.get("location")).toBeNull();
    // Every redirect counted once; the click over the limit and the one after the revocation not at all.
    const codes = await eventually(async () => (await json(await call("GET", `/v1/partners/${partner.id}/codes`, { apiKey: t.apiKey }))).data, (d) => d[0]?.clicks >= redirected, "the clicks");
    expect(codes[0].clicks).toBe(redirected);
  });

  it("under a burst from one address, redirects exactly the limit's worth and counts only those clicks (the limit is counted beside the lookup)", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const answers = await Promise.all(Array.from({ length: 75 }, () => follow(partner.defaultCode, ip)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 302)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    for (const refused of answers.filter((r) => r.status === 429)) {
      expect(refused.headers.get("location")).toBeNull();
      expect(await json(refused)).toMatchObject({ error: "rate_limit_exceeded" });
    }
    // An unknown code from the exhausted address is refused by the limit too, before any lookup result shows.
    expect((await follow("NOSUCHCODE9", ip)).status).toBe(429);
    const codes = await eventually(async () => (await json(await call("GET", `/v1/partners/${partner.id}/codes`, { apiKey: t.apiKey }))).data, (d) => d[0]?.clicks >= 60, "the clicks");
    expect(codes[0].clicks).toBe(60);
  });

  it("refuses bad input at the door: a landing URL that is not public https, a rate outside 0–50%, a future occurredAt, an unknown code", async () => {
    const t = await createTenant();
    for (const [body, field] of [
      [{ landingUrl: "http://payroll.example/" }, "landingUrl"],
      [{ landingUrl: "https://192.168.1.10/" }, "landingUrl"],
      [{ commissionRate: 50.5 }, "commissionRate"],
      [{ commissionRate: -1 }, "commissionRate"],
    ] as const) {
      const res = await call("POST", "/v1/partners", { apiKey: t.apiKey, body: { name: "X", contactEmail: "x@x.example", landingUrl: "https://x.example/", commissionRate: 5, ...(body as Record<string, unknown>) } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).details).toMatchObject({ field });
    }
    const partner = await newPartner(t);
    const unknown = await call("POST", "/v1/attribution/events", { apiKey: t.apiKey, body: { type: "lead", code: "NOSUCHCODE9", externalId: "lead-1" } });
    expect(unknown.status).toBe(422);
    const future = await call("POST", "/v1/attribution/events", { apiKey: t.apiKey, body: { type: "lead", partnerId: partner.id, externalId: "lead-2", occurredAt: "2099-01-01T00:00:00Z" } });
    expect(future.status).toBe(400);
    const first = await call("POST", "/v1/attribution/events", { apiKey: t.apiKey, body: { type: "lead", partnerId: partner.id, externalId: "lead-3" } });
    expect(first.status).toBe(201);
    const again = await call("POST", "/v1/attribution/events", { apiKey: t.apiKey, body: { type: "lead", partnerId: partner.id, externalId: "lead-3" } });
    expect(await json(again)).toEqual(await json(first));
  });

  it("keeps partners and commissions to their org: another org's ids answer 404", async () => {
    const [t, u] = [await createTenant(), await createTenant()];
    const partner = await newPartner(t);
    for (const path of [`/v1/partners/${partner.id}`, `/v1/partners/${partner.id}/codes`, `/v1/partners/${partner.id}/commissions`]) {
      expect((await call("GET", path, { apiKey: u.apiKey })).status, path).toBe(404);
    }
    expect((await call("POST", `/v1/partners/${partner.id}/revoke`, { apiKey: u.apiKey })).status).toBe(404);
    expect((await call("POST", `/v1/partners/${partner.id}/invite`, { apiKey: u.apiKey })).status).toBe(404);
    expect((await json(await call("GET", "/v1/partners", { apiKey: u.apiKey }))).data).toEqual([]);
    const foreign = await call("POST", "/v1/attribution/events", { apiKey: u.apiKey, body: { type: "click", code: partner.defaultCode, externalId: "c-1" } });
    expect(foreign.status).toBe(422);
    expect((await json(await call("GET", `/v1/partners/${partner.id}`, { apiKey: t.apiKey }))).status).toBe("active");
  });

  it("gives a leaked events:write key nothing but attribution events, and lists the Partner integration preset", async () => {
    const t = await createTenant();
    const partner = await newPartner(t);
    const { key } = await createApiKey(t.token, { scopes: ["events:write"] });
    const ok = await call("POST", "/v1/attribution/events", { apiKey: key, body: { type: "click", partnerId: partner.id, externalId: "k-1" } });
    expect(ok.status).toBe(201);
    const refused: [string, string, unknown?][] = [
      ["GET", "/v1/partners"],
      ["GET", `/v1/partners/${partner.id}`],
      ["POST", "/v1/partners", { name: "Evil", contactEmail: "e@e.example", landingUrl: "https://e.example/", commissionRate: 50 }],
      ["POST", `/v1/partners/${partner.id}/revoke`],
      ["GET", "/v1/commissions"],
      ["GET", `/v1/partners/${partner.id}/commissions`],
      ["GET", "/v1/submissions"],
      ["POST", "/v1/submissions", glSubmission()],
      ["GET", "/v1/policies"],
      ["GET", "/v1/webhooks"],
      ["GET", "/v1/api-keys"],
      ["POST", "/v1/api-keys", { name: "escalate", preset: "full_access" }],
      ["GET", "/v1/events"],
    ];
    for (const [method, path, body] of refused) {
      const res = await call(method, path, { apiKey: key, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await json(res)).error).toBe("insufficient_scope");
    }
    const presets = await json(await call("GET", "/v1/api-keys/presets", { apiKey: t.apiKey }));
    expect(presets.data).toContainEqual({ name: "partner_integration", scopes: ["events:write", "partners:read", "partners:write", "commissions:read"] });
    const integration = await call("POST", "/v1/api-keys", { token: t.token, body: { name: "partner integration", preset: "partner_integration", rateLimitTier: "standard" } });
    expect(integration.status).toBe(201);
    const integrationKey = (await json(integration)).key as string;
    expect((await call("GET", "/v1/partners", { apiKey: integrationKey })).status).toBe(200);
    expect((await call("GET", "/v1/commissions", { apiKey: integrationKey })).status).toBe(200);
    expect((await call("GET", "/v1/submissions", { apiKey: integrationKey })).status).toBe(403);
  });

  it("invites a partner: an email in the sandbox outbox with a link to create their login", async () => {
    const t = await createTenant();
    const partner = await newPartner(t, { contactEmail: "ops@partner.example" });
    const res = await call("POST", `/v1/partners/${partner.id}/invite`, { apiKey: t.apiKey });
    expect(res.status).toBe(200);
    const invitation = await json(res);
    expect(invitation).toMatchObject({ sentTo: "ops@partner.example", partner: { status: "invited" } });
    const emails = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent("ops@partner.example")}`, { token: env.API_SECRET }));
    const email = emails.data.find((e: { id: string }) => e.id === invitation.emailId);
    expect(email).toMatchObject({ to: "ops@partner.example" });
    expect(JSON.stringify(email)).toContain("https://api.openinsure.test/partner/accept?token=");
  });
});
