import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";

describe("webhooks through the gateway", () => {
  it("the secret is shown once; another org's endpoints and deliveries answer 404; scopes are enforced", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const created = await call("POST", "/v1/webhooks", { apiKey: a.apiKey, body: { url: "http://127.0.0.1:9/hooks", events: ["policy.*"] } });
    expect(created.status).toBe(201);
    const endpoint = await json(created);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const read = await json(await call("GET", `/v1/webhooks/${endpoint.id}`, { apiKey: a.apiKey }));
    expect(read.secret).toBeUndefined();
    expect(read).toMatchObject({ id: endpoint.id, events: ["policy.*"], enabled: true });
    // The answer carries exactly the fields the served contract declares: none undocumented, none missing.
    const doc = await json(await call("GET", "/openapi.json"));
    expect(Object.keys(read).sort()).toEqual(Object.keys(doc.components.schemas.WebhookEndpoint.properties).sort());

    for (const [method, path, body] of [
      ["GET", `/v1/webhooks/${endpoint.id}`],
      ["PATCH", `/v1/webhooks/${endpoint.id}`, { enabled: false }],
      ["POST", `/v1/webhooks/${endpoint.id}/test`],
      ["GET", `/v1/webhooks/${endpoint.id}/deliveries`],
      ["POST", `/v1/webhooks/${endpoint.id}/rotate-secret`],
      ["DELETE", `/v1/webhooks/${endpoint.id}`],
    ] as [string, string, unknown?][]) {
      const res = await call(method, path, { apiKey: b.apiKey, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await json(await call("GET", "/v1/webhooks", { apiKey: b.apiKey }))).data).toEqual([]);

    const readOnly = await createApiKey(a.token, { scopes: ["webhooks:read"] });
    expect((await call("POST", "/v1/webhooks", { apiKey: readOnly.key, body: { url: "http://127.0.0.1:9/x", events: ["*"] } })).status).toBe(403);
    expect((await call("GET", "/v1/webhooks", { apiKey: readOnly.key })).status).toBe(200);
  });

  it("refuses private and metadata addresses", async () => {
    const t = await createTenant();
    for (const url of ["http://169.254.169.254/latest/meta-data", "https://10.0.0.5/hook", "https://192.168.1.10/hook", "ftp://example.com/x"]) {
      const res = await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url, events: ["*"] } });
      expect(res.status, url).toBe(400);
      expect((await json(res)).details.field, url).toBe("url");
    }
  });
});
