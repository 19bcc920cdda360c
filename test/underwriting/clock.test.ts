/**
 * Every date rule reads the org's clock from the principal (`clockOffsetMs`, which the gateway sets
 * from the org's sandbox clock): the same records, read by the same org a number of days later on
 * its clock, give the later day's answers.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { testClockOffsetMs, testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;
const DAY = 86_400_000;

/** The same org and credential, `days` later on the org's clock. */
const later = (p: Principal, days: number): Principal => ({ ...p, clockOffsetMs: testClockOffsetMs() + days * DAY });

const submission = (effectiveDate: string) => ({
  insuredName: "Clockwork Co",
  naicsCode: "236220",
  annualRevenue: 2_000_000,
  requestedLimit: 1_000_000,
  effectiveDate,
  state: "OR" as const,
  lineOfBusiness: "GL" as const,
  yearsInBusiness: 8,
});

describe("date rules read the org's clock", () => {
  it("readiness: an effective date ten days ahead is in the past twenty days on, and past quoting two hundred days on", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission(testDay(10))));
    const failed = async (who: Principal) => unwrap(await service().getQuoteReadiness(who, sub.id)).failedChecks.map((c) => c.name);
    expect(await failed(p)).not.toContain("effective_date_in_past");
    expect(await failed(later(p, 20))).toContain("effective_date_in_past");
    expect(await failed(later(p, 20))).not.toContain("effective_date_over_60_days_past");
    expect(await failed(later(p, 200))).toEqual(expect.arrayContaining(["effective_date_in_past", "effective_date_over_60_days_past"]));
    expect(unwrap(await service().getSubmission(later(p, 200), sub.id)).triage.flags.length).toBeGreaterThan(unwrap(await service().getSubmission(p, sub.id)).triage.flags.length);
  });

  it("quote validity: thirty days from the quote on the org's clock", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission(testDay(40))));
    // The RPC stub's type erases this Result's value (its rating details are loosely typed); the shape is the contract's Quote.
    const quote = unwrap(await service().createQuote(p, sub.id, {})) as unknown as { validUntil: string; createdAt: string };
    expect(Date.parse(quote.validUntil) - Date.parse(quote.createdAt)).toBe(30 * DAY);
    expect(await service().bindSubmission(later(p, 31), sub.id, { installmentPlan: "PIF" }, true)).toMatchObject({ ok: false, error: { code: "quote_expired" } });
    expect(unwrap(await service().bindSubmission(later(p, 29), sub.id, { installmentPlan: "PIF" }, true))).toMatchObject({ preview: true });
  });

  it("expiry and the reinstatement window: a year on, the policy reads expired; forty days after a cancellation, it cannot be reinstated", async () => {
    const p = newPrincipal(newId("org"));
    const sub = unwrap(await service().createSubmission(p, submission(testDay(0))));
    unwrap(await service().createQuote(p, sub.id, {}));
    const policy = unwrap(await service().bindSubmission(p, sub.id, { installmentPlan: "PIF" }, false));
    if (!("id" in policy)) throw new Error("bind answered a preview");
    expect(unwrap(await service().getPolicy(p, policy.id)).status).toBe("active");
    const yearOn = later(p, 366);
    expect(unwrap(await service().getPolicy(yearOn, policy.id)).status).toBe("expired");
    expect(unwrap(await service().listPolicies(yearOn, { status: "expired" })).data.map((x) => x.id)).toEqual([policy.id]);
    expect(unwrap(await service().listPolicies(p, { status: "expired" })).data).toEqual([]);

    unwrap(await service().cancelPolicy(p, policy.id, { effectiveDate: testDay(20), method: "pro_rata", reason: "insured_request" }, false));
    expect(unwrap(await service().reinstatePolicy(later(p, 45), policy.id, {}, true))).toMatchObject({ preview: true });
    expect(await service().reinstatePolicy(later(p, 51), policy.id, {}, true)).toMatchObject({
      ok: false,
      error: { code: "business_rule_violation", details: { cancellationDate: testDay(20), reinstatementDate: testDay(51), windowDays: 30 } },
    });
  });
});
