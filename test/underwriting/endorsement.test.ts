import { describe, expect, it } from "vitest";
import { endorsementDelta } from "../../workers/underwriting/src/rating/transactions.ts";

const policy2027 = { effectiveDate: "2027-01-01", expirationDate: "2028-01-01" };

describe("endorsement premium delta", () => {
  it.each([
    // +$3,000 annual from 2027-07-01: 184 of 365 days remain; 300,000 × 184 / 365 = 151,232.88 → 151,233
    [1_200_000, 1_500_000, "2027-07-01", 151_233, 184],
    // the same decrease mirrors it exactly (half-up on the absolute value)
    [1_500_000, 1_200_000, "2027-07-01", -151_233, 184],
    // at inception the full annual change applies
    [1_200_000, 1_500_000, "2027-01-01", 300_000, 365],
    // on the last day, one day's worth: 300,000 / 365 = 821.92 → 822
    [1_200_000, 1_500_000, "2027-12-31", 822, 1],
    // no change, no delta
    [1_200_000, 1_200_000, "2027-07-01", 0, 184],
  ] as const)("%i → %i on %s adds %i", (oldAnnualCents, newAnnualCents, endorsementDate, premiumDeltaCents, remainingDays) => {
    expect(endorsementDelta({ ...policy2027, oldAnnualCents, newAnnualCents, endorsementDate })).toEqual({
      ok: true,
      value: { premiumDeltaCents, remainingDays, termDays: 365 },
    });
  });

  it("rounds an exact half away from zero both ways (leap term, 183 of 366 days)", () => {
    const leap = { effectiveDate: "2028-01-01", expirationDate: "2029-01-01", endorsementDate: "2028-07-02" };
    // ±1 cent × 183 / 366 = ±0.5 → ±1
    expect(endorsementDelta({ ...leap, oldAnnualCents: 100_000, newAnnualCents: 100_001 })).toEqual({
      ok: true,
      value: { premiumDeltaCents: 1, remainingDays: 183, termDays: 366 },
    });
    expect(endorsementDelta({ ...leap, oldAnnualCents: 100_001, newAnnualCents: 100_000 })).toMatchObject({
      value: { premiumDeltaCents: -1 },
    });
  });

  it.each(["2026-12-31", "2028-01-01", "not-a-date"])(
    "an endorsement dated %s (outside the term) fails naming effectiveDate",
    (endorsementDate) => {
      const r = endorsementDelta({ ...policy2027, oldAnnualCents: 1, newAnnualCents: 2, endorsementDate });
      expect(r).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field: "effectiveDate" } } });
    },
  );

  it("rejects a policy whose expiration does not follow its effective date", () => {
    const r = endorsementDelta({
      effectiveDate: "2027-01-01",
      expirationDate: "2027-01-01",
      oldAnnualCents: 1,
      newAnnualCents: 2,
      endorsementDate: "2027-01-01",
    });
    expect(r).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field: "policy.expirationDate" } } });
  });
});
