import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import data from "../../workers/market/data/carriers.json";
import migration from "../../migrations/market/0002_reference_data.sql?raw";
import { isNaicsPrefix } from "../../workers/market/src/naics.ts";
import { referenceDataSql, type ReferenceData } from "../../workers/market/src/reference-data.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { marketRpc } from "./harness.ts";

const reference = data as ReferenceData;

describe("market reference data", () => {
  it("the migration is the one the committed data file gives (npm run gen:market-data)", () => {
    expect(migration).toBe(referenceDataSql(reference));
  });

  it("ships at least 20 carriers with NAIC numbers, AM Best ratings, products and appetites, loaded by the migration", async () => {
    expect(reference.carriers.length).toBeGreaterThanOrEqual(20);
    const counts = await env.MARKET_DB.prepare(
      "SELECT (SELECT count(*) FROM carriers WHERE org_id IS NULL) AS c, (SELECT count(*) FROM carrier_products WHERE org_id IS NULL) AS p, (SELECT count(*) FROM appetites WHERE org_id IS NULL) AS a",
    ).first<{ c: number; p: number; a: number }>();
    expect(counts).toEqual({
      c: reference.carriers.length,
      p: reference.carriers.reduce((n, c) => n + c.products.length, 0),
      a: reference.carriers.reduce((n, c) => n + c.appetites.length, 0),
    });
    for (const c of reference.carriers) {
      expect(c.naicNumber, c.name).toMatch(/^[0-9]{5}$/);
      expect(c.products.length, c.name).toBeGreaterThan(0);
      expect(c.appetites.length, c.name).toBeGreaterThan(0);
    }
    expect(new Set(reference.carriers.map((c) => c.naicNumber)).size).toBe(reference.carriers.length);
  });

  it("every appetite prefix starts a code of the official NAICS list, and every product state is the carrier's", () => {
    for (const c of reference.carriers) {
      for (const a of c.appetites) for (const p of a.naicsPrefixes) expect(isNaicsPrefix(p), `${c.name} ${p}`).toBe(true);
      for (const p of c.products) for (const s of p.states ?? []) expect(c.states, `${c.name} ${p.name}`).toContain(s);
    }
  });

  it("a platform carrier reads back in major units with its products", async () => {
    const first = reference.carriers[0]!;
    const carrier = unwrap(await marketRpc.getCarrier(newPrincipal(), first.id));
    expect(carrier).toMatchObject({ id: first.id, name: first.name, naicNumber: first.naicNumber, owner: "platform", states: first.states });
    expect(carrier.products.map((p) => ({ id: p.id, minLimit: p.minLimit, maxLimit: p.maxLimit, minPremium: p.minPremium }))).toEqual(
      first.products.map((p) => ({ id: p.id, minLimit: p.minLimit, maxLimit: p.maxLimit, minPremium: p.minPremium })),
    );
  });
});
