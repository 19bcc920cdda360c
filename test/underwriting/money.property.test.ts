import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addYears, daysBetween, formatDate } from "../../workers/_shared/dates.ts";
import { integer, mul, parseDecimal, type Ratio, roundHalfUp } from "../../workers/underwriting/src/rating/decimal.ts";
import { INSTALLMENT_PLANS, installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";
import { rate } from "../../workers/underwriting/src/rating/rate.ts";
import { US_STATES } from "../../workers/underwriting/src/rating/rate-tables.ts";
import { cancellationReturn, endorsementDelta } from "../../workers/underwriting/src/rating/transactions.ts";
import type { InstallmentPlan, RatingInput } from "../../workers/underwriting/src/rating/types.ts";

const PLANS = Object.keys(INSTALLMENT_PLANS) as InstallmentPlan[];

/** A coverage date from 2026-01-01 through 2028-12-31. */
const dateArb = fc.integer({ min: 0, max: 3 * 366 - 1 }).map((n) => formatDate(new Date(Date.UTC(2026, 0, 1 + n))));
const premiumArb = fc.integer({ min: 0, max: 10_000_000_000 });

describe("installments (property)", () => {
  it("every plan's payments sum to the premium exactly, none negative, the down payment the largest", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLANS), premiumArb, dateArb, (plan, premium, effectiveDate) => {
        const s = installmentSchedule(plan, premium, effectiveDate);
        const [down, ...later] = s;
        expect(s.reduce((sum, i) => sum + i.premiumCents, 0)).toBe(premium);
        expect(s.every((i) => Number.isSafeInteger(i.premiumCents) && i.premiumCents >= 0)).toBe(true);
        const terms = INSTALLMENT_PLANS[plan];
        for (const [k, i] of later.entries()) {
          const share = terms.later[k]?.[1] ?? 0;
          // later payments are the floor of their share; the down payment is at least each of them
          expect(i.premiumCents).toBe(Math.floor(Number((BigInt(premium) * BigInt(share)) / BigInt(terms.denominator))));
          expect(down!.premiumCents).toBeGreaterThanOrEqual(i.premiumCents);
          expect(i.feeCents).toBe(terms.feeCents);
        }
        expect(down!.feeCents).toBe(0);
        expect(down!.dueDate).toBe(effectiveDate);
        expect(s.map((i) => i.number)).toEqual(s.map((_, k) => k + 1));
      }),
    );
  });
});

