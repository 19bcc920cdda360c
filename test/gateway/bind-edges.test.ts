import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json, setClock } from "./harness.ts";
import { bindPolicy, bindPolicyWrittenOn, glSubmission } from "./lifecycle-harness.ts";

describe("bind and transaction edges", () => {
  it("an expired quote cannot be bound; the submission expires and can be quoted again", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const quote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    // 31 days later on the org's clock: past the quote's 30 days.
    await setClock(t.orgId, { advanceDays: 31 });
    // A preview reports the expiry and changes nothing.
    const previewed = await call("POST", `/v1/submissions/${sub.id}/bind?preview=true`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect((await json(previewed)).error).toBe("quote_expired");
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("quoted");
    const res = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ error: "quote_expired", details: { quoteId: quote.id } });
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("expired");
    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    expect((await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(201);
  });

  it("a submission must be quoted before it is bound", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const res = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(res.status).toBe(422);
    expect((await json(res)).error).toBe("invalid_state_transition");
  });

  it("reinstatement preview changes nothing; an active policy cannot be reinstated", async () => {
    const t = await createTenant();
    // Dates relative to the org's today: the 30-day window is judged by its clock.
    const day = testDay;
    const policy = await bindPolicyWrittenOn(t.orgId, t.apiKey, glSubmission({ effectiveDate: day(-20) }));
    expect((await call("POST", `/v1/policies/${policy.id}/reinstate`, { apiKey: t.apiKey, body: {} })).status).toBe(422);
    await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: day(-10), method: "short_rate", reason: "non_payment" } });
    const preview = await json(await call("POST", `/v1/policies/${policy.id}/reinstate?preview=true`, { apiKey: t.apiKey, body: {} }));
    expect(preview).toMatchObject({ preview: true, transaction: { id: "preview", type: "reinstatement" }, policy: { status: "active" } });
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).status).toBe("cancelled");
  });

  it("refuses an endorsement or cancellation dated before the policy's latest transaction", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission());
    const endorsed = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-10-28", changes: { annualRevenue: 16_000_000 } } });
    expect(endorsed.status).toBe(200);

    const early = [
      ["cancel", { effectiveDate: "2027-07-20", method: "pro_rata", reason: "insured_request" }],
      ["endorse", { effectiveDate: "2027-06-01", changes: { requestedLimit: 2_000_000 } }],
    ] as const;
    for (const [action, body] of early) {
      const res = await call("POST", `/v1/policies/${policy.id}/${action}`, { apiKey: t.apiKey, body });
      expect(res.status, action).toBe(422);
      expect(await json(res)).toMatchObject({ error: "business_rule_violation", details: { field: "effectiveDate", latestTransactionDate: "2027-10-28" } });
    }
    // On or after the latest date is fine.
    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-10-28", method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
  });

  it("a named-insured endorsement changes no premium; an empty endorsement is refused", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission());
    const renamed = await json(await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-02-01", changes: { insuredName: "Pacific Coast Builders Inc." } } }));
    expect(renamed.transaction.premiumDelta).toBe(0);
    expect(renamed.policy.insuredName).toBe("Pacific Coast Builders Inc.");
    const empty = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-02-01", changes: {} } });
    expect(empty.status).toBe(400);
    expect((await json(empty)).details.field).toBe("changes");
  });

  it("two transactions racing on one policy: one commits, the other is a 409 conflict", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission());
    const results = await Promise.all(
      [1500000, 2000000, 3000000].map((limit) => call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-06-01", changes: { requestedLimit: limit } } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    const endorsements = timeline.data.filter((x: { type: string }) => x.type === "endorsement");
    expect(endorsements).toHaveLength(statuses.filter((s) => s === 200).length);
    // The written premium is the sum of the timeline: no lost update.
    const final = await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }));
    const sum = timeline.data.reduce((n: number, x: { premiumDelta: number }) => n + Math.round(x.premiumDelta * 100), 0);
    expect(Math.round(final.writtenPremium * 100)).toBe(sum);
  });
});
