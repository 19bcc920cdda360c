import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, flushApiCalls, json } from "./harness.ts";

// The gateway project runs api_calls in batches of 5, each full batch flushed before its request
// answers (registry: the gateway's testVars). A trailing partial batch is sent by
// flushApiCalls (the harness's), which reaches the tallies because the tests run in the gateway's isolate.

const asSystem = (orgId: string) => ({ token: env.API_SECRET, headers: { "x-org-id": orgId } });
const flush = flushApiCalls;

/** The org's api_calls, as the system principal reads it (counted, never refused), after a flush. */
async function apiCalls(orgId: string): Promise<{ used: number; limit: number | null }> {
  await flush();
  const res = await call("GET", "/v1/entitlements/summary", asSystem(orgId));
  expect(res.status).toBe(200);
  const summary = await json(res);
  // The summary's own request is counted too, but only at the next flush: it reads what came before it.
  await flush();
  return summary.entitlements.find((e: { feature: string }) => e.feature === "api_calls");
}

describe("api_calls: every authenticated request of an org, batched per isolate", () => {
  it("N requests with the org's credentials count exactly N once flushed, whichever credential; another org's count is its own", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const before = await apiCalls(a.orgId);
    const beforeB = await apiCalls(b.orgId);
    expect(before.limit).toBe(250_000);

    // 7 with the API key, 4 with the JWT, 2 as the system principal naming the org: 13, and the
    // batches of 5 flush inside them, so some land before the trailing flush and some at it.
    for (let i = 0; i < 7; i++) expect((await call("GET", "/v1/webhooks", { apiKey: a.apiKey })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await call("GET", "/v1/team/workspace", { token: a.token })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call("GET", "/v1/webhooks", asSystem(a.orgId))).status).toBe(200);
    // The summary read of `before` itself, plus the 13.
    const after = await apiCalls(a.orgId);
    expect(after.used).toBe(before.used + 1 + 13);

    // The org's own summary shows it too (with the count's percentage of the plan).
    await flush();
    const own = await json(await call("GET", "/v1/entitlements/summary", { apiKey: a.apiKey }));
    expect(own.entitlements.find((e: { feature: string }) => e.feature === "api_calls")).toMatchObject({ used: after.used + 1, limit: 250_000, unit: "count" });

    // B was not touched by A's requests: only its own summary read of `beforeB` counts.
    expect((await apiCalls(b.orgId)).used).toBe(beforeB.used + 1);
  });

  it("unauthenticated and public requests are not counted, nor a failed credential, nor the API secret naming no org", async () => {
    const t = await createTenant();
    const before = await apiCalls(t.orgId);
    for (const path of ["/health", "/openapi.json", "/docs", "/r/NOSUCHCODE"]) await call("GET", path);
    expect((await call("GET", "/v1/webhooks")).status).toBe(401);
    expect((await call("GET", "/v1/webhooks", { apiKey: `${t.apiKey.slice(0, -4)}zzzz` })).status).toBe(401);
    // A token this org never issued but naming it is a failed credential, not the org's.
    expect((await call("GET", "/v1/webhooks", { token: "eyJhbGciOiJIUzI1NiJ9.eyJvcmdJZCI6Im9yZ18xIn0.bad" })).status).toBe(401);
    expect((await call("GET", "/v1/workspaces", { token: env.API_SECRET })).status).toBe(200);
    expect((await apiCalls(t.orgId)).used).toBe(before.used + 1);
  });

  it("past the plan's limit the org's next requests are 403 feature_limit_reached with details, on the real action; a plan change lifts it at once", async () => {
    const [t, other] = await Promise.all([createTenant(), createTenant()]);
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "free" } })).status).toBe(200);
    const start = await apiCalls(t.orgId);
    expect(start.limit).toBe(10_000);
    // Bring the org to 3 calls short of its limit (an integrator's own recorded api_calls count the
    // same): the summary read of `start`, the record itself and the next summary read count 1 each.
    const quantity = 10_000 - start.used - 1 - 1 - 3 - 1;
    const recorded = await call("POST", "/v1/entitlements/usage", { apiKey: t.apiKey, body: { feature: "api_calls", quantity } });
    expect(recorded.status).toBe(200);
    expect((await apiCalls(t.orgId)).used).toBe(10_000 - 4);

    // Exactly the 3 left are served; the next real actions are refused and not counted.
    const served = [];
    for (let i = 0; i < 3; i++) served.push((await call("GET", "/v1/webhooks", { apiKey: t.apiKey })).status);
    expect(served).toEqual([200, 200, 200]);
    const refused = await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url: "http://127.0.0.1:9/hook", events: ["policy.*"] } });
    expect(refused.status).toBe(403);
    const body = await json(refused);
    expect(body).toMatchObject({ error: "feature_limit_reached", details: { feature: "api_calls", limit: 10_000, used: 10_000 } });
    expect(body.details.upgradeUrl).toMatch(/^https:\/\//);
    expect(body.requestId).toMatch(/^req_/);
    // Every credential of the org is refused, the JWT too; nothing was created by the refused create.
    expect((await json(await call("GET", "/v1/webhooks", { token: t.token }))).error).toBe("feature_limit_reached");
    const listed = await json(await call("GET", "/v1/webhooks", asSystem(t.orgId)));
    expect(listed.data).toEqual([]);
    // The refusals were not counted (the system principal's list and summary reads were).
    expect((await apiCalls(t.orgId)).used).toBe(10_000 + 1);

    // Another org is served as before.
    expect((await call("GET", "/v1/webhooks", { apiKey: other.apiKey })).status).toBe(200);

    // The plan goes up through this gateway: the org's very next request is served.
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "starter" } })).status).toBe(200);
    expect((await call("GET", "/v1/webhooks", { apiKey: t.apiKey })).status).toBe(200);
    expect(await apiCalls(t.orgId)).toMatchObject({ limit: 250_000, used: 10_000 + 1 + 1 + 1 + 1 });
  });

  it("the month rolls on the org's clock: a new window starts from zero and the refusal ends", async () => {
    const t = await createTenant();
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "free" } })).status).toBe(200);
    const start = await apiCalls(t.orgId);
    const quantity = 10_000 - start.used - 1;
    expect((await call("POST", "/v1/entitlements/usage", { apiKey: t.apiKey, body: { feature: "api_calls", quantity } })).status).toBe(200);
    await flush();
    expect((await call("GET", "/v1/webhooks", { apiKey: t.apiKey })).status).toBe(403);

    // The test clock stands on 1 December: 31 days on is January, a new window.
    const moved = await call("POST", "/v1/sandbox/clock", { ...asSystem(t.orgId), body: { advanceDays: 31 } });
    expect(moved.status).toBe(200);
    expect((await call("GET", "/v1/webhooks", { apiKey: t.apiKey })).status).toBe(200);
    // January holds the clock move (counted at the flush after it, in the month of the flush) and the request.
    expect(await apiCalls(t.orgId)).toMatchObject({ used: 2, limit: 10_000 });
  });
});

describe("api_calls through MCP", () => {
  it("a tool call is one api_call, over /mcp and over POST /v1/mcp/tools/call alike", async () => {
    const t = await createTenant();
    const before = await apiCalls(t.orgId);
    const viaMcp = await call("POST", "/mcp", {
      apiKey: t.apiKey,
      body: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_policies", arguments: {} } },
      headers: { accept: "application/json, text/event-stream" },
    });
    expect(viaMcp.status).toBe(200);
    expect((await json(viaMcp)).result.isError).not.toBe(true);
    const viaRest = await call("POST", "/v1/mcp/tools/call", { apiKey: t.apiKey, body: { server: "openinsure", tool: "search_policies", arguments: {} } });
    expect(viaRest.status).toBe(200);
    // The summary read of `before`, and one for each tool call.
    expect((await apiCalls(t.orgId)).used).toBe(before.used + 1 + 2);
  });
});
