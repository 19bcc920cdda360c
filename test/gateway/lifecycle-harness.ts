import { env } from "cloudflare:workers";
import { rate } from "../../workers/underwriting/src/rating/rate.ts";
import type { RatingInput } from "../../workers/underwriting/src/rating/types.ts";
import { TEST_NOW } from "../support/clock.ts";
import { call, json, setClock } from "./harness.ts";

/** A GL submission on the 2027 term used by the worked examples. */
export const glSubmission = (overrides: Record<string, unknown> = {}) => ({
  insuredName: "Pacific Coast Builders",
  naicsCode: "236220",
  annualRevenue: 8000000,
  requestedLimit: 1000000,
  effectiveDate: "2027-01-01",
  state: "OR",
  lineOfBusiness: "GL",
  yearsInBusiness: 12,
  ...overrides,
});

/** See test/support/clock.ts: a plain (365-day) year wholly ahead of the test calendar. */
export { PLAIN_YEAR } from "../support/clock.ts";

/**
 * The annual revenue (whole dollars) at which the GL rate tables produce exactly `targetCents` for
 * this risk, found by bisection on the real rating function: so API tests can bind a policy whose
 * premium is the worked example's $12,000.00 without faking any figure.
 */
export function revenueForPremium(targetCents: number, base = glSubmission()): number {
  const premium = (revenue: number) => {
    const input: RatingInput = {
      lineOfBusiness: "GL",
      naicsCode: String(base.naicsCode),
      state: String(base.state),
      effectiveDate: String(base.effectiveDate),
      annualRevenueCents: revenue * 100,
      requestedLimitCents: Number(base.requestedLimit) * 100,
      deductibleCents: null,
      propertyValuesCents: null,
      vehicleCount: null,
      yearsInBusiness: Number(base.yearsInBusiness),
      priorLosses: [],
    };
    const r = rate(input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.grossPremiumCents;
  };
  let lo = 1;
  let hi = 1_000_000_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (premium(mid) < targetCents) lo = mid + 1;
    else hi = mid;
  }
  if (premium(lo) !== targetCents) throw new Error(`no whole-dollar revenue rates to exactly ${targetCents} cents`);
  return lo;
}

/** Submit, quote and bind; returns the policy JSON. */
export async function bindPolicy(apiKey: string, submission: Record<string, unknown>, installmentPlan = "PIF") {
  const sub = await json(await call("POST", "/v1/submissions", { apiKey, body: submission }));
  const quote = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey });
  if (quote.status !== 201) throw new Error(`quote failed: ${quote.status} ${await quote.text()}`);
  const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey, body: { installmentPlan } });
  if (bound.status !== 201) throw new Error(`bind failed: ${bound.status} ${await bound.text()}`);
  return json(bound);
}

/**
 * A policy whose cover started before the test calendar's today, written the way such a policy is:
 * quoted and bound on its effective date (noon on the org's sandbox clock), after which the clock is
 * put back at `TEST_NOW`. Quoting it today would be backdating (a referral, or refused beyond 60 days).
 */
export async function bindPolicyWrittenOn(orgId: string, apiKey: string, submission: Record<string, unknown>, installmentPlan = "PIF") {
  await setClock(orgId, { now: `${String(submission.effectiveDate)}T12:00:00.000Z` });
  try {
    return await bindPolicy(apiKey, submission, installmentPlan);
  } finally {
    await setClock(orgId, { now: TEST_NOW });
  }
}

/**
 * A second principal of the tenant that may decide referrals: an API key on the
 * `underwriting_manager` preset. Segregation of duties refuses the key that quoted or referred.
 */
export async function approverKey(token: string): Promise<{ id: string; key: string }> {
  const res = await call("POST", "/v1/api-keys", { token, body: { name: "Underwriting manager", preset: "underwriting_manager", rateLimitTier: "enterprise" } });
  if (res.status !== 201) throw new Error(`approverKey failed: ${res.status} ${await res.text()}`);
  return json<{ id: string; key: string }>(res);
}

/** The outbox rows of an org, oldest first. */
export async function eventsOf(orgId: string) {
  const rows = await env.UNDERWRITING_DB.prepare("SELECT id, type, data, created_at FROM events WHERE org_id = ? ORDER BY created_at, id").bind(orgId).all<{ id: string; type: string; data: string }>();
  return rows.results.map((r) => ({ id: r.id, type: r.type, data: JSON.parse(r.data) as Record<string, any> }));
}
