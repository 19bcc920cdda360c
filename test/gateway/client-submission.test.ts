import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json } from "./harness.ts";

const prospect = { name: "Summit Roofing LLC", state: "OR", domain: "summitroofing.com", naicsCode: "238160", annualRevenue: 2_400_000.5, contactEmail: "owner@summitroofing.com", notes: "Referred by the trade show" };
const cover = { lineOfBusiness: "GL", requestedLimit: 1_000_000, effectiveDate: testDay(30) };

async function newClient(apiKey: string, body: Record<string, unknown> = prospect) {
  const res = await call("POST", "/v1/clients", { apiKey, body });
  expect(res.status).toBe(201);
  return json(res);
}

describe("POST /v1/clients/{id}/submission", () => {
  it("creates a submission carrying the client's facts and links the client to it", async () => {
    const t = await createTenant();
    const client = await newClient(t.apiKey);
    const res = await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: t.apiKey, body: { ...cover, yearsInBusiness: 9 } });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.submission).toMatchObject({
      id: expect.stringMatching(/^sub_/),
      status: "received",
      insuredName: "Summit Roofing LLC",
      naicsCode: "238160",
      state: "OR",
      annualRevenue: 2_400_000.5,
      insuredEmail: "owner@summitroofing.com",
      notes: "Referred by the trade show",
      lineOfBusiness: "GL",
      requestedLimit: 1_000_000,
      yearsInBusiness: 9,
    });
    expect(body.client).toMatchObject({ id: client.id, status: "converted", submissionId: body.submission.id, convertedAt: expect.any(String) });
    // Both sides agree when read back.
    expect(await json(await call("GET", `/v1/clients/${client.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "converted", submissionId: body.submission.id });
    expect(await json(await call("GET", `/v1/submissions/${body.submission.id}`, { apiKey: t.apiKey }))).toMatchObject({ insuredName: "Summit Roofing LLC", naicsCode: "238160" });
  });

  it("converts a client once: the second request is 409 naming the submission made, and no second submission exists", async () => {
    const t = await createTenant();
    const client = await newClient(t.apiKey);
    const first = await json(await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: t.apiKey, body: cover }));
    const again = await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: t.apiKey, body: cover });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: "conflict", details: { clientId: client.id, submissionId: first.submission.id } });
    const subs = await json(await call("GET", "/v1/submissions?limit=100", { apiKey: t.apiKey }));
    expect(subs.data.map((s: { id: string }) => s.id)).toEqual([first.submission.id]);
  });

  it("two requests at once make one submission", async () => {
    const t = await createTenant();
    const client = await newClient(t.apiKey);
    const answers = await Promise.all([1, 2, 3].map(() => call("POST", `/v1/clients/${client.id}/submission`, { apiKey: t.apiKey, body: cover })));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    const subs = await json(await call("GET", "/v1/submissions?limit=100", { apiKey: t.apiKey }));
    expect(subs.data).toHaveLength(1);
    expect(await json(await call("GET", `/v1/clients/${client.id}`, { apiKey: t.apiKey }))).toMatchObject({ submissionId: subs.data[0].id });
  });

  it("names a fact neither the client nor the body gives, takes it from the body, and lets a refused client be converted later", async () => {
    const t = await createTenant();
    const bare = await newClient(t.apiKey, { name: "Bare Prospect Inc" });
    const missing = await call("POST", `/v1/clients/${bare.id}/submission`, { apiKey: t.apiKey, body: cover });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: "validation_failed", details: { field: "naicsCode", rule: "required" } });
    // Underwriting's own rules still apply (an effective date years ahead), and the client is released.
    const refused = await call("POST", `/v1/clients/${bare.id}/submission`, { apiKey: t.apiKey, body: { ...cover, naicsCode: "541511", state: "WA", annualRevenue: 900_000, effectiveDate: testDay(900) } });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: "validation_failed", details: { field: "effectiveDate" } });
    expect(await json(await call("GET", `/v1/clients/${bare.id}`, { apiKey: t.apiKey }))).toMatchObject({ status: "prospect", submissionId: null });
    const done = await call("POST", `/v1/clients/${bare.id}/submission`, { apiKey: t.apiKey, body: { ...cover, naicsCode: "541511", state: "WA", annualRevenue: 900_000 } });
    expect(done.status).toBe(201);
    expect((await json(done)).submission).toMatchObject({ insuredName: "Bare Prospect Inc", naicsCode: "541511", state: "WA", annualRevenue: 900_000 });
  });

  it("refuses a NAICS override off the official list", async () => {
    const t = await createTenant();
    const client = await newClient(t.apiKey);
    const res = await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: t.apiKey, body: { ...cover, naicsCode: "236200" } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "naicsCode", rule: "naics_code" } });
  });

  it("is 404 for another org's client, and needs clients:write and submissions:write", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const client = await newClient(a.apiKey);
    const foreign = await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: b.apiKey, body: cover });
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found" });
    const clientsOnly = await createApiKey(a.token, { scopes: ["clients:read", "clients:write"] });
    const denied = await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: clientsOnly.key, body: cover });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "submissions:write" } });
    const submissionsOnly = await createApiKey(a.token, { scopes: ["submissions:write"] });
    expect(await json(await call("POST", `/v1/clients/${client.id}/submission`, { apiKey: submissionsOnly.key, body: cover }))).toMatchObject({ details: { requiredScope: "clients:write" } });
    expect(await json(await call("GET", `/v1/clients/${client.id}`, { apiKey: a.apiKey }))).toMatchObject({ status: "prospect", submissionId: null });
  });
});
