import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, flushApiCalls, json } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";

const asSystem = (orgId?: string) => ({ token: env.API_SECRET, ...(orgId ? { headers: { "x-org-id": orgId } } : {}) });

async function quoted(apiKey: string): Promise<string> {
  const sub = await json(await call("POST", "/v1/submissions", { apiKey, body: glSubmission() }));
  const quote = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey });
  if (quote.status !== 201) throw new Error(`quote failed: ${quote.status} ${await quote.text()}`);
  return sub.id as string;
}

describe("plans and entitlements through the gateway", () => {
  it("an org created without a plan is on starter; PATCH /v1/orgs/:id {plan} is the system principal's alone", async () => {
    const t = await createTenant();
    expect(await json(await call("GET", `/v1/orgs/${t.orgId}`, { token: t.token }))).toMatchObject({ id: t.orgId, plan: "starter" });
    const byAdmin = await call("PATCH", `/v1/orgs/${t.orgId}`, { token: t.token, body: { plan: "enterprise" } });
    expect(byAdmin.status).toBe(403);
    expect((await json(byAdmin)).error).toBe("insufficient_scope");
    const bad = await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "platinum" } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toBe("validation_failed");
    const changed = await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "pro" } });
    expect(changed.status).toBe(200);
    expect(await json(changed)).toMatchObject({ id: t.orgId, plan: "pro" });
    expect(await json(await call("GET", "/v1/entitlements/summary", { apiKey: t.apiKey }))).toMatchObject({ workspaceId: t.orgId, plan: "pro" });
    // A rename keeps the plan.
    expect(await json(await call("PATCH", `/v1/orgs/${t.orgId}`, { token: t.token, body: { name: "Renamed Agency" } }))).toMatchObject({ name: "Renamed Agency", plan: "pro" });
    const created = await call("POST", "/v1/orgs", { token: env.API_SECRET, body: { name: "Planned Org", slug: `planned-${crypto.randomUUID().slice(0, 8)}`, plan: "free" } });
    expect(created.status).toBe(201);
    expect((await json(created)).plan).toBe("free");
  });

  // Thirty quotes and binds through the whole platform: more than the default budget on a loaded machine.
  it("N concurrent binds against a remaining allowance of k admit exactly k; the rest are 403 feature_limit_reached and bind nothing", async () => {
    const t = await createTenant();
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "free" } })).status).toBe(200);
    const limit = (await json(await call("GET", "/v1/entitlements/check?feature=policies_bound", { apiKey: t.apiKey }))).limit as number;
    expect(limit).toBe(25);
    const subs: string[] = [];
    for (let i = 0; i < limit + 4; i++) subs.push(await quoted(t.apiKey));
    const answers = await Promise.all(subs.map((id) => call("POST", `/v1/submissions/${id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 403)).toHaveLength(4);
    const refused = await json(answers.find((r) => r.status === 403)!);
    expect(refused).toMatchObject({ error: "feature_limit_reached", details: { feature: "policies_bound", limit, used: limit } });
    expect(refused.details.upgradeUrl).toMatch(/^https:\/\//);
    expect(refused.requestId).toMatch(/^req_/);
    const policies = await json(await call("GET", "/v1/policies?limit=100", { apiKey: t.apiKey }));
    expect(policies.data).toHaveLength(limit);
    const check = await json(await call("GET", "/v1/entitlements/check?feature=policies_bound&quantity=1", { apiKey: t.apiKey }));
    expect(check).toMatchObject({ allowed: false, reason: "limit_exceeded", currentUsage: limit, limit, available: 0 });
    // An upgrade lets the refused submissions bind.
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "starter" } })).status).toBe(200);
    const leftover = subs[statuses.indexOf(403)]!;
    expect((await call("POST", `/v1/submissions/${leftover}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(201);
    const summary = await json(await call("GET", "/v1/entitlements/summary", { apiKey: t.apiKey }));
    expect(summary.entitlements.find((e: { feature: string }) => e.feature === "policies_bound")).toMatchObject({ used: limit + 1, limit: 1000, unit: "count" });
  }, 90_000);

  it("records api_calls, answers the summary and the plan table; scopes gate each route", async () => {
    const t = await createTenant();
    // The org's own requests count api_calls too, at the gateway in batches: the record comes on top
    // of them (the check's request included, once flushed).
    await flushApiCalls();
    const before = (await json(await call("GET", "/v1/entitlements/check?feature=api_calls", { apiKey: t.apiKey }))).currentUsage;
    await flushApiCalls();
    const recorded = await call("POST", "/v1/entitlements/usage", { apiKey: t.apiKey, body: { feature: "api_calls", quantity: 3, metadata: { endpoint: "/api/v1/posts" } } });
    expect(recorded.status).toBe(200);
    expect(await json(recorded)).toMatchObject({ recorded: true, feature: "api_calls", quantity: 3, currentUsage: before + 1 + 3 });
    const platform = await call("POST", "/v1/entitlements/usage", { apiKey: t.apiKey, body: { feature: "policies_bound" } });
    expect(platform.status).toBe(400);
    expect((await json(platform)).details).toMatchObject({ field: "feature" });
    const unknown = await call("GET", "/v1/entitlements/check?feature=posts", { apiKey: t.apiKey });
    expect(unknown.status).toBe(400);
    const plans = await json(await call("GET", "/v1/entitlements/plans", { apiKey: t.apiKey }));
    expect(plans.data.map((p: { plan: string }) => p.plan)).toEqual(["free", "starter", "pro", "enterprise"]);
    const reader = await createApiKey(t.token, { scopes: ["entitlements:read"] });
    expect((await call("GET", "/v1/entitlements/summary", { apiKey: reader.key })).status).toBe(200);
    const denied = await call("POST", "/v1/entitlements/usage", { apiKey: reader.key, body: { feature: "api_calls" } });
    expect(denied.status).toBe(403);
    expect((await json(denied)).error).toBe("insufficient_scope");
    const none = await createApiKey(t.token, { scopes: ["policies:read"] });
    expect((await call("GET", "/v1/entitlements/check?feature=api_calls", { apiKey: none.key })).status).toBe(403);
  });

  it("usage is the org's own: another org's summary does not see it", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const apiCalls = async (apiKey: string) => (await json(await call("GET", "/v1/entitlements/summary", { apiKey }))).entitlements.find((e: { feature: string }) => e.feature === "api_calls").used;
    // Each summary read is an api_call of its org, counted at the next flush.
    await flushApiCalls();
    const before = { a: await apiCalls(a.apiKey), b: await apiCalls(b.apiKey) };
    await flushApiCalls();
    await call("POST", "/v1/entitlements/usage", { apiKey: a.apiKey, body: { feature: "api_calls", quantity: 7 } });
    await flushApiCalls();
    expect(await apiCalls(b.apiKey)).toBe(before.b + 1);
    expect(await apiCalls(a.apiKey)).toBe(before.a + 1 + 7 + 1);
  });
});

