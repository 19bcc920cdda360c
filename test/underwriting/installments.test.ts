import { describe, expect, it } from "vitest";
import { installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";

const premiums = (plan: Parameters<typeof installmentSchedule>[0], cents: number) =>
  installmentSchedule(plan, cents, "2027-01-01").map((i) => i.premiumCents);

describe("installment schedules", () => {
  it("PIF is one payment of the whole premium, no fee", () => {
    expect(installmentSchedule("PIF", 1_828_149, "2027-03-01")).toEqual([
      { number: 1, dueDate: "2027-03-01", premiumCents: 1_828_149, feeCents: 0 },
    ]);
  });

  it("TWO_PAY: half at month 6, the down payment takes the odd cent", () => {
    // floor(1,828,149 / 2) = 914,074; down = 1,828,149 − 914,074 = 914,075
    expect(installmentSchedule("TWO_PAY", 1_828_149, "2027-03-01")).toEqual([
      { number: 1, dueDate: "2027-03-01", premiumCents: 914_075, feeCents: 0 },
      { number: 2, dueDate: "2027-09-01", premiumCents: 914_074, feeCents: 0 },
    ]);
  });

  it("QUARTERLY: 4 × 25% at months 0/3/6/9 with a $5 fee after the down payment", () => {
    // floor(1,828,149 / 4) = 457,037 (×3 = 1,371,111); down = 457,038
    expect(installmentSchedule("QUARTERLY", 1_828_149, "2027-03-01")).toEqual([
      { number: 1, dueDate: "2027-03-01", premiumCents: 457_038, feeCents: 0 },
      { number: 2, dueDate: "2027-06-01", premiumCents: 457_037, feeCents: 500 },
      { number: 3, dueDate: "2027-09-01", premiumCents: 457_037, feeCents: 500 },
      { number: 4, dueDate: "2027-12-01", premiumCents: 457_037, feeCents: 500 },
    ]);
  });

  it("MONTHLY_10: 20% down then 8 × 10% at months 2–9 (nine payments), $8 fees", () => {
    // floor(1,000,001 / 10) = 100,000 (×8 = 800,000); down = 200,001
    const s = installmentSchedule("MONTHLY_10", 1_000_001, "2027-01-15");
    expect(s).toHaveLength(9);
    expect(s[0]).toEqual({ number: 1, dueDate: "2027-01-15", premiumCents: 200_001, feeCents: 0 });
    expect(s.slice(1).map((i) => [i.dueDate, i.premiumCents, i.feeCents])).toEqual(
      ["03", "04", "05", "06", "07", "08", "09", "10"].map((m) => [`2027-${m}-15`, 100_000, 800]),
    );
    expect(s.reduce((sum, i) => sum + i.feeCents, 0)).toBe(6_400);
  });

  it("MONTHLY_12: twelve at months 0..11; due dates clamp to month end", () => {
    // floor(100,000 / 12) = 8,333 (×11 = 91,663); down = 8,337
    const s = installmentSchedule("MONTHLY_12", 100_000, "2028-01-31");
    expect(s.map((i) => i.premiumCents)).toEqual([8_337, ...Array(11).fill(8_333)]);
    expect(s.slice(0, 4).map((i) => i.dueDate)).toEqual(["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"]);
    expect(s[11]?.dueDate).toBe("2028-12-31");
    expect(s.map((i) => i.feeCents)).toEqual([0, ...Array(11).fill(800)]);
  });

  it.each([
    ["PIF", [7]],
    ["TWO_PAY", [4, 3]],
    ["QUARTERLY", [4, 1, 1, 1]],
    ["MONTHLY_10", [7, 0, 0, 0, 0, 0, 0, 0, 0]],
    ["MONTHLY_12", [7, ...Array(11).fill(0)]],
  ] as const)("a tiny premium (7 cents) still sums exactly: %s", (plan, expected) => {
    expect(premiums(plan, 7)).toEqual(expected);
  });

  it("a zero premium schedules zero payments and keeps the fees", () => {
    expect(premiums("QUARTERLY", 0)).toEqual([0, 0, 0, 0]);
  });

  it("rejects a negative or fractional premium as a bug", () => {
    expect(() => installmentSchedule("PIF", -1, "2027-01-01")).toThrow(RangeError);
    expect(() => installmentSchedule("PIF", 10.5, "2027-01-01")).toThrow(RangeError);
  });
});
