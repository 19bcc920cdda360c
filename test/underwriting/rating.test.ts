import { describe, expect, it } from "vitest";
import { parseDecimal } from "../../workers/underwriting/src/rating/decimal.ts";
import { rate } from "../../workers/underwriting/src/rating/rate.ts";
import { RATE_TABLES, selectRateTable, US_STATES } from "../../workers/underwriting/src/rating/rate-tables.ts";
import type { RatingInput, RatingResult } from "../../workers/underwriting/src/rating/types.ts";

const gl: RatingInput = {
  lineOfBusiness: "GL",
  naicsCode: "238220", // plumbing & HVAC → prefix "2382"
  state: "TX",
  effectiveDate: "2026-03-01",
  annualRevenueCents: 200_000_000, // $2,000,000
  requestedLimitCents: 200_000_000, // $2,000,000
  deductibleCents: 250_000, // $2,500
  propertyValuesCents: null,
  vehicleCount: null,
  yearsInBusiness: 12,
  priorLosses: [{ year: 2024, amountCents: 300_000 }],
};

const rated = (input: RatingInput): RatingResult => {
  const r = rate(input);
  if (!r.ok) throw new Error(`expected a rating, got ${JSON.stringify(r.error)}`);
  return r.value;
};

const effects = (r: RatingResult) => r.factors.map((f) => [f.name, f.value, f.effectCents]);