describe("cancellation and endorsement (property)", () => {
  const termArb = fc.record({ effectiveDate: dateArb, premium: premiumArb, a: fc.nat(365), b: fc.nat(365) });
  const cancelOn = (effectiveDate: string, offset: number) =>
    formatDate(new Date(Date.parse(`${effectiveDate}T00:00:00Z`) + offset * 86_400_000));

  it("pro rata is within [0, premium in force], never grows later in the term, and short rate ≤ pro rata", () => {
    fc.assert(
      fc.property(termArb, ({ effectiveDate, premium, a, b }) => {
        const expirationDate = addYears(effectiveDate, 1);
        const termDays = daysBetween(effectiveDate, expirationDate);
        const [early, late] = [Math.min(a, b) % termDays, Math.max(a, b) % termDays].sort((x, y) => x - y) as [number, number];
        const policy = { premiumInForceCents: premium, writtenPremiumCents: premium, effectiveDate, expirationDate };
        const ret = (method: "pro_rata" | "short_rate", offset: number) => {
          const r = cancellationReturn({ ...policy, method, cancellationDate: cancelOn(effectiveDate, offset) });
          if (!r.ok) throw new Error(JSON.stringify(r.error));
          return r.value;
        };
        const first = ret("pro_rata", early);
        const second = ret("pro_rata", late);
        expect(first.termDays).toBe(termDays);
        expect([365, 366]).toContain(termDays);
        for (const r of [first, second]) {
          expect(r.returnPremiumCents).toBeGreaterThanOrEqual(0);
          expect(r.returnPremiumCents).toBeLessThanOrEqual(premium);
        }
        expect(second.returnPremiumCents).toBeLessThanOrEqual(first.returnPremiumCents);
        expect(ret("short_rate", early).returnPremiumCents).toBeLessThanOrEqual(first.returnPremiumCents);
        expect(ret("short_rate", late).returnPremiumCents).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("an endorsement's delta is the exact mirror of the reverse endorsement, and bounded by the annual change", () => {
    fc.assert(
      fc.property(termArb, premiumArb, ({ effectiveDate, premium, a }, other) => {
        const expirationDate = addYears(effectiveDate, 1);
        const endorsementDate = cancelOn(effectiveDate, a % daysBetween(effectiveDate, expirationDate));
        const up = endorsementDelta({ oldAnnualCents: premium, newAnnualCents: other, effectiveDate, expirationDate, endorsementDate });
        const down = endorsementDelta({ oldAnnualCents: other, newAnnualCents: premium, effectiveDate, expirationDate, endorsementDate });
        if (!up.ok || !down.ok) throw new Error("expected deltas");
        expect(up.value.premiumDeltaCents).toBe(-down.value.premiumDeltaCents || 0);
        expect(Math.abs(up.value.premiumDeltaCents)).toBeLessThanOrEqual(Math.abs(other - premium));
      }),
    );
  });
});

describe("rating (property)", () => {
  const NAICS = [
    "236220",
    "238160",
    "238220",
    "237310",
    "325412",
    "332710",
    "336111",
    "423310",
    "445110",
    "452319",
    "484121",
    "485310",
    "493110",
    "522110",
    "524210",
    "541330",
    "541511",
    "561720",
    "621111",
    "623110",
    "721110",
    "722511",
    "722410",
  ];

  const inputArb: fc.Arbitrary<RatingInput> = fc
    .record({
      lineOfBusiness: fc.constantFrom("GL" as const, "PROP" as const, "CA" as const),
      naicsCode: fc.constantFrom(...NAICS),
      state: fc.constantFrom(...US_STATES),
      effectiveDate: dateArb,
      annualRevenueCents: fc.integer({ min: 0, max: 10_000_000_000_000 }),
      requestedLimitCents: fc.integer({ min: 50_000_000, max: 500_000_000 }),
      deductibleCents: fc.option(fc.integer({ min: 0, max: 5_000_000 })),
      propertyValuesCents: fc.integer({ min: 1, max: 10_000_000_000_000 }),
      vehicleCount: fc.integer({ min: 1, max: 10_000 }),
      yearsInBusiness: fc.option(fc.integer({ min: 0, max: 150 })),
      losses: fc.array(fc.record({ yearsAgo: fc.nat(6), amountCents: fc.integer({ min: 0, max: 1_000_000_000 }) }), { maxLength: 6 }),
    })
    .map(({ losses, ...rest }) => ({
      ...rest,
      priorLosses: losses.map((l) => ({ year: Number(rest.effectiveDate.slice(0, 4)) - l.yearsAgo, amountCents: l.amountCents })),
    }));

  it("the waterfall reconciles exactly and rounds the premium once", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const r = rate(input);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        const v = r.value;
        const preMinimum = v.basePremiumCents + v.factors.reduce((s, f) => s + f.effectCents, 0);
        expect(v.factors.map((f) => f.name)).toEqual(["state", "increased_limit", "deductible_credit", "loss_history", "experience"]);
        expect(v.grossPremiumCents).toBe(Math.max(preMinimum, v.minimumPremiumCents));
        expect(v.minimumPremiumApplied).toBe(preMinimum < v.minimumPremiumCents);
        // Independently: the exact base times every factor, rounded once, is the pre-minimum premium.
        const amount = { revenue: input.annualRevenueCents, property_values: input.propertyValuesCents!, vehicles: input.vehicleCount! }[
          v.exposure.basis
        ];
        const divisor = { revenue: 100_000n, property_values: 10_000n, vehicles: 1n }[v.exposure.basis];
        let exact: Ratio = mul(mul(parseDecimal(v.exposure.rate), integer(100)), { num: BigInt(amount), den: divisor });
        expect(Number(roundHalfUp(exact))).toBe(v.basePremiumCents);
        for (const f of v.factors) exact = mul(exact, parseDecimal(f.value));
        expect(Number(roundHalfUp(exact))).toBe(preMinimum);
        expect(v.totalDueCents).toBe(
          v.grossPremiumCents + v.taxes.reduce((s, t) => s + t.amountCents, 0) + v.fees.reduce((s, f) => s + f.amountCents, 0),
        );
        for (const n of [v.basePremiumCents, v.grossPremiumCents, v.totalDueCents, ...v.taxes.map((t) => t.amountCents)]) {
          expect(Number.isSafeInteger(n)).toBe(true);
        }
      }),
    );
  });

  it("is deterministic: the same input twice gives deep-equal results", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(rate(structuredClone(input))).toEqual(rate(input));
      }),
    );
  });
});
