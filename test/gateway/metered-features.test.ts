import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";
import { sampleInvoice } from "../support/render-samples.ts";

const asSystem = (orgId: string) => ({ token: env.API_SECRET, headers: { "x-org-id": orgId } });
const endpoint = (n: number) => ({ url: `http://127.0.0.1:9/hooks/${n}`, events: ["policy.*"] });

async function usedEndpoints(apiKey: string): Promise<unknown> {
  const summary = await json(await call("GET", "/v1/entitlements/summary", { apiKey }));
  return summary.entitlements.find((e: { feature: string }) => e.feature === "webhook_endpoints");
}

describe("webhook_endpoints: the org's live endpoints against its plan", () => {
  it("N concurrent creates against a remaining allowance of k create exactly k; the rest are 403 feature_limit_reached and create nothing; a delete gives one back", async () => {
    const t = await createTenant();
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { ...asSystem(t.orgId), body: { plan: "free" } })).status).toBe(200);
    const check = await json(await call("GET", "/v1/entitlements/check?feature=webhook_endpoints", { apiKey: t.apiKey }));
    expect(check).toMatchObject({ allowed: true, feature: "webhook_endpoints", plan: "free", currentUsage: 0, limit: 2, available: 2, resetAt: null });

    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: endpoint(n) })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 403)).toHaveLength(4);
    const refused = await json(answers.find((r) => r.status === 403)!);
    expect(refused).toMatchObject({ error: "feature_limit_reached", details: { feature: "webhook_endpoints", limit: 2, used: 2 } });
    expect(refused.details.upgradeUrl).toMatch(/^https:\/\//);
    // Nothing was created for the refused ones.
    const listed = await json(await call("GET", "/v1/webhooks?limit=100", { apiKey: t.apiKey }));
    expect(listed.data).toHaveLength(2);
    expect(await usedEndpoints(t.apiKey)).toMatchObject({ used: 2, limit: 2, available: 0, percentage: 100, resetAt: null, unit: "count" });
    expect(await json(await call("GET", "/v1/entitlements/check?feature=webhook_endpoints", { apiKey: t.apiKey }))).toMatchObject({ allowed: false, reason: "limit_exceeded", currentUsage: 2 });

    // A delete gives its endpoint back, once: deleting it again is 404 and returns nothing more.
    const [first] = listed.data as { id: string }[];
    expect((await call("DELETE", `/v1/webhooks/${first!.id}`, { apiKey: t.apiKey })).status).toBe(204);
    expect((await call("DELETE", `/v1/webhooks/${first!.id}`, { apiKey: t.apiKey })).status).toBe(404);
    expect(await usedEndpoints(t.apiKey)).toMatchObject({ used: 1, available: 1 });
    const again = await Promise.all([6, 7].map((n) => call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: endpoint(n) })));
    expect(again.map((r) => r.status).sort()).toEqual([201, 403]);
    expect(await usedEndpoints(t.apiKey)).toMatchObject({ used: 2, available: 0 });
  });

  it("concurrent deletes of one endpoint give back one; a bad create counts nothing; another org's count is its own", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const created = await json(await call("POST", "/v1/webhooks", { apiKey: a.apiKey, body: endpoint(1) }));
    await call("POST", "/v1/webhooks", { apiKey: a.apiKey, body: endpoint(2) });
    expect((await call("POST", "/v1/webhooks", { apiKey: a.apiKey, body: { url: "not a url", events: ["*"] } })).status).toBe(400);
    expect(await usedEndpoints(a.apiKey)).toMatchObject({ used: 2, limit: 10 });
    expect(await usedEndpoints(b.apiKey)).toMatchObject({ used: 0 });
    // Another org's id is 404 and gives nothing back.
    expect((await call("DELETE", `/v1/webhooks/${created.id}`, { apiKey: b.apiKey })).status).toBe(404);
    const deletes = await Promise.all([0, 1, 2].map(() => call("DELETE", `/v1/webhooks/${created.id}`, { apiKey: a.apiKey })));
    expect(deletes.map((r) => r.status).sort()).toEqual([204, 404, 404]);
    expect(await usedEndpoints(a.apiKey)).toMatchObject({ used: 1 });
  });
});

describe("document_storage_bytes: every stored byte, through the gateway", () => {
  it("a stored document's size is in the summary and the check; another org's is its own", async () => {
    const [t, other] = await Promise.all([createTenant(), createTenant()]);
    const storage = async (apiKey: string) =>
      (await json(await call("GET", "/v1/entitlements/summary", { apiKey }))).entitlements.find((e: { feature: string }) => e.feature === "document_storage_bytes");
    expect(await storage(t.apiKey)).toMatchObject({ used: 0, unit: "bytes", resetAt: null });
    const res = await call("POST", "/v1/documents/render-pdf", { apiKey: t.apiKey, body: { template: "invoice", data: sampleInvoice() } });
    expect(res.status).toBe(201);
    const doc = await json(res);
    expect(doc.size).toBeGreaterThan(0);
    expect(await storage(t.apiKey)).toMatchObject({ used: doc.size, limit: 25 * 1024 ** 3 });
    const check = await json(await call("GET", `/v1/entitlements/check?feature=document_storage_bytes&quantity=${doc.size}`, { apiKey: t.apiKey }));
    expect(check).toMatchObject({ allowed: true, feature: "document_storage_bytes", currentUsage: doc.size });
    expect(await storage(other.apiKey)).toMatchObject({ used: 0 });
  });
});