describe("rate: worked examples", () => {
  it("GL, hand-computed from GL-2026.1", () => {
    // base: class 2382 = $7.25 per $1,000; $2,000,000 / $1,000 = 2,000 units → $14,500.00 = 1,450,000
    // state TX 1.10:            1,450,000 × 1.10 = 1,595,000            → +145,000
    // ILF $2M 1.27:             1,595,000 × 1.27 = 2,025,650            → +430,650
    // deductible $2,500 0.95:   2,025,650 × 0.95 = 1,924,367.5 → 1,924,368 → −101,282
    // loss history: one 2024 loss in 2023..2026 → 1.00; $3,000 ≤ 50% of base ($7,250) → no severity
    //                                                      1,924,367.5 → 1,924,368 → 0
    // experience 12 years 0.95: 1,924,367.5 × 0.95 = 1,828,149.125 → 1,828,149 → −96,219
    // (rounding the running premium at each step would give 1,924,368 × 0.95 = 1,828,149.6 → 1,828,150)
    // tax TX 0.0185: 1,828,149 × 0.0185 = 33,820.7565 → 33,821; policy fee 15,000
    // total: 1,828,149 + 33,821 + 15,000 = 1,876,970
    const r = rated(gl);
    expect(r.rateTableVersion).toBe("GL-2026.1");
    expect(r.exposure).toEqual({ basis: "revenue", units: 2000, unitSize: "1000", rate: "7.25" });
    expect(r.basePremiumCents).toBe(1_450_000);
    expect(effects(r)).toEqual([
      ["state", "1.10", 145_000],
      ["increased_limit", "1.27", 430_650],
      ["deductible_credit", "0.95", -101_282],
      ["loss_history", "1.00", 0],
      ["experience", "0.95", -96_219],
    ]);
    expect(r.factors[3]?.inputs).toMatchObject({ fromYear: 2023, toYear: 2026, lossCount: 1, lossTotal: 3000, severityFactor: "1.00" });
    expect(r.minimumPremiumApplied).toBe(false);
    expect(r.grossPremiumCents).toBe(1_828_149);
    expect(r.taxes).toEqual([{ name: "State premium tax (TX)", rate: "0.0185", amountCents: 33_821 }]);
    expect(r.fees).toEqual([{ name: "Policy fee", amountCents: 15_000 }]);
    expect(r.totalDueCents).toBe(1_876_970);
  });

  it("PROP, hand-computed from PROP-2026.1 (severity surcharge, unknown years)", () => {
    // base: class 722 = $0.55 per $100; $1,500,000 / $100 = 15,000 units → $8,250.00 = 825,000
    // state FL 1.45:            825,000 × 1.45 = 1,196,250              → +371,250
    // ILF (flat for property) 1.00                                      → 0
    // deductible $5,000 0.92:   1,196,250 × 0.92 = 1,100,550            → −95,700
    // losses 2023 + 2025 in 2023..2026 (2021 is outside): 2 → 1.10; $55,000 > 50% of $8,250 → × 1.10 = 1.21
    //                           1,100,550 × 1.21 = 1,331,665.5 → 1,331,666 → +231,116
    // experience unknown 1.10:  1,331,665.5 × 1.10 = 1,464,832.05 → 1,464,832 → +133,166
    // tax FL 0.0175: 1,464,832 × 0.0175 = 25,634.56 → 25,635; policy fee 15,000 → total 1,505,467
    const r = rated({
      ...gl,
      lineOfBusiness: "PROP",
      naicsCode: "722511",
      state: "FL",
      effectiveDate: "2026-06-15",
      propertyValuesCents: 150_000_000,
      requestedLimitCents: 150_000_000,
      deductibleCents: 500_000,
      yearsInBusiness: null,
      priorLosses: [
        { year: 2025, amountCents: 4_000_000 },
        { year: 2023, amountCents: 1_500_000 },
        { year: 2021, amountCents: 9_000_000 },
      ],
    });
    expect(r.rateTableVersion).toBe("PROP-2026.1");
    expect(r.exposure).toEqual({ basis: "property_values", units: 15000, unitSize: "100", rate: "0.55" });
    expect(r.basePremiumCents).toBe(825_000);
    expect(effects(r)).toEqual([
      ["state", "1.45", 371_250],
      ["increased_limit", "1.00", 0],
      ["deductible_credit", "0.92", -95_700],
      ["loss_history", "1.21", 231_116],
      ["experience", "1.10", 133_166],
    ]);
    expect(r.factors[3]?.inputs).toMatchObject({ lossCount: 2, lossTotal: 55000, countFactor: "1.10", severityFactor: "1.10" });
    expect(r.grossPremiumCents).toBe(1_464_832);
    expect(r.taxes[0]?.amountCents).toBe(25_635);
    expect(r.totalDueCents).toBe(1_505_467);
  });

  it("CA, hand-computed from CA-2026.1 (per vehicle, MCS-90 fee)", () => {
    // base: class 484 = $4,200 per vehicle × 8 = $33,600.00 = 3,360,000
    // state TX 1.10:            3,696,000 → +336,000
    // ILF $1M 1.00                        → 0
    // deductible $1,000 0.94:   3,474,240 → −221,760
    // losses: 2026 counts (effective year), 2022 is outside 2023..2026 → 1 loss → 1.00 → 0
    // experience 2 years 1.10:  3,821,664 → +347,424
    // tax TX 0.0185: 70,700.784 → 70,701; fees 15,000 + 5,000 → total 3,821,664 + 70,701 + 20,000 = 3,912,365
    const r = rated({
      ...gl,
      lineOfBusiness: "CA",
      naicsCode: "484121",
      effectiveDate: "2026-09-01",
      vehicleCount: 8,
      requestedLimitCents: 100_000_000,
      deductibleCents: 100_000,
      yearsInBusiness: 2,
      priorLosses: [
        { year: 2026, amountCents: 200_000 },
        { year: 2022, amountCents: 200_000 },
      ],
    });
    expect(r.rateTableVersion).toBe("CA-2026.1");
    expect(r.exposure).toEqual({ basis: "vehicles", units: 8, unitSize: "1", rate: "4200.00" });
    expect(r.basePremiumCents).toBe(3_360_000);
    expect(effects(r)).toEqual([
      ["state", "1.10", 336_000],
      ["increased_limit", "1.00", 0],
      ["deductible_credit", "0.94", -221_760],
      ["loss_history", "1.00", 0],
      ["experience", "1.10", 347_424],
    ]);
    expect(r.grossPremiumCents).toBe(3_821_664);
    expect(r.fees).toEqual([
      { name: "Policy fee", amountCents: 15_000 },
      { name: "MCS-90 filing fee", amountCents: 5_000 },
    ]);
    expect(r.totalDueCents).toBe(3_912_365);
  });

  it("applies the minimum premium when the rated premium is below it", () => {
    // class 54 $0.85 × 100 units = 8,500; OR 0.95 → 8,075; ILF 1.00; no deductible 1.00;
    // no losses 0.95 → 7,671.25 → 7,671; 5 years 1.00 → 7,671 < minimum 50,000
    const r = rated({
      ...gl,
      naicsCode: "541611",
      state: "OR",
      annualRevenueCents: 10_000_000,
      requestedLimitCents: 100_000_000,
      deductibleCents: null,
      yearsInBusiness: 5,
      priorLosses: [],
    });
    expect(r.basePremiumCents).toBe(8_500);
    expect(r.factors.map((f) => f.effectCents)).toEqual([-425, 0, 0, -404, 0]);
    expect(r.basePremiumCents + r.factors.reduce((s, f) => s + f.effectCents, 0)).toBe(7_671);
    expect(r.minimumPremiumApplied).toBe(true);
    expect(r.minimumPremiumCents).toBe(50_000);
    expect(r.grossPremiumCents).toBe(50_000);
    expect(r.taxes[0]).toEqual({ name: "State premium tax (OR)", rate: "0.0300", amountCents: 1_500 });
    expect(r.totalDueCents).toBe(66_500);
  });

  it("records where the state factor came from and the limit breakpoint used", () => {
    const r = rated({ ...gl, state: "MT", requestedLimitCents: 250_000_000 });
    expect(r.factors[0]).toMatchObject({ name: "state", value: "1.00", inputs: { state: "MT", source: "default" } });
    // $2.5M uses the highest breakpoint at or below it: $2M, 1.27 (no interpolation)
    expect(r.factors[1]).toMatchObject({ value: "1.27", inputs: { limit: 2_500_000, breakpoint: 2_000_000, ilf: "1.27" } });
  });

  it("3+ losses take the top count factor", () => {
    const losses = [2023, 2024, 2025, 2026, 2026].map((year) => ({ year, amountCents: 1 }));
    expect(rated({ ...gl, priorLosses: losses }).factors[3]).toMatchObject({ value: "1.25", inputs: { lossCount: 5 } });
  });
});

