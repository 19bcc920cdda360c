import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isOfficialNaicsCode, OFFICIAL_NAICS_CODES } from "#shared/naics";
import naicsTable from "../../workers/market/data/naics-2017.json";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { newPrincipal } from "../support/principals.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;

const input = {
  insuredName: "Cascade Roofing",
  naicsCode: "238160",
  annualRevenue: 2_500_000,
  requestedLimit: 1_000_000,
  effectiveDate: "2028-03-01",
  state: "OR" as const,
  lineOfBusiness: "GL" as const,
};

describe("submissions and the official NAICS list", () => {
  it("accepts a six-digit industry of the 2017 list", async () => {
    const created = await service().createSubmission(newPrincipal(), input);
    expect(created).toMatchObject({ ok: true, value: { naicsCode: "238160", status: "received" } });
  });

  it.each([
    ["999999", "an unassigned sector"],
    ["236200", "a well-formed code between two industries"],
    ["541510", "an industry group padded with a zero"],
  ])("refuses %s (%s) with 400 validation_failed naming naicsCode, and stores nothing", async (naicsCode) => {
    const p = newPrincipal();
    const result = await service().createSubmission(p, { ...input, naicsCode });
    expect(result).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field: "naicsCode", rule: "naics_code" } } });
    if (result.ok) return;
    expect(result.error.message).toContain(naicsCode);
    const rows = await env.UNDERWRITING_DB.prepare("SELECT count(*) AS n FROM submissions WHERE org_id = ?").bind(p.orgId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("checks against the same list the market worker classifies over (its six-digit codes, no more, no fewer)", () => {
    const marketCodes = (naicsTable as [string, string, string][]).map(([code]) => code).filter((code) => /^[0-9]{6}$/.test(code)).sort();
    expect(OFFICIAL_NAICS_CODES).toEqual(marketCodes);
    expect(OFFICIAL_NAICS_CODES).toHaveLength(1057);
    expect(isOfficialNaicsCode("23")).toBe(false);
    expect(isOfficialNaicsCode(236220)).toBe(false);
  });
});