describe("workspaces (system principal)", () => {
  it("creates, lists, gets and patches a workspace; other credentials are refused", async () => {
    const slug = `ws-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call("POST", "/v1/workspaces", { token: env.API_SECRET, body: { name: "Harbor Agency", slug, plan: "pro", settings: { timezone: "Europe/London", locale: "en_GB" } } });
    expect(created.status).toBe(201);
    const ws = await json(created);
    expect(ws).toMatchObject({ name: "Harbor Agency", slug, plan: "pro", settings: { timezone: "Europe/London", locale: "en_GB" }, status: "active", deletedAt: null, purgeAfter: null });
    expect(await json(await call("GET", `/v1/workspaces/${ws.id}`, { token: env.API_SECRET }))).toEqual(ws);
    const patched = await json(await call("PATCH", `/v1/workspaces/${ws.id}`, { token: env.API_SECRET, body: { name: "Harbor Agency LLC", settings: { timezone: "America/New_York" } } }));
    expect(patched).toMatchObject({ name: "Harbor Agency LLC", plan: "pro", settings: { timezone: "America/New_York", locale: "en_GB" } });
    const bad = await call("PATCH", `/v1/workspaces/${ws.id}`, { token: env.API_SECRET, body: { settings: { timezone: "Nowhere/Atlantis" } } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).details).toMatchObject({ field: "settings.timezone" });
    const badCreate = await call("POST", "/v1/workspaces", { token: env.API_SECRET, body: { name: "Bad Zone", slug: `${slug}-x`, settings: { timezone: "Nowhere/Atlantis" } } });
    expect(badCreate.status).toBe(400);
    // Nothing was created for the refused one.
    expect((await call("GET", `/v1/orgs/${ws.id}`, { token: env.API_SECRET, headers: { "x-org-id": ws.id } })).status).toBe(200);
    let found = false;
    let cursor: string | null = null;
    do {
      const page: { data: { id: string; slug: string }[]; nextCursor: string | null } = await json(await call("GET", `/v1/workspaces?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: env.API_SECRET }));
      if (page.data.some((w: { id: string; slug: string }) => w.id === ws.id)) found = true;
      expect(page.data.some((w: { slug: string }) => w.slug === `${slug}-x`)).toBe(false);
      cursor = page.nextCursor;
    } while (cursor && !found);
    expect(found).toBe(true);
    expect((await call("GET", `/v1/workspaces/org_01ARZ3NDEKTSV4RRFFQ69G5FAV`, { token: env.API_SECRET })).status).toBe(404);
    const t = await createTenant();
    expect((await call("GET", "/v1/workspaces", { token: t.token })).status).toBe(403);
    expect((await call("DELETE", `/v1/workspaces/${t.orgId}`, { apiKey: t.apiKey })).status).toBe(403);
  });

  it("a deleted workspace refuses every credential of its org from the next request, and keeps its data", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    expect((await call("GET", `/v1/submissions/${sub.id}`, { token: t.token })).status).toBe(200);
    const deleted = await call("DELETE", `/v1/workspaces/${t.orgId}`, { token: env.API_SECRET });
    expect(deleted.status).toBe(204);
    for (const credential of [{ apiKey: t.apiKey }, { token: t.token }, asSystem(t.orgId)]) {
      const res = await call("GET", `/v1/submissions/${sub.id}`, credential);
      expect(res.status).toBe(401);
      expect((await json(res)).error).toBe("unauthorized");
    }
    // Another org is untouched; the deleted one is still there for the system principal, with its retention.
    expect((await call("GET", "/v1/submissions", { apiKey: other.apiKey })).status).toBe(200);
    const ws = await json(await call("GET", `/v1/workspaces/${t.orgId}`, { token: env.API_SECRET }));
    expect(ws.status).toBe("deleted");
    expect(Date.parse(ws.purgeAfter) - Date.parse(ws.deletedAt)).toBe(30 * 86_400_000);
    expect((await call("DELETE", `/v1/workspaces/${t.orgId}`, { token: env.API_SECRET })).status).toBe(204);
    const row = await env.UNDERWRITING_DB.prepare("SELECT id FROM submissions WHERE id = ?").bind(sub.id).first();
    expect(row).not.toBeNull();
  });
});
