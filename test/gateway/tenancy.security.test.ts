import { describe, expect, it } from "vitest";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

describe("tenancy: another org's data is invisible", () => {
  it("another org's submission, API key and org answer 404 not_found, and lists hold only your rows", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: a.apiKey, body: quickstartSubmission() }));

    for (const path of [`/v1/submissions/${sub.id}`, `/v1/api-keys/${a.apiKeyId}`, `/v1/orgs/${a.orgId}`]) {
      const res = await call("GET", path, { apiKey: b.apiKey });
      expect(res.status, path).toBe(404);
      expect((await json(res)).error).toBe("not_found");
    }
    expect((await call("DELETE", `/v1/api-keys/${a.apiKeyId}`, { apiKey: b.apiKey })).status).toBe(404);
    expect((await call("POST", `/v1/api-keys/${a.apiKeyId}/rotate`, { apiKey: b.apiKey, body: {} })).status).toBe(404);
    expect((await call("PATCH", `/v1/orgs/${a.orgId}`, { apiKey: b.apiKey, body: { name: "Hijacked" } })).status).toBe(404);

    const listB = await json(await call("GET", "/v1/submissions", { apiKey: b.apiKey }));
    expect(listB.data).toEqual([]);
    const keysB = await json(await call("GET", "/v1/api-keys", { apiKey: b.apiKey }));
    expect(keysB.data.map((k: { id: string }) => k.id)).not.toContain(a.apiKeyId);

    // The owner still sees everything.
    expect((await call("GET", `/v1/submissions/${sub.id}`, { apiKey: a.apiKey })).status).toBe(200);
    expect((await call("GET", `/v1/orgs/${a.orgId}`, { apiKey: a.apiKey })).status).toBe(200);
  });

  it("the org comes from the credential, never from the body or query", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await json(await call("POST", "/v1/submissions", { apiKey: a.apiKey, body: { ...quickstartSubmission(), orgId: b.orgId } }));
    expect((await call("GET", `/v1/submissions/${created.id}`, { apiKey: b.apiKey })).status).toBe(404);
    const listed = await json(await call("GET", `/v1/submissions?orgId=${a.orgId}`, { apiKey: b.apiKey }));
    expect(listed.data).toEqual([]);
  });
});
