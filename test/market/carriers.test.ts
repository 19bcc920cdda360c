import { describe, expect, it } from "vitest";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { carrierBody, marketRpc } from "./harness.ts";

describe("market finder: carriers, products and appetites", () => {
  it("lists the platform's carriers newest first, by cursor pages, with filters", async () => {
    const p = newPrincipal();
    const all = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(await marketRpc.listCarriers(p, { limit: 7, ...(cursor ? { cursor } : {}) }));
      expect(page.data.length).toBeLessThanOrEqual(7);
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))).toEqual(all);

    const inOhio = unwrap(await marketRpc.listCarriers(p, { state: "OH", limit: 100 })).data;
    expect(inOhio.length).toBeGreaterThan(0);
    for (const c of inOhio) expect(c.states).toContain("OH");
    expect(inOhio.length).toBeLessThan(all.length);

    const surplus = unwrap(await marketRpc.listCarriers(p, { marketType: "surplus", limit: 100 })).data;
    expect(surplus.length).toBeGreaterThan(0);
    for (const c of surplus) expect(c.marketType).toBe("surplus");

    const auto = unwrap(await marketRpc.listCarriers(p, { lineOfBusiness: "CA", limit: 100 })).data;
    for (const c of auto) {
      const detail = unwrap(await marketRpc.getCarrier(p, c.id));
      expect(detail.products.some((x) => x.lineOfBusiness === "CA"), c.name).toBe(true);
    }
    expect(unwrap(await marketRpc.listCarriers(p, { search: "cascade" })).data.map((c) => c.name)).toEqual(["Cascade Mutual Insurance Company"]);
    expect(errorOf(await marketRpc.listCarriers(p, { cursor: "not-a-cursor" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });

  it("filters products by carrier, line and state, and appetites by NAICS code, state, level and owner", async () => {
    const p = newPrincipal();
    const gl = unwrap(await marketRpc.listProducts(p, { lineOfBusiness: "GL", state: "TX", limit: 100 })).data;
    expect(gl.length).toBeGreaterThan(0);
    for (const x of gl) expect([x.lineOfBusiness, x.states.includes("TX")]).toEqual(["GL", true]);

    const byCode = unwrap(await marketRpc.listAppetites(p, { naicsCode: "238160", limit: 100 })).data;
    expect(byCode.length).toBeGreaterThan(0);
    for (const a of byCode) expect(a.naicsPrefixes.some((x) => "238160".startsWith(x) || x.startsWith("238160"))).toBe(true);
    const sector = unwrap(await marketRpc.listAppetites(p, { naicsCode: "23", limit: 100 })).data;
    expect(sector.length).toBeGreaterThanOrEqual(byCode.length);

    const declines = unwrap(await marketRpc.listAppetites(p, { appetite: "decline", limit: 100 })).data;
    expect(declines.length).toBeGreaterThan(0);
    for (const a of declines) expect(a.appetite).toBe("decline");
    expect(unwrap(await marketRpc.listAppetites(p, { owner: "org" })).data).toEqual([]);
    expect(errorOf(await marketRpc.listAppetites(p, { naicsCode: "x1" }))).toMatchObject({ code: "validation_failed", details: { field: "naicsCode" } });
  });

  it("an org's own carrier and appetites are seen by that org alone", async () => {
    const mine = newPrincipal();
    const other = newPrincipal();
    const carrier = unwrap(await marketRpc.createCarrier(mine, carrierBody()));
    expect(carrier).toMatchObject({ id: expect.stringMatching(/^car_/), owner: "org", states: ["OR", "WA"] });
    const appetite = unwrap(
      await marketRpc.createAppetite(mine, { carrierId: carrier.id, lineOfBusiness: "GL", naicsPrefixes: ["2362"], appetite: "preferred", minRevenue: 1_000_000, maxRevenue: 20_000_000, minLimit: 500_000, maxLimit: 2_000_000 }),
    );
    expect(appetite).toMatchObject({ owner: "org", naicsPrefixes: ["2362"], states: [], minRevenue: 1_000_000, maxRevenue: 20_000_000 });

    expect(unwrap(await marketRpc.listCarriers(mine, { owner: "org" })).data.map((c) => c.id)).toEqual([carrier.id]);
    expect(unwrap(await marketRpc.listCarriers(mine, { limit: 1 })).data.map((c) => c.id)).toEqual([carrier.id]);
    expect(unwrap(await marketRpc.getCarrier(mine, carrier.id)).products).toHaveLength(1);
    expect(unwrap(await marketRpc.listAppetites(mine, { carrierId: carrier.id })).data.map((a) => a.id)).toEqual([appetite.id]);

    expect(unwrap(await marketRpc.listCarriers(other, { owner: "org" })).data).toEqual([]);
    expect(unwrap(await marketRpc.listCarriers(other, { limit: 100 })).data.map((c) => c.id)).not.toContain(carrier.id);
    expect(errorOf(await marketRpc.getCarrier(other, carrier.id))).toMatchObject({ code: "not_found" });
    expect(unwrap(await marketRpc.listAppetites(other, { carrierId: carrier.id })).data).toEqual([]);
    expect(unwrap(await marketRpc.listProducts(other, { carrierId: carrier.id })).data).toEqual([]);
    // Another org cannot hang an appetite on it either.
    expect(errorOf(await marketRpc.createAppetite(other, { carrierId: carrier.id, lineOfBusiness: "GL", naicsPrefixes: ["23"], appetite: "acceptable" }))).toMatchObject({ code: "not_found" });
  });

  it("refuses an appetite whose NAICS prefix starts no official code, or whose bands are inverted", async () => {
    const p = newPrincipal();
    const carrierId = unwrap(await marketRpc.listCarriers(p, { limit: 1 })).data[0]!.id;
    const base = { carrierId, lineOfBusiness: "GL" as const, appetite: "acceptable" as const };
    expect(errorOf(await marketRpc.createAppetite(p, { ...base, naicsPrefixes: ["236", "999"] }))).toMatchObject({ code: "validation_failed", details: { field: "naicsPrefixes.1", rule: "naics_code" } });
    expect(errorOf(await marketRpc.createAppetite(p, { ...base, naicsPrefixes: ["23"], minRevenue: 5_000_000, maxRevenue: 1_000_000 }))).toMatchObject({ details: { field: "maxRevenue", rule: "band" } });
    expect(errorOf(await marketRpc.createCarrier(p, carrierBody({ products: [{ name: "X", lineOfBusiness: "GL", states: ["TX"], minLimit: 1, maxLimit: 2, minPremium: 0 }] })))).toMatchObject({
      details: { field: "products.0.states", rule: "carrier_states" },
    });
    expect(errorOf(await marketRpc.createCarrier(p, carrierBody({ naicNumber: "12" })))).toMatchObject({ details: { field: "naicNumber" } });
  });
});
