import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json, quickstartSubmission } from "./harness.ts";

const profile = { naicsCode: "236220", state: "OR", lineOfBusiness: "GL", annualRevenue: 8_000_000, requestedLimit: 1_000_000, yearsInBusiness: 12 };

describe("the market finder through the gateway", () => {
  it("classify is public and answers the top five codes", async () => {
    const res = await call("POST", "/v1/market-finder/classify", { body: { description: "general contractor building offices and schools" } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.edition).toBe("2017");
    expect(body.data).toHaveLength(5);
    expect(body.data.map((d: { code: string }) => d.code)).toContain("236220");
    const empty = await call("POST", "/v1/market-finder/classify", { body: { description: "" } });
    expect(empty.status).toBe(400);
    expect(await json(empty)).toMatchObject({ error: "validation_failed", details: { field: "description" } });
  });

  it("matches a risk with scores and reasons, and refuses a NAICS code off the official list", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/market-finder/match-carriers-detailed", { apiKey: t.apiKey, body: profile });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data[0]).toMatchObject({ carrier: { name: "Cascade Mutual Insurance Company" }, score: 88, eligible: true });
    const bad = await call("POST", "/v1/market-finder/search", { apiKey: t.apiKey, body: { ...profile, naicsCode: "999999" } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: "validation_failed", details: { field: "naicsCode", rule: "naics_code" } });
  });

  it("needs market:read to read and market:write to add a carrier", async () => {
    const t = await createTenant();
    const reader = await createApiKey(t.token, { scopes: ["market:read"] });
    expect((await call("GET", "/v1/market-finder/carriers?limit=5", { apiKey: reader.key })).status).toBe(200);
    const denied = await call("POST", "/v1/market-finder/carriers", {
      apiKey: reader.key,
      body: { name: "Own Co", naicNumber: "99002", amBestRating: "A", marketType: "admitted", states: ["OR"] },
    });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "market:write" } });
    const none = await createApiKey(t.token, { scopes: ["submissions:read"] });
    expect((await call("GET", "/v1/market-finder/appetites", { apiKey: none.key })).status).toBe(403);
  });

  it("similar businesses are the org's own past submissions, nearest first, with their outcomes", async () => {
    const t = await createTenant();
    const other = await createTenant();
    for (const s of [
      { ...quickstartSubmission(), insuredName: "Near Builders" },
      { ...quickstartSubmission(), insuredName: "Roof Co", naicsCode: "238160", state: "WA", annualRevenue: 900_000 },
      { ...quickstartSubmission(), insuredName: "Dentist", naicsCode: "621210" },
    ]) {
      expect((await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: s })).status).toBe(201);
    }
    await call("POST", "/v1/submissions", { apiKey: other.apiKey, body: { ...quickstartSubmission(), insuredName: "Not Mine" } });
    const res = await call("POST", "/v1/market-finder/similar-businesses", { apiKey: t.apiKey, body: { naicsCode: "236220", state: "OR", annualRevenue: 8_000_000 } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data.map((d: { insuredName: string }) => d.insuredName)).toEqual(["Near Builders", "Roof Co"]);
    expect(body.data[0]).toMatchObject({ similarity: 1, outcome: "open", policyId: null });
  });
});

describe("clients through the gateway", () => {
  it("saves a client, finds it by search and as a duplicate, and records the terms", async () => {
    const t = await createTenant();
    const created = await call("POST", "/v1/clients", { apiKey: t.apiKey, body: { name: "Acme Roofing LLC", state: "OR", domain: "acme.com", naicsCode: "238160" } });
    expect(created.status).toBe(201);
    const client = await json(created);
    const search = await json(await call("GET", "/v1/clients/search?q=acme", { apiKey: t.apiKey }));
    expect(search.data.map((c: { id: string }) => c.id)).toEqual([client.id]);
    const dup = await json(await call("GET", "/v1/clients/check-duplicate?name=acme%20roofing&state=OR", { apiKey: t.apiKey }));
    expect(dup).toMatchObject({ duplicate: true, matches: [{ id: client.id }] });
    expect(await json(await call("GET", "/v1/clients/terms-status", { apiKey: t.apiKey }))).toMatchObject({ accepted: false });
    expect((await call("POST", "/v1/clients/accept-terms", { apiKey: t.apiKey, body: { version: "2026-01" } })).status).toBe(200);
    expect(await json(await call("GET", "/v1/clients/terms-status", { apiKey: t.apiKey }))).toMatchObject({ accepted: true });
    const patched = await call("PATCH", `/v1/clients/${client.id}`, { apiKey: t.apiKey, body: { notes: "Met at the trade show" } });
    expect(await json(patched)).toMatchObject({ id: client.id, notes: "Met at the trade show" });
    const bad = await call("POST", "/v1/clients", { apiKey: t.apiKey, body: { name: "X", naicsCode: "999999" } });
    expect(bad.status).toBe(400);
    const reader = await createApiKey(t.token, { scopes: ["clients:read"] });
    expect((await call("POST", "/v1/clients", { apiKey: reader.key, body: { name: "Y" } })).status).toBe(403);
  });
});
