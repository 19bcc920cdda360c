import { describe, expect, it } from "vitest";
import { cancellationReturn, reinstatementReversal, reinstatementWindow } from "../../workers/underwriting/src/rating/transactions.ts";

const policy2027 = {
  premiumInForceCents: 1_200_000,
  writtenPremiumCents: 1_200_000,
  effectiveDate: "2027-01-01",
  expirationDate: "2028-01-01",
};

describe("cancellation return premium", () => {
  it.each([
    // $12,000, 365-day term, cancelled 2027-05-01 (120 days in, 245 unexpired)
    // pro rata: 1,200,000 × 245 / 365 = 805,479.45… → 805,479 ($8,054.79)
    ["pro_rata", "2027-05-01", 805_479, 245, "245/365"],
    // short rate: 1,200,000 × 245 × 9 / 3,650 = 724,931.506… → 724,932 ($7,249.32), from the exact
    // pro-rata value (90% of the rounded 805,479 would be 724,931.1 → $7,249.31)
    ["short_rate", "2027-05-01", 724_932, 245, "2205/3650"],
    // flat at inception returns the whole written premium
    ["flat", "2027-01-01", 1_200_000, 365, "1"],
    // pro rata on the first day returns everything; on the last day of cover, one day's worth
    ["pro_rata", "2027-01-01", 1_200_000, 365, "365/365"],
    ["pro_rata", "2027-12-31", 3_288, 1, "1/365"], // 1,200,000 / 365 = 3,287.67… → 3,288
  ] as const)("%s on %s returns %i", (method, cancellationDate, returnPremiumCents, unexpiredDays, factor) => {
    expect(cancellationReturn({ ...policy2027, method, cancellationDate })).toEqual({
      ok: true,
      value: { returnPremiumCents, termDays: 365, unexpiredDays, factor, method },
    });
  });

  it("uses 366 days for a term spanning 29 February", () => {
    const leap = { ...policy2027, effectiveDate: "2028-01-01", expirationDate: "2029-01-01", cancellationDate: "2028-05-01" };
    // 245 of 366 days unexpired: 1,200,000 × 245 / 366 = 803,278.68… → 803,279
    expect(cancellationReturn({ ...leap, method: "pro_rata" })).toMatchObject({
      ok: true,
      value: { returnPremiumCents: 803_279, termDays: 366, unexpiredDays: 245 },
    });
    // 1,200,000 × 245 × 9 / 3,660 = 722,950.81… → 722,951
    expect(cancellationReturn({ ...leap, method: "short_rate" })).toMatchObject({ ok: true, value: { returnPremiumCents: 722_951 } });
  });

  it("pro rata and short rate use the premium in force, flat the written premium", () => {
    const endorsed = { ...policy2027, premiumInForceCents: 1_351_233 };
    expect(cancellationReturn({ ...endorsed, method: "pro_rata", cancellationDate: "2027-05-01" })).toMatchObject({
      value: { returnPremiumCents: 906_992 }, // 1,351,233 × 245 / 365 = 906,992.01… → 906,992
    });
    expect(cancellationReturn({ ...endorsed, method: "flat", cancellationDate: "2027-01-01" })).toMatchObject({
      value: { returnPremiumCents: 1_200_000 },
    });
  });

  it("flat is only allowed at inception", () => {
    expect(cancellationReturn({ ...policy2027, method: "flat", cancellationDate: "2027-01-02" })).toMatchObject({
      ok: false,
      error: { code: "business_rule_violation" },
    });
  });

  it.each(["2026-12-31", "2028-01-01", "2028-03-01", "2027-02-30"])(
    "a cancellation on %s (outside the term) fails naming effectiveDate",
    (cancellationDate) => {
      const r = cancellationReturn({ ...policy2027, method: "pro_rata", cancellationDate });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe("validation_failed");
        expect(r.error.details?.field).toBe("effectiveDate");
      }
    },
  );

  it("rejects a negative premium", () => {
    expect(
      cancellationReturn({ ...policy2027, premiumInForceCents: -1, method: "pro_rata", cancellationDate: "2027-05-01" }),
    ).toMatchObject({
      ok: false,
      error: { code: "validation_failed", details: { field: "premiumInForce" } },
    });
  });
});

describe("reinstatement", () => {
  it("charges back exactly the return premium", () => {
    expect(reinstatementReversal(805_479)).toBe(805_479);
    expect(reinstatementReversal(0)).toBe(0);
    expect(() => reinstatementReversal(-1)).toThrow(RangeError);
  });

  it("is allowed within 30 days of the cancellation's effective date", () => {
    expect(reinstatementWindow("2027-05-01", "2027-05-01")).toEqual({ ok: true, value: { daysSinceCancellation: 0 } });
    expect(reinstatementWindow("2027-05-01", "2027-05-31")).toEqual({ ok: true, value: { daysSinceCancellation: 30 } });
    expect(reinstatementWindow("2027-05-01", "2027-06-01")).toMatchObject({ ok: false, error: { code: "business_rule_violation" } });
    // Before the effective date the cancellation has not taken effect yet: rescinding it is allowed.
    expect(reinstatementWindow("2027-05-01", "2027-04-30")).toEqual({ ok: true, value: { daysSinceCancellation: -1 } });
  });
});
