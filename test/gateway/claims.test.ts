/**
 * Claims through the gateway, against a real bound policy: FNOL → investigate → reserves →
 * payments → settle → accept → close with the issue's worked numbers, 403 without claims:approve,
 * coverage judged on the policy's real timeline (cancelled; cancelled and reinstated), tenancy,
 * idempotent retries, the events, and portfolio analytics' loss ratio.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ulid } from "ulid";
import { TEST_TODAY, testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicyWrittenOn, glSubmission } from "./lifecycle-harness.ts";

/** A GL policy (limit 1,000,000, deductible 5,000) in force since 30 days ago. */
const boundPolicy = (t: Tenant) => bindPolicyWrittenOn(t.orgId, t.apiKey, glSubmission({ effectiveDate: testDay(-30), deductible: 5_000 }));

const fnol = (policyId: string, overrides: Record<string, unknown> = {}) => ({
  policyId,
  lossDate: testDay(-10),
  description: "Customer slipped on a wet floor in the showroom",
  causeOfLoss: "slip_and_fall",
  lossLocation: { line1: "12 Main Street", city: "Portland", state: "OR", postalCode: "97201" },
  claimant: { name: "Jordan Lee", email: "jordan@example.com" },
  ...overrides,
});

const post = (key: string, path: string, body?: unknown, headers: Record<string, string> = {}) => call("POST", path, { apiKey: key, ...(body === undefined ? {} : { body }), headers });
const get = (key: string, path: string) => call("GET", path, { apiKey: key });
const figures = (c: Record<string, any>) => [c.indemnity.paid, c.indemnity.outstanding, c.expense.paid, c.expense.outstanding, c.total.incurred];

