import { describe, expect, it } from "vitest";
import type { CarrierMatch } from "#contract/types.gen";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { carrierBody, contractorProfile, marketRpc } from "./harness.ts";

const CASCADE = "car_00000000000000000000000001";
const byName = (data: CarrierMatch[], name: string) => data.find((m) => m.carrier.name === name)!;

describe("market finder: matching a risk", () => {
  it("scores each eligible carrier 0–100 as the sum of its criteria, and says why every other one is excluded", async () => {
    const result = unwrap(await marketRpc.matchDetailed(newPrincipal(), contractorProfile()));
    expect(result.naicsTitle).toBe("Commercial and Institutional Building Construction");
    expect(result.data.length).toBeGreaterThanOrEqual(20);
    const eligible = result.data.filter((m) => m.eligible);
    expect(result.eligibleCount).toBe(eligible.length);
    expect(eligible.map((m) => [m.carrier.name, m.score])).toEqual([
      // preferred 40 + prefix 236 of 6 digits 10 + revenue mid-band 15 + limit fit 10 + A+ 13
      ["Cascade Mutual Insurance Company", 88],
      // acceptable 25 + 10 + 15 + 10 + A- 9
      ["Summit Builders Risk Insurance Company", 69],
    ]);
    for (const m of result.data) {
      expect(m.score).toBeGreaterThanOrEqual(0);
      expect(m.score).toBeLessThanOrEqual(100);
      if (m.eligible) {
        expect(m.exclusions).toEqual([]);
        expect(m.criteria.map((c) => c.criterion)).toEqual(["appetite", "class_specificity", "revenue_fit", "limit_fit", "financial_strength"]);
        expect(m.criteria.reduce((s, c) => s + c.points, 0)).toBeCloseTo(m.score, 5);
        for (const c of m.criteria) expect(c.points).toBeLessThanOrEqual(c.maxPoints);
      } else {
        expect(m.score).toBe(0);
        expect(m.exclusions.length, m.carrier.name).toBeGreaterThan(0);
      }
    }
    const cascade = byName(result.data, "Cascade Mutual Insurance Company");
    expect(cascade.criteria.find((c) => c.criterion === "financial_strength")).toMatchObject({ points: 13, detail: "AM Best A+" });
    expect(byName(result.data, "Blue Ridge Mutual Insurance Company").exclusions).toContainEqual({ criterion: "state", reason: "Blue Ridge Mutual Insurance Company does not write in OR" });
    expect(byName(result.data, "Pinnacle National Insurance Company").exclusions.map((e) => e.criterion)).toEqual(["class"]);
    // Eligible first by score, then the excluded by name.
    const excluded = result.data.filter((m) => !m.eligible).map((m) => m.carrier.name);
    expect(excluded).toEqual([...excluded].sort((a, b) => a.localeCompare(b, "en")));
    expect(result.data.slice(0, eligible.length)).toEqual(eligible);
  });

  it("the longest matching NAICS prefix decides: a declined sub-class excludes, with the appetite named", async () => {
    const result = unwrap(await marketRpc.matchDetailed(newPrincipal(), contractorProfile({ naicsCode: "238990" })));
    const cascade = byName(result.data, "Cascade Mutual Insurance Company");
    expect(cascade).toMatchObject({ eligible: false, appetite: "decline", appetiteId: "ape_00000000000000000000000004" });
    expect(cascade.exclusions[0]).toMatchObject({ criterion: "appetite", reason: expect.stringContaining("declined") });
    // A surplus lines carrier that takes 2389 is eligible with a 4-digit prefix.
    const sierra = byName(result.data, "Sierra Specialty Insurance Company");
    expect(sierra.eligible).toBe(true);
    expect(sierra.criteria.find((c) => c.criterion === "class_specificity")).toMatchObject({ points: 13.33 });
  });

  it("excludes on revenue, limit and years in business, naming the bands", async () => {
    const p = newPrincipal();
    const big = unwrap(await marketRpc.matchDetailed(p, contractorProfile({ annualRevenue: 80_000_000 })));
    expect(byName(big.data, "Cascade Mutual Insurance Company").exclusions).toEqual([{ criterion: "revenue", reason: "Revenue $80,000,000 is outside the appetite's $250,000–$50,000,000" }]);
    const limit = unwrap(await marketRpc.matchDetailed(p, contractorProfile({ requestedLimit: 8_000_000 })));
    expect(byName(limit.data, "Cascade Mutual Insurance Company").exclusions.map((e) => e.criterion)).toEqual(["limit", "limit"]);
    const young = unwrap(await marketRpc.matchDetailed(p, contractorProfile({ yearsInBusiness: 1 })));
    expect(byName(young.data, "Cascade Mutual Insurance Company").exclusions).toEqual([{ criterion: "years_in_business", reason: "1 years in business is below the appetite's 3" }]);
    const { yearsInBusiness: _, ...unknownAge } = contractorProfile();
    const unknown = unwrap(await marketRpc.matchDetailed(p, unknownAge));
    expect(byName(unknown.data, "Cascade Mutual Insurance Company").exclusions[0]).toMatchObject({ criterion: "years_in_business" });
  });

  it("the same input gives the same ranking, ties broken by AM Best, then name, then id", async () => {
    const p = newPrincipal();
    // Three of the org's own carriers with identical appetites: two rated A (tied on everything but the name), one A+.
    const make = async (name: string, amBestRating: "A" | "A+") => {
      const c = unwrap(await marketRpc.createCarrier(p, carrierBody({ name, amBestRating })));
      unwrap(await marketRpc.createAppetite(p, { carrierId: c.id, lineOfBusiness: "GL", naicsPrefixes: ["236220"], appetite: "acceptable", minRevenue: 1_000_000, maxRevenue: 64_000_000, minLimit: 500_000, maxLimit: 2_000_000 }));
      return c;
    };
    await make("Zeta Program Co", "A");
    await make("Alpha Program Co", "A");
    await make("Mid Program Co", "A+");
    const first = unwrap(await marketRpc.matchDetailed(p, contractorProfile()));
    const own = first.data.filter((m) => m.carrier.owner === "org").map((m) => [m.carrier.name, m.score]);
    // acceptable 25 + full prefix 20 + revenue mid-band 15 + limit 1M ≤ half of 2M 10 + AM Best
    expect(own).toEqual([
      ["Mid Program Co", 83],
      ["Alpha Program Co", 81],
      ["Zeta Program Co", 81],
    ]);
    for (let i = 0; i < 3; i++) expect(unwrap(await marketRpc.matchDetailed(p, contractorProfile()))).toEqual(first);
  });

  it("an org's own appetite on a platform carrier overrides the platform's for that org alone", async () => {
    const mine = newPrincipal();
    unwrap(await marketRpc.createAppetite(mine, { carrierId: CASCADE, lineOfBusiness: "GL", naicsPrefixes: ["236"], appetite: "decline" }));
    const m = byName(unwrap(await marketRpc.matchDetailed(mine, contractorProfile())).data, "Cascade Mutual Insurance Company");
    expect(m).toMatchObject({ eligible: false, appetite: "decline" });
    const theirs = byName(unwrap(await marketRpc.matchDetailed(newPrincipal(), contractorProfile())).data, "Cascade Mutual Insurance Company");
    expect(theirs).toMatchObject({ eligible: true, appetite: "preferred", score: 88 });
  });

  it("search answers only the eligible carriers, in the same order", async () => {
    const p = newPrincipal();
    const detailed = unwrap(await marketRpc.matchDetailed(p, contractorProfile()));
    const found = unwrap(await marketRpc.search(p, contractorProfile()));
    expect(found.data).toEqual(detailed.data.filter((m) => m.eligible));
    expect(found.profile).toEqual(contractorProfile());
  });

  it("refuses a NAICS code that is not on the official list, and a missing field", async () => {
    const p = newPrincipal();
    expect(errorOf(await marketRpc.matchDetailed(p, contractorProfile({ naicsCode: "999999" })))).toMatchObject({ code: "validation_failed", details: { field: "naicsCode", rule: "naics_code" } });
    expect(errorOf(await marketRpc.search(p, contractorProfile({ naicsCode: "236200" })))).toMatchObject({ details: { field: "naicsCode", rule: "naics_code" } });
    const { state: _, ...noState } = contractorProfile();
    expect(errorOf(await marketRpc.search(p, noState as never))).toMatchObject({ details: { field: "state", rule: "required" } });
    expect(await marketRpc.isNaicsCode("236220")).toBe(true);
    expect(await marketRpc.isNaicsCode("236200")).toBe(false);
  });

  it("jurisdictions and product lines answer where and what a risk can be written", async () => {
    const p = newPrincipal();
    const { state: _, ...noState } = contractorProfile();
    const states = unwrap(await marketRpc.jurisdictions(p, noState)).data;
    // Summit writes builders everywhere; Cascade adds the West.
    expect(states).toHaveLength(51);
    expect(states.find((s) => s.state === "OR")).toEqual({ state: "OR", carrierCount: 2, topScore: 88 });
    expect(states.find((s) => s.state === "NY")).toEqual({ state: "NY", carrierCount: 1, topScore: 69 });

    const { lineOfBusiness: __, ...noLine } = contractorProfile();
    const lines = unwrap(await marketRpc.productLines(p, noLine)).data;
    expect(lines.map((l) => l.lineOfBusiness)).toEqual(["GL", "PROP"]);
    expect(lines[0]).toMatchObject({ carrierCount: 2, topScore: 88, lowestMinPremium: 1500 });
  });
});
