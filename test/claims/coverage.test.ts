/**
 * Coverage on the loss date, judged from the policy's term and timeline (pure): before inception,
 * on or after expiry, on or after a cancellation's effective date, and in a lapse that a later
 * reinstatement closed; a reinstatement on the cancellation's own date (the platform's) leaves none.
 */
import { describe, expect, it } from "vitest";
import { judgeCoverage } from "../../workers/claims/src/coverage.ts";
import { entry } from "./harness.ts";

const term = { effectiveDate: "2027-01-01", expirationDate: "2028-01-01" };
const bound = [entry("new_business", "2027-01-01")];
const cancelled = [...bound, entry("cancellation", "2027-03-01")];
const reinstatedSameDay = [...cancelled, entry("reinstatement", "2027-03-01")];
const reinstatedLater = [...cancelled, entry("reinstatement", "2027-03-20")];
const cancelledAgain = [...reinstatedLater, entry("endorsement", "2027-05-01"), entry("cancellation", "2027-06-01")];

describe("judgeCoverage", () => {
  it.each([
    // [case, timeline, loss date, rule or null (covered), dates that decided it]
    ["the day before inception", bound, "2026-12-31", "before_inception", {}],
    ["inception day", bound, "2027-01-01", null, {}],
    ["the last day of the term", bound, "2027-12-31", null, {}],
    ["expiration day (cover ends at its start)", bound, "2028-01-01", "after_expiration", {}],
    ["the day before a cancellation", cancelled, "2027-02-28", null, {}],
    ["a cancellation's effective date", cancelled, "2027-03-01", "after_cancellation", { cancellationEffectiveDate: "2027-03-01" }],
    ["after a cancellation", cancelled, "2027-07-04", "after_cancellation", { cancellationEffectiveDate: "2027-03-01" }],
    ["reinstated on the cancellation's date: continuous", reinstatedSameDay, "2027-03-01", null, {}],
    ["reinstated on the cancellation's date: later", reinstatedSameDay, "2027-09-01", null, {}],
    ["in the lapse, first day", reinstatedLater, "2027-03-01", "lapse", { cancellationEffectiveDate: "2027-03-01", reinstatementEffectiveDate: "2027-03-20" }],
    ["in the lapse, last day", reinstatedLater, "2027-03-19", "lapse", { cancellationEffectiveDate: "2027-03-01", reinstatementEffectiveDate: "2027-03-20" }],
    ["the reinstatement's effective date", reinstatedLater, "2027-03-20", null, {}],
    ["before the lapse", reinstatedLater, "2027-02-01", null, {}],
    ["between reinstatement and a second cancellation", cancelledAgain, "2027-05-15", null, {}],
    ["still in the first lapse after a second cancellation", cancelledAgain, "2027-03-05", "lapse", { cancellationEffectiveDate: "2027-03-01", reinstatementEffectiveDate: "2027-03-20" }],
    ["after the second cancellation", cancelledAgain, "2027-06-01", "after_cancellation", { cancellationEffectiveDate: "2027-06-01" }],
    ["before inception beats a cancellation", cancelled, "2026-06-01", "before_inception", {}],
  ] as const)("%s", (_case, timeline, lossDate, rule, dates) => {
    const decision = judgeCoverage({ ...term, timeline: [...timeline] }, lossDate);
    if (rule === null) {
      expect(decision).toEqual({ covered: true });
      return;
    }
    expect(decision).toEqual({ covered: false, rule, dates: { lossDate, ...term, ...dates } });
  });
});