/** The org's claim events as the webhooks worker logged them (relayed through the queue), waiting for `count`. */
async function loggedClaimEvents(orgId: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const rows = await env.WEBHOOKS_DB.prepare("SELECT id, type FROM events WHERE org_id = ? AND source = 'claims' ORDER BY id").bind(orgId).all<{ id: string; type: string }>();
    if (rows.results.length >= count) return rows.results.map((r) => r.type);
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function claimEvents(orgId: string) {
  const rows = await env.CLAIMS_DB.prepare("SELECT type, data FROM events WHERE org_id = ? ORDER BY id").bind(orgId).all<{ type: string; data: string }>();
  return rows.results.map((r) => ({ type: r.type, data: JSON.parse(r.data) as Record<string, any> }));
}

describe("a claim from FNOL to close through the API (the worked numbers)", () => {
  it("reproduces the table, refuses the unapproved raise with 403 and nothing changes, and emits the events in order", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    expect(policy).toMatchObject({ limit: 1_000_000, deductible: 5_000 });
    const adjuster = await createApiKey(t.token, { scopes: ["claims:read", "claims:write"] });

    const filed = await post(adjuster.key, "/v1/claims", fnol(policy.id));
    expect(filed.status).toBe(201);
    const claim = await json(filed);
    expect(claim).toMatchObject({ status: "open", policyId: policy.id, policyNumber: policy.policyNumber, policyLimit: 1_000_000, deductible: 5_000 });
    expect(claim.claimNumber).toBe(`CLM-${testDay(-10).slice(0, 4)}-000001`);
    expect(figures(claim)).toEqual([0, 0, 0, 0, 0]);

    const reserved = await post(adjuster.key, `/v1/claims/${claim.id}/reserves`, { indemnity: 40_000, expense: 5_000, reason: "initial assessment" });
    expect(reserved.status).toBe(200);
    const r = await json(reserved);
    expect(figures(r.claim)).toEqual([0, 40_000, 0, 5_000, 45_000]);
    expect(r.transactions.map((x: any) => [x.costType, x.previous, x.new, x.delta])).toEqual([
      ["indemnity", 0, 40_000, 40_000],
      ["expense", 0, 5_000, 5_000],
    ]);

    const paid = await post(adjuster.key, `/v1/claims/${claim.id}/payments`, { costType: "expense", amount: 1_200, payee: "Rapid Adjusting LLC", reference: "INV-77" });
    expect(paid.status).toBe(201);
    expect(figures((await json(paid)).claim)).toEqual([0, 40_000, 1_200, 3_800, 45_000]);

    const refused = await post(adjuster.key, `/v1/claims/${claim.id}/reserves`, { indemnity: 120_000, reason: "medical bills" });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "claims:approve" } });
    expect(figures(await json(await get(adjuster.key, `/v1/claims/${claim.id}`)))).toEqual([0, 40_000, 1_200, 3_800, 45_000]);

    const approved = await post(t.apiKey, `/v1/claims/${claim.id}/reserves`, { indemnity: 120_000, reason: "medical bills" });
    expect(approved.status).toBe(200);
    expect(figures((await json(approved)).claim)).toEqual([0, 120_000, 1_200, 3_800, 125_000]);

    expect((await post(adjuster.key, `/v1/claims/${claim.id}/investigate`, { notes: "statement taken" })).status).toBe(200);
    const offer = await post(adjuster.key, `/v1/claims/${claim.id}/settle`, { amount: 90_000, payee: "Jordan Lee" });
    expect(offer.status).toBe(201);
    const { settlement } = await json(offer);
    expect(settlement).toMatchObject({ status: "offered", amount: 90_000, deductible: 5_000, netAmount: 85_000 });
    const accepted = await post(adjuster.key, `/v1/claims/${claim.id}/settlements/${settlement.id}/accept`);
    expect(accepted.status).toBe(200);
    const afterAccept = await json(accepted);
    expect(afterAccept.claim.status).toBe("settled");
    expect(figures(afterAccept.claim)).toEqual([85_000, 0, 1_200, 3_800, 90_000]);

    const closed = await post(adjuster.key, `/v1/claims/${claim.id}/close`, { reason: "file complete" });
    expect(closed.status).toBe(200);
    expect(figures(await json(closed))).toEqual([85_000, 0, 1_200, 0, 86_200]);

    const detail = await json(await get(adjuster.key, `/v1/claims/${claim.id}`));
    expect(detail.status).toBe("closed");
    expect(detail.activity.map((a: any) => a.type)).toEqual(["filed", "reserves_changed", "payment_issued", "reserves_changed", "investigation_started", "settlement_offered", "settlement_accepted", "closed"]);
    expect(detail.payments).toHaveLength(2);
    expect(detail.settlements).toEqual([expect.objectContaining({ id: settlement.id, status: "accepted" })]);

    const events = await claimEvents(t.orgId);
    expect(events.map((e) => e.type)).toEqual(["claim.filed", "claim.reserved", "claim.payment_issued", "claim.reserved", "claim.investigation_started", "claim.payment_issued", "claim.settled", "claim.closed"]);
    expect(events.at(-1)!.data).toMatchObject({ claimId: claim.id, totalPaid: 86_200, incurred: 86_200, status: "closed" });
    // Relayed to the webhooks worker's event log, in order of occurrence.
    expect(await loggedClaimEvents(t.orgId, events.length)).toEqual(events.map((e) => e.type));

    // The loss ratio: incurred over earned premium as of today, with both inputs.
    const analytics = await json(await get(t.apiKey, `/v1/analytics/${t.orgId}/portfolio?asOf=${TEST_TODAY}`));
    expect(analytics.claims).toEqual({ count: 1, open: 0, indemnity: { paid: 85_000, outstanding: 0, incurred: 85_000 }, expense: { paid: 1_200, outstanding: 0, incurred: 1_200 }, incurred: 86_200 });
    expect(analytics.lossRatio).toMatchObject({ incurred: 86_200, earnedPremium: analytics.earnedPremium, asOf: TEST_TODAY });
    expect(analytics.earnedPremium).toBeGreaterThan(0);
    expect(analytics.lossRatio.value).toBeCloseTo(86_200 / analytics.earnedPremium, 4);
    // Before the claim existed nothing was incurred; before the policy, nothing was earned either.
    const early = await json(await get(t.apiKey, `/v1/analytics/${t.orgId}/portfolio?asOf=${testDay(-31)}`));
    expect(early.lossRatio).toEqual({ value: null, incurred: 0, earnedPremium: 0, asOf: testDay(-31) });
  });
});