describe("rate: version selection", () => {
  it("rates by the table in force on the effective date", () => {
    expect(rated({ ...gl, effectiveDate: "2026-12-31" }).rateTableVersion).toBe("GL-2026.1");
    // GL-2027.1: 2382 = $7.55 → 1,510,000; × 1.10 = 1,661,000; × 1.30 = 2,159,300; × 0.95 = 2,051,335;
    // loss (2024 in 2024..2027) 1.00; × 0.95 = 1,948,768.25 → 1,948,768
    const r = rated({ ...gl, effectiveDate: "2027-03-01" });
    expect(r.rateTableVersion).toBe("GL-2027.1");
    expect(r.basePremiumCents).toBe(1_510_000);
    expect(effects(r)).toEqual([
      ["state", "1.10", 151_000],
      ["increased_limit", "1.30", 498_300],
      ["deductible_credit", "0.95", -107_965],
      ["loss_history", "1.00", 0],
      ["experience", "0.95", -102_567],
    ]);
    expect(r.grossPremiumCents).toBe(1_948_768);
    expect(r.minimumPremiumCents).toBe(55_000);
  });

  it("selectRateTable picks the latest version not after the date, and fails before the first", () => {
    const at = (lob: "GL" | "PROP" | "CA", date: string) => {
      const r = selectRateTable(lob, date);
      return r.ok ? r.value.version : r.error.code;
    };
    expect(at("GL", "2026-01-01")).toBe("GL-2026.1");
    expect(at("GL", "2027-01-01")).toBe("GL-2027.1");
    expect(at("GL", "2031-06-30")).toBe("GL-2027.1");
    expect(at("PROP", "2027-06-30")).toBe("PROP-2026.1");
    expect(at("CA", "2025-12-31")).toBe("business_rule_violation");
    expect(rate({ ...gl, effectiveDate: "2025-12-31" })).toMatchObject({ ok: false, error: { code: "business_rule_violation" } });
  });
});

