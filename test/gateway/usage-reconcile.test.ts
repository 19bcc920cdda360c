import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";
import { sampleInvoice } from "../support/render-samples.ts";
import { newId } from "../../workers/_shared/ids.ts";
import { realIso } from "../support/clock.ts";

const asSystem = (orgId: string) => ({ token: env.API_SECRET, headers: { "x-org-id": orgId } });
const dbs = env as unknown as { WEBHOOKS_DB: D1Database; DOCUMENTS_DB: D1Database };

async function used(apiKey: string, feature: string): Promise<number> {
  const summary = await json(await call("GET", "/v1/entitlements/summary", { apiKey }));
  return summary.entitlements.find((e: { feature: string }) => e.feature === feature).used;
}

/**
 * A copy of a row under a new id, written straight to the owner's database: a row that existed
 * before its feature was metered, which the meter never counted.
 */
async function unmeteredCopy(db: D1Database, table: string, id: string, newId: string, overrides: Record<string, unknown> = {}): Promise<void> {
  const row = await db.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<Record<string, unknown>>();
  const copy: Record<string, unknown> = { ...row!, ...overrides, id: newId };
  const columns = Object.keys(copy);
  await db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).bind(...columns.map((c) => copy[c] ?? null)).run();
}

const reconcile = (orgId: string) => call("POST", `/v1/workspaces/${orgId}/usage/reconcile`, { token: env.API_SECRET });

describe("the reconcile of webhook_endpoints and document_storage_bytes from their sources", () => {
  it("endpoints and documents the meter never counted are counted after the reconcile, and an adopted endpoint's delete gives it back", async () => {
    const [t, other] = await Promise.all([createTenant(), createTenant()]);
    const created = await json(await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url: "http://127.0.0.1:9/hooks/1", events: ["policy.*"] } }));
    const doc = await json(await call("POST", "/v1/documents/render-pdf", { apiKey: t.apiKey, body: { template: "invoice", data: sampleInvoice() } }));
    const otherDoc = await json(await call("POST", "/v1/documents/render-pdf", { apiKey: other.apiKey, body: { template: "invoice", data: sampleInvoice() } }));
    // Two endpoints and one document from before metering (no reservation ever held), and a deleted
    // endpoint, which counts for nothing.
    await unmeteredCopy(dbs.WEBHOOKS_DB, "webhook_endpoints", created.id, newId("whk"));
    await unmeteredCopy(dbs.WEBHOOKS_DB, "webhook_endpoints", created.id, newId("whk"));
    await unmeteredCopy(dbs.WEBHOOKS_DB, "webhook_endpoints", created.id, newId("whk"), { deleted_at: realIso() });
    await unmeteredCopy(dbs.DOCUMENTS_DB, "documents", doc.id, newId("doc"), { size: 1234, source_key: null });
    expect(await used(t.apiKey, "webhook_endpoints")).toBe(1);
    expect(await used(t.apiKey, "document_storage_bytes")).toBe(doc.size);

    const res = await reconcile(t.orgId);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      workspaceId: t.orgId,
      reconciled: [
        { feature: "webhook_endpoints", before: 1, after: 3, adopted: 2 },
        { feature: "document_storage_bytes", before: doc.size, after: doc.size + 1234, adopted: 1 },
      ],
    });
    expect(await used(t.apiKey, "webhook_endpoints")).toBe(3);
    expect(await used(t.apiKey, "document_storage_bytes")).toBe(doc.size + 1234);
    // Another org's figures are its own.
    expect(await used(other.apiKey, "document_storage_bytes")).toBe(otherDoc.size);
    expect(await used(other.apiKey, "webhook_endpoints")).toBe(0);

    // An adopted endpoint is given back at its delete, once, like any other.
    const listed = await json(await call("GET", "/v1/webhooks?limit=100", { apiKey: t.apiKey }));
    const adopted = (listed.data as { id: string }[]).find((e) => e.id !== created.id)!;
    expect((await call("DELETE", `/v1/webhooks/${adopted.id}`, { apiKey: t.apiKey })).status).toBe(204);
    expect(await used(t.apiKey, "webhook_endpoints")).toBe(2);

    // Reconciling again changes nothing and adopts nothing.
    expect(await json(await reconcile(t.orgId))).toMatchObject({
      reconciled: [
        { feature: "webhook_endpoints", before: 2, after: 2, adopted: 0 },
        { feature: "document_storage_bytes", before: doc.size + 1234, after: doc.size + 1234, adopted: 0 },
      ],
    });
  });

  it("a meter that counts more than the source is set down to the source's figure", async () => {
    const t = await createTenant();
    const created = await json(await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url: "http://127.0.0.1:9/hooks/1", events: ["policy.*"] } }));
    // The row goes without its delete reaching the meter (a lost returnUsage).
    await dbs.WEBHOOKS_DB.prepare("UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ?").bind(realIso(), created.id).run();
    expect(await used(t.apiKey, "webhook_endpoints")).toBe(1);
    expect(await json(await reconcile(t.orgId))).toMatchObject({ reconciled: [{ feature: "webhook_endpoints", before: 1, after: 0 }, { feature: "document_storage_bytes", before: 0, after: 0 }] });
    expect(await used(t.apiKey, "webhook_endpoints")).toBe(0);
  });

  it("is the system principal's alone, for an org that exists", async () => {
    const t = await createTenant();
    const refused = await call("POST", `/v1/workspaces/${t.orgId}/usage/reconcile`, { apiKey: t.apiKey });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "system" } });
    expect((await reconcile("org_00000000000000000000000000")).status).toBe(404);
  });
});
