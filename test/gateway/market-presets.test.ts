import { describe, expect, it } from "vitest";
import { SCOPE_PRESETS } from "#shared/auth";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json } from "./harness.ts";

const carrier = { name: "Preset Program Co", naicNumber: "99077", amBestRating: "A", marketType: "admitted", states: ["OR"] };
const profile = { naicsCode: "236220", state: "OR", lineOfBusiness: "GL", annualRevenue: 8_000_000, requestedLimit: 1_000_000 };
const cover = { lineOfBusiness: "GL", requestedLimit: 1_000_000, effectiveDate: testDay(30) };

async function presetKey(token: string, preset: string): Promise<{ key: string; scopes: string[] }> {
  const res = await call("POST", "/v1/api-keys", { token, body: { name: `${preset} key`, preset, rateLimitTier: "enterprise" } });
  expect(res.status, preset).toBe(201);
  return json(res);
}

/** What each market preset must and must not be able to do, over HTTP with a key made from it. */
async function abilities(apiKey: string) {
  const status = async (method: string, path: string, body?: unknown) => (await call(method, path, { apiKey, ...(body === undefined ? {} : { body }) })).status;
  const client = await call("POST", "/v1/clients", { apiKey, body: { name: `Prospect ${crypto.randomUUID()}`, state: "OR", naicsCode: "238160", annualRevenue: 1_200_000 } });
  const clientId = client.status === 201 ? (await json(client)).id : null;
  return {
    readMarket: await status("POST", "/v1/market-finder/match-carriers-detailed", profile),
    writeMarket: await status("POST", "/v1/market-finder/carriers", carrier),
    writeClients: client.status,
    readClients: await status("GET", "/v1/clients?limit=5"),
    convert: clientId ? await status("POST", `/v1/clients/${clientId}/submission`, cover) : null,
    readPolicies: await status("GET", "/v1/policies?limit=5"),
    readApiKeys: await status("GET", "/v1/api-keys"),
  };
}

describe("the market scope presets", () => {
  it("expand to the scopes they name", async () => {
    const t = await createTenant();
    const presets = await json(await call("GET", "/v1/api-keys/presets", { token: t.token }));
    const byName = Object.fromEntries(presets.data.map((p: { name: string; scopes: string[] }) => [p.name, p.scopes]));
    expect(byName.market_finder).toEqual(["market:read", "clients:read", "clients:write"]);
    expect(byName.market_manager).toEqual(["market:read", "clients:read", "clients:write", "market:write"]);
    expect(byName.client_intake).toEqual(["market:read", "clients:read", "clients:write", "submissions:read", "submissions:write"]);
    for (const name of ["market_finder", "market_manager", "client_intake"]) expect(byName[name]).toEqual([...SCOPE_PRESETS[name as keyof typeof SCOPE_PRESETS]]);
  });

  it("market_finder reads the market and keeps prospects, and nothing more", async () => {
    const t = await createTenant();
    const key = await presetKey(t.token, "market_finder");
    expect(await abilities(key.key)).toEqual({ readMarket: 200, writeMarket: 403, writeClients: 201, readClients: 200, convert: 403, readPolicies: 403, readApiKeys: 403 });
  });

  it("market_manager also adds the org's own carriers", async () => {
    const t = await createTenant();
    const key = await presetKey(t.token, "market_manager");
    expect(await abilities(key.key)).toEqual({ readMarket: 200, writeMarket: 201, writeClients: 201, readClients: 200, convert: 403, readPolicies: 403, readApiKeys: 403 });
  });

  it("client_intake also turns a client into a submission, and still reads no policy", async () => {
    const t = await createTenant();
    const key = await presetKey(t.token, "client_intake");
    expect(await abilities(key.key)).toEqual({ readMarket: 200, writeMarket: 403, writeClients: 201, readClients: 200, convert: 201, readPolicies: 403, readApiKeys: 403 });
  });
});
