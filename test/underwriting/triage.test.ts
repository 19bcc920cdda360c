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
  "missing:insuredName",
  "missing:naicsCode",
  "missing:annualRevenue",
  "missing:requestedLimit",
  "missing:effectiveDate",
  "missing:state",
  "missing:lineOfBusiness",
  "lob_exposure_missing",
  "effective_date_in_past",
  "effective_date_over_60_days_past",
  "effective_date_over_120_days_ahead",
  "insured_email_missing",
  "years_in_business_missing",
  "naics_code_invalid",
  "requested_limit_out_of_range",
  "gl_revenue_not_positive",
  "deductible_over_10_percent",
];

type Case = [description: string, changes: Partial<TriageSubject>, score: number, ready: boolean, failed: string[], missing: string[]];

// Unsafe casts stand in for rows written before a field was required or by a broken import.
const blank = "" as string;
const noNumber = Number.NaN;

const CASES: Case[] = [
  ["a clean GL submission", {}, 100, true, [], []],
  ["no email (−5) and no years in business (−5)", { insuredEmail: null, yearsInBusiness: null }, 90, true, ["insured_email_missing", "years_in_business_missing"], ["insuredEmail", "yearsInBusiness"]],
  ["PROP without property values (−25, blocking)", { lineOfBusiness: "PROP" }, 75, false, ["lob_exposure_missing"], ["propertyValues"]],
  ["PROP with property values", { lineOfBusiness: "PROP", propertyValues: 3_000_000 }, 100, true, [], []],
  ["PROP with zero revenue is fine (revenue is a GL exposure)", { lineOfBusiness: "PROP", propertyValues: 3_000_000, annualRevenue: 0 }, 100, true, [], []],
  ["CA without vehicles (−25, blocking)", { lineOfBusiness: "CA" }, 75, false, ["lob_exposure_missing"], ["vehicleCount"]],
  ["CA with zero vehicles (−25, blocking)", { lineOfBusiness: "CA", vehicleCount: 0 }, 75, false, ["lob_exposure_missing"], ["vehicleCount"]],
  ["CA with 14 vehicles", { lineOfBusiness: "CA", vehicleCount: 14 }, 100, true, [], []],
  ["effective yesterday (−20; not blocking: a quote is referred)", { effectiveDate: "2027-02-28" }, 80, true, ["effective_date_in_past"], []],
  ["effective exactly 60 days back (−20; still quotable, referred)", { effectiveDate: "2026-12-31" }, 80, true, ["effective_date_in_past"], []],
  ["effective 61 days back (−30, blocking)", { effectiveDate: "2026-12-30" }, 70, false, ["effective_date_in_past", "effective_date_over_60_days_past"], []],
  ["effective seven months back (−30, blocking)", { effectiveDate: "2026-08-01" }, 70, false, ["effective_date_in_past", "effective_date_over_60_days_past"], []],
  ["effective today", { effectiveDate: AS_OF }, 100, true, [], []],
  ["effective exactly 120 days ahead", { effectiveDate: "2027-06-29" }, 100, true, [], []],
  ["effective 121 days ahead (−10)", { effectiveDate: "2027-06-30" }, 90, true, ["effective_date_over_120_days_ahead"], []],
  ["NAICS in an unknown sector 99 (−10)", { naicsCode: "999999" }, 90, true, ["naics_code_invalid"], []],
  ["NAICS in unassigned sector 10 (−10)", { naicsCode: "101000" }, 90, true, ["naics_code_invalid"], []],
  ["NAICS of five digits (−10)", { naicsCode: "54151" }, 90, true, ["naics_code_invalid"], []],
  ["NAICS in the 44–45 retail range", { naicsCode: "452311" }, 100, true, [], []],
  ["limit one cent under $100,000 (−10)", { requestedLimit: 99_999.99 }, 90, true, ["requested_limit_out_of_range"], []],
  ["limit exactly $100,000 (deductible $2,500 is 2.5%)", { requestedLimit: 100_000 }, 100, true, [], []],
  ["limit exactly $10,000,000", { requestedLimit: 10_000_000 }, 100, true, [], []],
  ["limit one cent over $10,000,000 (−10)", { requestedLimit: 10_000_000.01 }, 90, true, ["requested_limit_out_of_range"], []],
  ["GL with zero revenue (−10)", { annualRevenue: 0 }, 90, true, ["gl_revenue_not_positive"], []],
  ["deductible exactly 10% of the limit", { deductible: 100_000 }, 100, true, [], []],
  ["deductible one cent over 10% of the limit (−5)", { deductible: 100_000.01 }, 95, true, ["deductible_over_10_percent"], []],
  ["no deductible requested", { deductible: null }, 100, true, [], []],
  ["missing NAICS (−15, blocking; not charged again as invalid)", { naicsCode: blank }, 85, false, ["missing:naicsCode"], ["naicsCode"]],
  ["missing effective date (−15, blocking; date checks not applicable)", { effectiveDate: blank }, 85, false, ["missing:effectiveDate"], ["effectiveDate"]],
  ["impossible effective date counts as missing", { effectiveDate: "2027-13-01" }, 85, false, ["missing:effectiveDate"], ["effectiveDate"]],
  ["unknown line of business (−15, blocking)", { lineOfBusiness: "WC" as TriageSubject["lineOfBusiness"] }, 85, false, ["missing:lineOfBusiness"], ["lineOfBusiness"]],
  [
    "exactly 70 with only non-blocking failures is ready",
    { insuredEmail: null, yearsInBusiness: null, naicsCode: "999999", requestedLimit: 50_000 },
    70,
    true,
    ["insured_email_missing", "years_in_business_missing", "naics_code_invalid", "requested_limit_out_of_range"],
    ["insuredEmail", "yearsInBusiness"],
  ],
  [
    "65 with only non-blocking failures is not ready",
    { insuredEmail: null, yearsInBusiness: null, naicsCode: "999999", requestedLimit: 20_000 },
    65,
    false,
    ["insured_email_missing", "years_in_business_missing", "naics_code_invalid", "requested_limit_out_of_range", "deductible_over_10_percent"],
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
      "missing:insuredName",
      "missing:naicsCode",
      "missing:annualRevenue",
      "missing:requestedLimit",
      "missing:effectiveDate",
      "missing:state",
      "missing:lineOfBusiness",
      "insured_email_missing",
      "years_in_business_missing",
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
      "missing:insuredName": 15,
      "missing:naicsCode": 15,
      "missing:annualRevenue": 15,
      "missing:requestedLimit": 15,
      "missing:effectiveDate": 15,
      "missing:state": 15,
      "missing:lineOfBusiness": 15,
      lob_exposure_missing: 25,
      effective_date_in_past: 20,
      effective_date_over_60_days_past: 10,
      effective_date_over_120_days_ahead: 10,
      insured_email_missing: 5,
      years_in_business_missing: 5,
      naics_code_invalid: 10,
      requested_limit_out_of_range: 10,
      gl_revenue_not_positive: 10,
      deductible_over_10_percent: 5,
    });
  });

  it("explains a failure in its message", () => {
    const r = assessReadiness({ ...CLEAN_GL, effectiveDate: "2027-02-19" }, AS_OF);
    expect(r.failedChecks).toEqual([
      {
        name: "effective_date_in_past",
        passed: false,
        points: 20,
        blocking: false,
        message: "effectiveDate is 10 days before 2027-03-01: a quote is referred (backdated_effective_date)",
      },
    ]);
  });

  it("names what failed: no check is named for its passing case", () => {
    // The names these checks had when they were named for passing (a flag read "effective date not past").
    const passingPhrases = ["effective_date_not_past", "effective_date_within_120_days", "naics_code_valid", "gl_revenue_positive", "requested_limit_range", "deductible_ratio", "insured_email", "years_in_business", "lob_exposure"];
    const names = assessReadiness(CLEAN_GL, AS_OF).checks.map((c) => c.name);
    for (const phrase of passingPhrases) expect(names).not.toContain(phrase);
    expect(names.filter((n) => n.startsWith("required:"))).toEqual([]);
  });

  it("is never ready while a blocking check fails, whatever the score", () => {
    for (const [, changes] of CASES) {
      const r = assessReadiness({ ...CLEAN_GL, ...changes }, AS_OF);
      if (r.failedChecks.some((c) => c.blocking)) expect(r.ready).toBe(false);
    }
    // Seven months back costs 30: the score alone (70) would say ready.
    const longBackdated = assessReadiness({ ...CLEAN_GL, effectiveDate: "2026-08-01" }, AS_OF);
    expect(longBackdated.failedChecks.filter((c) => c.blocking).map((c) => c.name)).toEqual(["effective_date_over_60_days_past"]);
    expect(longBackdated.score).toBe(70);
    expect(longBackdated.ready).toBe(false);
    expect(Object.fromEntries(longBackdated.checks.map((c) => [c.name, c.blocking]))).toMatchObject({
      "missing:insuredName": true,
      lob_exposure_missing: true,
      effective_date_in_past: false,
      effective_date_over_60_days_past: true,
      effective_date_over_120_days_ahead: false,
      deductible_over_10_percent: false,
    });
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
      flags: ["lob_exposure_missing", "insured_email_missing"],
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