describe("coverage on a real policy's timeline", () => {
  it("refuses a loss after a cancellation's effective date, and covers one after a reinstatement (continuous cover)", async () => {
    const t = await createTenant();
    const cancelled = await boundPolicy(t);
    const cancel = await post(t.apiKey, `/v1/policies/${cancelled.id}/cancel`, { effectiveDate: testDay(-20), method: "pro_rata", reason: "insured_request" });
    expect(cancel.status).toBe(200);

    const before = await post(t.apiKey, "/v1/claims", fnol(cancelled.id, { lossDate: testDay(-25) }));
    expect(before.status).toBe(201);
    const after = await post(t.apiKey, "/v1/claims", fnol(cancelled.id, { lossDate: testDay(-10) }));
    expect(after.status).toBe(422);
    expect(await json(after)).toMatchObject({
      error: "loss_outside_coverage",
      details: { rule: "after_cancellation", lossDate: testDay(-10), cancellationEffectiveDate: testDay(-20), effectiveDate: testDay(-30), expirationDate: cancelled.expirationDate },
    });
    const inception = await post(t.apiKey, "/v1/claims", fnol(cancelled.id, { lossDate: testDay(-31) }));
    expect(await json(inception)).toMatchObject({ error: "loss_outside_coverage", details: { rule: "before_inception", effectiveDate: testDay(-30) } });

    expect((await post(t.apiKey, `/v1/policies/${cancelled.id}/reinstate`, {})).status).toBe(200);
    const reinstated = await post(t.apiKey, "/v1/claims", fnol(cancelled.id, { lossDate: testDay(-10) }));
    expect(reinstated.status).toBe(201);
  });
});

