import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addMonths, addYears, daysBetween, isValidDate } from "../../workers/_shared/dates.ts";
import { fromCents, mulDivRound, toCents } from "../../workers/_shared/money.ts";

describe("money in integer cents", () => {
  it.each([
    [14250, 1425000],
    [8054.79, 805479],
    [0.1, 10],
    [1000000, 100000000],
    [0, 0],
    [12.5, 1250],
  ])("toCents(%s) = %s", (major, cents) => {
    expect(toCents(major)).toBe(cents);
  });

  it("refuses more than two decimals and non-finite values", () => {
    for (const v of [0.001, 1.005, 0.1 + 0.2, Number.NaN, Infinity, 1e21]) expect(toCents(v)).toBeNull();
  });

  it("round-trips every two-decimal amount exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (cents) => {
        expect(toCents(fromCents(cents))).toBe(cents);
      }),
    );
  });

  it("mulDivRound rounds half-up once (the $12,000 pro-rata example)", () => {
    // 245 unexpired of 365 days on $12,000.00 returns $8,054.79.
    expect(mulDivRound(1_200_000, 245, 365)).toBe(805_479);
    expect(mulDivRound(5, 1, 2)).toBe(3); // 2.5 → 3
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
  });
});

describe("coverage dates", () => {
  it("a term is the same day a year later; 29 February falls back to 28 February", () => {
    expect(addYears("2027-01-01", 1)).toBe("2028-01-01");
    expect(addYears("2028-02-29", 1)).toBe("2029-02-28");
    expect(daysBetween("2027-01-01", "2028-01-01")).toBe(365);
    expect(daysBetween("2028-01-01", "2029-01-01")).toBe(366);
  });

  it("adds months clamped to the month's end and validates calendar dates", () => {
    expect(addMonths("2027-01-31", 1)).toBe("2027-02-28");
    expect(addMonths("2027-11-15", 3)).toBe("2028-02-15");
    expect(isValidDate("2027-02-29")).toBe(false);
    expect(isValidDate("2028-02-29")).toBe(true);
    expect(isValidDate("2028-2-9")).toBe(false);
  });
});
