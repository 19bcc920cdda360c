import { describe, expect, it } from "vitest";
import { assessReadiness, isCalendarDate, triageSummary, type TriageSubject } from "../../workers/underwriting/src/intake/triage.ts";

const AS_OF = "2027-03-01";

/** A GL submission that passes every check as of {@link AS_OF} (61 days before it incepts). */
const CLEAN_GL: TriageSubject = {
  insuredName: "Acme Widgets LLC",
  naicsCode: "332710",
  annualRevenue: 2_500_000,
  requestedLimit: 1_000_000,
  deductible: 2500,
  effectiveDate: "2027-05-01",
  state: "OR",
  lineOfBusiness: "GL",
  insuredEmail: "risk@acme.example",
  propertyValues: null,
  vehicleCount: null,
  yearsInBusiness: 12,
};

const CHECK_NAMES = [
  "required:insuredName",
  "required:naicsCode",
  "required:annualRevenue",
  "required:requestedLimit",
  "required:effectiveDate",
  "required:state",
  "required:lineOfBusiness",
  "lob_exposure",
  "effective_date_not_past",
  "effective_date_within_120_days",
  "insured_email",
  "years_in_business",
  "naics_code_valid",
  "requested_limit_range",
  "gl_revenue_positive",
  "deductible_ratio",
];

type Case = [description: string, changes: Partial<TriageSubject>, score: number, ready: boolean, failed: string[], missing: string[]];

// Unsafe casts stand in for rows written before a field was required or by a broken import.
const blank = "" as string;
const noNumber = Number.NaN;

const CASES: Case[] = [
  ["a clean GL submission", {}, 100, true, [], []],
  ["no email (−5) and no years in business (−5)", { insuredEmail: null, yearsInBusiness: null }, 90, true, ["insured_email", "years_in_business"], ["insuredEmail", "yearsInBusiness"]],
  ["PROP without property values (−25, blocking)", { lineOfBusiness: "PROP" }, 75, false, ["lob_exposure"], ["propertyValues"]],
  ["PROP with property values", { lineOfBusiness: "PROP", propertyValues: 3_000_000 }, 100, true, [], []],
  ["PROP with zero revenue is fine (revenue is a GL exposure)", { lineOfBusiness: "PROP", propertyValues: 3_000_000, annualRevenue: 0 }, 100, true, [], []],
  ["CA without vehicles (−25, blocking)", { lineOfBusiness: "CA" }, 75, false, ["lob_exposure"], ["vehicleCount"]],
  ["CA with zero vehicles (−25, blocking)", { lineOfBusiness: "CA", vehicleCount: 0 }, 75, false, ["lob_exposure"], ["vehicleCount"]],
  ["CA with 14 vehicles", { lineOfBusiness: "CA", vehicleCount: 14 }, 100, true, [], []],
  ["effective yesterday (−20, blocking)", { effectiveDate: "2027-02-28" }, 80, false, ["effective_date_not_past"], []],
  ["effective today", { effectiveDate: AS_OF }, 100, true, [], []],
  ["effective exactly 120 days ahead", { effectiveDate: "2027-06-29" }, 100, true, [], []],
  ["effective 121 days ahead (−10)", { effectiveDate: "2027-06-30" }, 90, true, ["effective_date_within_120_days"], []],
  ["NAICS in an unknown sector 99 (−10)", { naicsCode: "999999" }, 90, true, ["naics_code_valid"], []],
  ["NAICS in unassigned sector 10 (−10)", { naicsCode: "101000" }, 90, true, ["naics_code_valid"], []],
  ["NAICS of five digits (−10)", { naicsCode: "54151" }, 90, true, ["naics_code_valid"], []],
  ["NAICS in the 44–45 retail range", { naicsCode: "452311" }, 100, true, [], []],
  ["limit one cent under $100,000 (−10)", { requestedLimit: 99_999.99 }, 90, true, ["requested_limit_range"], []],
  ["limit exactly $100,000 (deductible $2,500 is 2.5%)", { requestedLimit: 100_000 }, 100, true, [], []],
  ["limit exactly $10,000,000", { requestedLimit: 10_000_000 }, 100, true, [], []],
  ["limit one cent over $10,000,000 (−10)", { requestedLimit: 10_000_000.01 }, 90, true, ["requested_limit_range"], []],
  ["GL with zero revenue (−10)", { annualRevenue: 0 }, 90, true, ["gl_revenue_positive"], []],
  ["deductible exactly 10% of the limit", { deductible: 100_000 }, 100, true, [], []],
  ["deductible one cent over 10% of the limit (−5)", { deductible: 100_000.01 }, 95, true, ["deductible_ratio"], []],
  ["no deductible requested", { deductible: null }, 100, true, [], []],
  ["missing NAICS (−15, blocking; not charged again as invalid)", { naicsCode: blank }, 85, false, ["required:naicsCode"], ["naicsCode"]],
  ["missing effective date (−15, blocking; date checks not applicable)", { effectiveDate: blank }, 85, false, ["required:effectiveDate"], ["effectiveDate"]],
  ["impossible effective date counts as missing", { effectiveDate: "2027-13-01" }, 85, false, ["required:effectiveDate"], ["effectiveDate"]],
  ["unknown line of business (−15, blocking)", { lineOfBusiness: "WC" as TriageSubject["lineOfBusiness"] }, 85, false, ["required:lineOfBusiness"], ["lineOfBusiness"]],
  [
    "exactly 70 with only non-blocking failures is ready",
    { insuredEmail: null, yearsInBusiness: null, naicsCode: "999999", requestedLimit: 50_000 },
    70,
    true,
    ["insured_email", "years_in_business", "naics_code_valid", "requested_limit_range"],
    ["insuredEmail", "yearsInBusiness"],
  ],
  [
    "65 with only non-blocking failures is not ready",
    { insuredEmail: null, yearsInBusiness: null, naicsCode: "999999", requestedLimit: 20_000 },
    65,
    false,
    ["insured_email", "years_in_business", "naics_code_valid", "requested_limit_range", "deductible_ratio"],
    ["insuredEmail", "yearsInBusiness"],
  ],
  [
    "everything missing clamps at 0",
    {
      insuredName: blank,
      naicsCode: blank,
      annualRevenue: noNumber,
      requestedLimit: noNumber,
      effectiveDate: blank,
      state: blank as TriageSubject["state"],
      lineOfBusiness: blank as TriageSubject["lineOfBusiness"],
      insuredEmail: null,
      yearsInBusiness: null,
    },
    0,
    false,
    [
      "required:insuredName",
      "required:naicsCode",
      "required:annualRevenue",
      "required:requestedLimit",
      "required:effectiveDate",
      "required:state",
      "required:lineOfBusiness",
      "insured_email",
      "years_in_business",
    ],
    ["insuredName", "naicsCode", "annualRevenue", "requestedLimit", "effectiveDate", "state", "lineOfBusiness", "insuredEmail", "yearsInBusiness"],
  ],
];