describe("rate: failures", () => {
  const failure = (input: RatingInput) => {
    const r = rate(input);
    if (r.ok) throw new Error("expected a failure");
    return r.error;
  };

  it("an unrated NAICS class is a business rule violation", () => {
    const e = failure({ ...gl, naicsCode: "111110" }); // soybean farming: sector 11 is not rated
    expect(e.code).toBe("business_rule_violation");
    expect(e.message).toBe("NAICS class 111110 is not rated for GL");
    // 5415 exists only from GL-2027.1; in 2026 it falls back to sector 54
    expect(rated({ ...gl, naicsCode: "541511" }).exposure.rate).toBe("0.85");
    expect(rated({ ...gl, naicsCode: "541511", effectiveDate: "2027-01-01" }).exposure.rate).toBe("0.70");
  });

  it.each([
    ["PROP without property values", { lineOfBusiness: "PROP", propertyValuesCents: null }, "propertyValues", "required"],
    ["PROP with zero property values", { lineOfBusiness: "PROP", propertyValuesCents: 0 }, "propertyValues", "range"],
    ["CA without a vehicle count", { lineOfBusiness: "CA", vehicleCount: null }, "vehicleCount", "required"],
    ["CA with a fractional vehicle count", { lineOfBusiness: "CA", vehicleCount: 2.5 }, "vehicleCount", "range"],
    ["an unknown state", { state: "ZZ" }, "state", "us_state"],
    ["a malformed NAICS code", { naicsCode: "23-1" }, "naicsCode", "naics"],
    ["an impossible date", { effectiveDate: "2027-02-30" }, "effectiveDate", "date"],
    ["negative revenue", { annualRevenueCents: -1 }, "annualRevenue", "range"],
    ["a zero limit", { requestedLimitCents: 0 }, "requestedLimit", "range"],
    ["a negative deductible", { deductibleCents: -100 }, "deductible", "range"],
    ["a loss after the effective year", { priorLosses: [{ year: 2027, amountCents: 1 }] }, "priorLosses", "year"],
  ] as const)("%s fails validation naming the field", (_label, patch, field, rule) => {
    const e = failure({ ...gl, ...(patch as Partial<RatingInput>) });
    expect(e.code).toBe("validation_failed");
    expect(e.details).toEqual({ field, rule });
  });

  it("a limit outside the offered range is a business rule violation", () => {
    expect(failure({ ...gl, requestedLimitCents: 49_999_999 })).toMatchObject({
      code: "business_rule_violation",
      details: { field: "requestedLimit", minimum: 500_000, maximum: 5_000_000 },
    });
    expect(failure({ ...gl, requestedLimitCents: 500_000_001 }).code).toBe("business_rule_violation");
    expect(rated({ ...gl, requestedLimitCents: 500_000_000 }).factors[1]?.value).toBe("1.65");
  });
});

describe("rate tables", () => {
  it("are well-formed data", () => {
    const versions = new Set<string>();
    for (const t of RATE_TABLES) {
      expect(t.version).toMatch(new RegExp(`^${t.lineOfBusiness}-\\d{4}\\.\\d+$`));
      expect(versions.has(t.version)).toBe(false);
      versions.add(t.version);
      for (const [prefix, r] of Object.entries(t.classRates)) {
        expect(prefix).toMatch(/^\d{2,6}$/);
        expect(parseDecimal(r).num > 0n).toBe(true);
      }
      const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0));
      expect(ascending(t.increasedLimits.breakpoints.map((b) => b.atLeastCents))).toBe(true);
      expect(ascending(t.deductibleCredits.map((b) => b.atLeastCents))).toBe(true);
      expect(t.deductibleCredits[0]?.atLeastCents).toBe(0);
      for (const s of [...Object.keys(t.stateFactors.byState), ...Object.keys(t.premiumTax.byState)]) expect(US_STATES).toContain(s);
      const factors = [
        ...Object.values(t.stateFactors.byState),
        ...t.increasedLimits.breakpoints.map((b) => b.factor),
        ...t.deductibleCredits.map((b) => b.factor),
        ...t.lossHistory.countFactors,
        t.lossHistory.severityFactor,
        ...t.experience.breakpoints.map((b) => b.factor),
        ...Object.values(t.premiumTax.byState),
      ];
      for (const f of factors) expect(() => parseDecimal(f)).not.toThrow();
    }
    expect(US_STATES).toHaveLength(51);
  });

  it("cover the realistic sectors for every line", () => {
    for (const t of RATE_TABLES) {
      for (const code of ["236220", "332710", "423310", "445110", "484121", "522110", "541330", "561720", "621111", "722511"]) {
        const r = rate({
          ...gl,
          lineOfBusiness: t.lineOfBusiness,
          naicsCode: code,
          effectiveDate: t.effectiveFrom,
          propertyValuesCents: 100_000_000,
          vehicleCount: 3,
        });
        expect(r.ok, `${t.version} ${code}`).toBe(true);
      }
    }
  });
});