describe("the lifecycle and lists through the API", () => {
  it("denies, closes and reopens; refuses what the lifecycle forbids with 422; lists with filters", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    const first = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id, { lossDate: testDay(-12) })));
    const second = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id, { lossDate: testDay(-5) })));
    expect((await post(t.apiKey, `/v1/claims/${first.id}/reserves`, { indemnity: 2_000, reason: "estimate" })).status).toBe(200);
    const denied = await post(t.apiKey, `/v1/claims/${first.id}/deny`, { reason: "excluded peril", notes: "wear and tear" });
    expect(await json(denied)).toMatchObject({ status: "denied", denialReason: "excluded peril", total: { outstanding: 0 } });
    const pay = await post(t.apiKey, `/v1/claims/${first.id}/payments`, { costType: "indemnity", amount: 10, payee: "x" });
    expect(pay.status).toBe(422);
    expect(await json(pay)).toMatchObject({ error: "invalid_state_transition", details: { status: "denied" } });
    expect((await json(await post(t.apiKey, `/v1/claims/${first.id}/close`))).status).toBe("closed");
    expect((await json(await post(t.apiKey, `/v1/claims/${first.id}/reopen`, { reason: "appeal" }))).status).toBe("investigating");
    const settleOpen = await post(t.apiKey, `/v1/claims/${second.id}/settle`, { amount: 100, payee: "x" });
    expect(settleOpen.status).toBe(422);
    expect((await json(settleOpen)).error).toBe("invalid_state_transition");

    const ids = async (query: string) => (await json(await get(t.apiKey, `/v1/claims?${query}`))).data.map((c: any) => c.id);
    expect(await ids("")).toEqual([second.id, first.id]);
    expect(await ids("status=investigating")).toEqual([first.id]);
    expect(await ids(`lossDateFrom=${testDay(-6)}`)).toEqual([second.id]);
    expect(await ids(`lossDateTo=${testDay(-6)}&policyId=${policy.id}`)).toEqual([first.id]);
    expect(await ids("limit=1&sort=createdAt")).toEqual([first.id]);
    const bad = await get(t.apiKey, "/v1/claims?status=pending");
    expect(bad.status).toBe(400);
  });

  it("lets exactly the concurrent payments that fit the limit succeed", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    const claim = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id)));
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => post(t.apiKey, `/v1/claims/${claim.id}/payments`, { costType: "indemnity", amount: 400_000, payee: `payee ${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 422, 422, 422]);
    for (const r of results.filter((r) => r.status === 422)) expect((await json(r)).error).toBe("limit_exceeded");
    const after = await json(await get(t.apiKey, `/v1/claims/${claim.id}`));
    expect(figures(after)).toEqual([800_000, 0, 0, 0, 800_000]);
    expect(after.payments).toHaveLength(2);
  });
});

describe("claims security", () => {
  it("needs claims:read to read and claims:write to change", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    const claim = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id)));
    const reader = await createApiKey(t.token, { scopes: ["claims:read"] });
    const none = await createApiKey(t.token, { scopes: ["policies:read"] });
    expect((await get(reader.key, `/v1/claims/${claim.id}`)).status).toBe(200);
    const write = await post(reader.key, `/v1/claims/${claim.id}/investigate`, {});
    expect(write.status).toBe(403);
    expect(await json(write)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "claims:write" } });
    expect((await get(none.key, "/v1/claims")).status).toBe(403);
  });

  it("answers another org 404 on every claim route, and its FNOL on this org's policy 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const policy = await boundPolicy(t);
    const claim = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id)));
    const id = claim.id;
    const attempts: [string, string, unknown][] = [
      ["GET", `/v1/claims/${id}`, undefined],
      ["POST", `/v1/claims/${id}/investigate`, {}],
      ["POST", `/v1/claims/${id}/reserves`, { indemnity: 1, reason: "x" }],
      ["POST", `/v1/claims/${id}/payments`, { costType: "expense", amount: 1, payee: "x" }],
      ["POST", `/v1/claims/${id}/settle`, { amount: 1, payee: "x" }],
      ["POST", `/v1/claims/${id}/settlements/stl_${ulid()}/accept`, undefined],
      ["POST", `/v1/claims/${id}/deny`, { reason: "x" }],
      ["POST", `/v1/claims/${id}/close`, {}],
      ["POST", `/v1/claims/${id}/reopen`, {}],
      ["GET", `/v1/claims/${id}/attachments`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { apiKey: other.apiKey, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await post(other.apiKey, "/v1/claims", fnol(policy.id))).status).toBe(404);
    expect((await json(await get(other.apiKey, "/v1/claims"))).data).toEqual([]);
    // Untouched.
    expect(await json(await get(t.apiKey, `/v1/claims/${id}`))).toMatchObject({ status: "open", version: 1 });
  });

  it("replays a retried payment with the same Idempotency-Key instead of paying twice", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    const claim = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id), { "idempotency-key": `fnol-${ulid()}` }));
    const key = `pay-${ulid()}`;
    const body = { costType: "expense", amount: 250, payee: "Rapid Adjusting LLC" };
    const first = await post(t.apiKey, `/v1/claims/${claim.id}/payments`, body, { "idempotency-key": key });
    const second = await post(t.apiKey, `/v1/claims/${claim.id}/payments`, body, { "idempotency-key": key });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.text()).toBe(await first.text());
    expect((await json(await get(t.apiKey, `/v1/claims/${claim.id}`))).payments).toHaveLength(1);
  });

  it("refuses bad amounts naming the field, and a duplicate FNOL with the existing claim", async () => {
    const t = await createTenant();
    const policy = await boundPolicy(t);
    const claim = await json(await post(t.apiKey, "/v1/claims", fnol(policy.id)));
    for (const amount of [0, -1, 12.345, 1_000_000_000.01]) {
      const res = await post(t.apiKey, `/v1/claims/${claim.id}/payments`, { costType: "expense", amount, payee: "x" });
      expect(res.status, String(amount)).toBe(400);
      expect(await json(res), String(amount)).toMatchObject({ error: "validation_failed", details: { field: "amount" } });
    }
    const dup = await post(t.apiKey, "/v1/claims", fnol(policy.id));
    expect(dup.status).toBe(409);
    expect(await json(dup)).toMatchObject({ error: "conflict", details: { existingClaimId: claim.id } });
    expect((await post(t.apiKey, "/v1/claims", fnol(policy.id, { confirmDistinct: true }))).status).toBe(201);
  });
});