describe("quote-readiness triage", () => {
  it.each(CASES)("%s → score %i", (_description, changes, score, ready, failed, missing) => {
    const r = assessReadiness({ ...CLEAN_GL, ...changes }, AS_OF);
    expect(r.score).toBe(score);
    expect(r.ready).toBe(ready);
    expect(r.failedChecks.map((c) => c.name)).toEqual(failed);
    expect(r.missing).toEqual(missing);
    expect(r.checks.map((c) => c.name)).toEqual(CHECK_NAMES);
    expect(r.failedChecks).toEqual(r.checks.filter((c) => !c.passed));
  });

  it("documents the cost of every check, failed or passed", () => {
    const r = assessReadiness(CLEAN_GL, AS_OF);
    expect(Object.fromEntries(r.checks.map((c) => [c.name, c.points]))).toEqual({
      "required:insuredName": 15,
      "required:naicsCode": 15,
      "required:annualRevenue": 15,
      "required:requestedLimit": 15,
      "required:effectiveDate": 15,
      "required:state": 15,
      "required:lineOfBusiness": 15,
      lob_exposure: 25,
      effective_date_not_past: 20,
      effective_date_within_120_days: 10,
      insured_email: 5,
      years_in_business: 5,
      naics_code_valid: 10,
      requested_limit_range: 10,
      gl_revenue_positive: 10,
      deductible_ratio: 5,
    });
  });

  it("explains a failure in its message", () => {
    const r = assessReadiness({ ...CLEAN_GL, effectiveDate: "2027-02-19" }, AS_OF);
    expect(r.failedChecks).toEqual([
      { name: "effective_date_not_past", passed: false, points: 20, message: "effectiveDate is 10 days before 2027-03-01" },
    ]);
  });

  it("is deterministic: the same submission and date give the same answer", () => {
    const sub = { ...CLEAN_GL, lineOfBusiness: "CA" as const, insuredEmail: null };
    expect(assessReadiness(sub, AS_OF)).toEqual(assessReadiness(structuredClone(sub), AS_OF));
  });

  it("refuses an as-of date that is not a calendar date (a caller bug)", () => {
    expect(() => assessReadiness(CLEAN_GL, "2027-02-30")).toThrow(RangeError);
    expect(() => assessReadiness(CLEAN_GL, "03/01/2027")).toThrow(RangeError);
  });

  it("summarises as score, readiness and the failed check names", () => {
    expect(triageSummary(CLEAN_GL, AS_OF)).toEqual({ score: 100, ready: true, flags: [] });
    expect(triageSummary({ ...CLEAN_GL, lineOfBusiness: "PROP", insuredEmail: null }, AS_OF)).toEqual({
      score: 70,
      ready: false,
      flags: ["lob_exposure", "insured_email"],
    });
  });
});

describe("calendar dates", () => {
  it.each([
    ["2028-02-29", true],
    ["2027-02-29", false],
    ["2000-02-29", true],
    ["2100-02-29", false],
    ["2027-13-01", false],
    ["2027-00-10", false],
    ["2027-04-31", false],
    ["2027-12-31", true],
    ["2027-1-01", false],
  ])("%s → %s", (date, valid) => {
    expect(isCalendarDate(date)).toBe(valid);
  });
});
