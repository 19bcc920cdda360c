import { describe, expect, it } from "vitest";
import { zBindPreview, zBoundPolicy } from "#contract/zod.gen";
import { TEST_NOW, testDay } from "../support/clock.ts";
import { call, createTenant, json, setClock } from "./harness.ts";
import { bindPolicy, eventsOf, glSubmission, PLAIN_YEAR, revenueForPremium } from "./lifecycle-harness.ts";

describe("quote → bind → endorse → cancel → reinstate → renew, with the worked numbers", () => {
  it("quotes with the full waterfall, deterministically; a re-quote supersedes", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const first = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    expect(first.grossPremium).toBeGreaterThan(0);
    expect(first.rateTableVersion).toBe("GL-2027.1");
    const b = first.breakdown;
    const cents = (n: number) => Math.round(n * 100);
    expect(cents(b.basePremium) + b.factors.reduce((n: number, f: { effect: number }) => n + cents(f.effect), 0)).toBe(cents(first.grossPremium));
    expect(b.factors.map((f: { name: string }) => f.name)).toEqual(["state", "increased_limit", "deductible_credit", "loss_history", "experience"]);
    expect(cents(first.totalDue)).toBe(
      cents(first.grossPremium) + first.taxes.reduce((n: number, x: { amount: number }) => n + cents(x.amount), 0) + first.fees.reduce((n: number, x: { amount: number }) => n + cents(x.amount), 0),
    );
    // Valid 30 days on the org's clock, which stands at the test calendar's TEST_NOW.
    expect(Date.parse(first.validUntil) - Date.parse(TEST_NOW)).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(Date.parse(first.validUntil) - Date.parse(TEST_NOW)).toBeLessThan(31 * 86_400_000);

    const second = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    expect(second.grossPremium).toBe(first.grossPremium);
    expect(second.id).not.toBe(first.id);
    const current = await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }));
    expect(current).toMatchObject({ status: "quoted", currentQuoteId: second.id });
    const stale = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF", quoteId: first.id } });
    expect(stale.status).toBe(422);
    expect((await json(stale)).error).toBe("invalid_state_transition");
  });

  it("binds with a gap-free LOB-year number and MONTHLY_10 installments summing to the premium", async () => {
    const t = await createTenant();
    const a = await bindPolicy(t.apiKey, glSubmission(), "MONTHLY_10");
    const b = await bindPolicy(t.apiKey, glSubmission({ insuredName: "Second Insured" }), "QUARTERLY");
    const c = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: "2028-03-01" }));
    expect(a.policyNumber).toBe("GL-2027-000001");
    expect(b.policyNumber).toBe("GL-2027-000002");
    expect(c.policyNumber).toBe("GL-2028-000001");
    expect(a).toMatchObject({ status: "active", effectiveDate: "2027-01-01", expirationDate: "2028-01-01", installmentPlan: "MONTHLY_10" });
    expect(a.installments).toHaveLength(9);
    const sum = a.installments.reduce((n: number, i: { premium: number }) => n + Math.round(i.premium * 100), 0);
    expect(sum).toBe(Math.round(a.grossPremium * 100));
    expect(a.installments.filter((i: { fee: number }) => i.fee === 8)).toHaveLength(8);
    expect(a.installments[0].dueDate).toBe("2027-01-01");
    expect(b.installments.map((i: { dueDate: string }) => i.dueDate)).toEqual(["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"]);
  });

  it("refuses a second bind, and concurrent binds make exactly one policy", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const results = await Promise.all(Array.from({ length: 8 }, () => call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(422);
      expect((await json(r)).error).toBe("invalid_state_transition");
    }
    const again = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(again.status).toBe(422);
    const list = await json(await call("GET", "/v1/policies", { apiKey: t.apiKey }));
    expect(list.data).toHaveLength(1);
    expect(list.data[0].policyNumber).toBe("GL-2027-000001");
    // The next bind takes the next number: the losers consumed none.
    const next = await bindPolicy(t.apiKey, glSubmission());
    expect(next.policyNumber).toBe("GL-2027-000002");
  });

  it("bind preview computes the schedule and changes nothing", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const quote = await json(await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey }));
    const preview = await call("POST", `/v1/submissions/${sub.id}/bind?preview=true`, { apiKey: t.apiKey, body: { installmentPlan: "MONTHLY_12" } });
    expect(preview.status).toBe(200);
    const body = await json(preview);
    // 11 installments after the down payment at $8: installmentFees, on top of the quote's totalDue.
    expect(body).toMatchObject({ preview: true, policyNumber: null, installmentFees: 88 });
    expect(body.totalDue).toBe(Math.round((quote.totalDue + 88) * 100) / 100);
    expect(body).not.toHaveProperty("fees");
    expect(zBindPreview.safeParse(body).success).toBe(true);
    expect(body.installments).toHaveLength(12);
    expect((await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }))).status).toBe("quoted");
    expect((await json(await call("GET", "/v1/policies", { apiKey: t.apiKey }))).data).toEqual([]);
  });

  it("a real bind answers the contract's BoundPolicy, told apart from a preview by `preview: false`", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const bound = await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "MONTHLY_12" } });
    expect(bound.status).toBe(201);
    const body = await json(bound);
    expect(body.preview).toBe(false);
    expect(body.policyNumber).toMatch(/^GL-\d{4}-\d{6}$/);
    expect(zBoundPolicy.safeParse(body).success).toBe(true);
    // The two shapes do not pass for each other.
    expect(zBindPreview.safeParse(body).success).toBe(false);
    // A read of the policy is the plain Policy: `preview` belongs to bind's answer only.
    expect(await json(await call("GET", `/v1/policies/${body.id}`, { apiKey: t.apiKey }))).not.toHaveProperty("preview");
  });

  it("cancellation previews return $8,054.79 pro rata, $7,249.32 short rate and $12,000 flat, and change nothing", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ annualRevenue: revenueForPremium(1_200_000) }));
    expect(policy.grossPremium).toBe(12000);
    const preview = async (body: Record<string, unknown>) => json(await call("POST", `/v1/policies/${policy.id}/cancel?preview=true`, { apiKey: t.apiKey, body }));

    const proRata = await preview({ effectiveDate: "2027-05-01", method: "pro_rata", reason: "insured_request" });
    expect(proRata.preview).toBe(true);
    expect(proRata.transaction).toMatchObject({ id: "preview", type: "cancellation", premiumDelta: -8054.79, details: { returnPremium: 8054.79, termDays: 365, unexpiredDays: 245 } });
    expect(proRata.policy.status).toBe("cancelled");
    const shortRate = await preview({ effectiveDate: "2027-05-01", method: "short_rate", reason: "non_payment" });
    expect(shortRate.transaction.details.returnPremium).toBe(7249.32);
    const flat = await preview({ effectiveDate: "2027-01-01", method: "flat", reason: "underwriting" });
    expect(flat.transaction.details.returnPremium).toBe(12000);
    const flatLate = await call("POST", `/v1/policies/${policy.id}/cancel?preview=true`, { apiKey: t.apiKey, body: { effectiveDate: "2027-05-01", method: "flat", reason: "other" } });
    expect(flatLate.status).toBe(422);

    const unchanged = await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }));
    expect(unchanged).toMatchObject({ status: "active", writtenPremium: 12000, cancellation: null });
    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    expect(timeline.data.map((x: { type: string }) => x.type)).toEqual(["new_business"]);
  });

  it("concurrent endorsements: each one answered 200 is on the timeline with exactly one event, and no 409 leaves a trace", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission());
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i % 4) * 3));
        const res = await call("POST", `/v1/policies/${policy.id}/endorse`, {
          apiKey: t.apiKey,
          body: { effectiveDate: "2027-03-01", changes: { annualRevenue: 8_000_000 + (i + 1) * 100_000 } },
        });
        return { status: res.status, body: await json(res) };
      }),
    );
    for (const r of results) expect([200, 409]).toContain(r.status);
    const committed = results.filter((r) => r.status === 200).map((r) => r.body.transaction.id as string);
    expect(committed.length).toBeGreaterThan(0);

    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    const endorsements = timeline.data.filter((x: { type: string }) => x.type === "endorsement").map((x: { id: string }) => x.id);
    expect(endorsements.sort()).toEqual([...committed].sort());
    const events = (await eventsOf(t.orgId)).filter((e) => e.type === "policy.endorsed").map((e) => e.data.transactionId);
    expect(events.sort()).toEqual([...committed].sort());
  });

  it("a policy whose term has ended reads as expired: listed as such, not endorsable or cancellable, renewable", async () => {
    const t = await createTenant();
    // Coverage dates are taken from 60 days back to 18 months ahead, so the first term is written
    // today and the org's clock moves on until it nearly ends; the second starts then.
    const ended = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(0), insuredName: "Ended Co" }));
    await setClock(t.orgId, { advanceDays: 340 });
    const current = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(340), insuredName: "Current Co" }));
    expect((await json(await call("GET", `/v1/policies/${ended.id}`, { apiKey: t.apiKey }))).status).toBe("active");
    // Forty days on, the first term (to testDay(365)) has ended and the second has not.
    const clock = await setClock(t.orgId, { advanceDays: 40 });
    expect(clock.today).toBe(testDay(380));
    expect((await json(await call("GET", `/v1/policies/${ended.id}`, { apiKey: t.apiKey }))).status).toBe("expired");

    const ids = async (status: string) => (await json(await call("GET", `/v1/policies?status=${status}`, { apiKey: t.apiKey }))).data.map((p: { id: string }) => p.id);
    expect(await ids("expired")).toEqual([ended.id]);
    expect(await ids("active")).toEqual([current.id]);

    const endorse = await call("POST", `/v1/policies/${ended.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: testDay(350), changes: { requestedLimit: 2_000_000 } } });
    expect(endorse.status).toBe(422);
    expect(await json(endorse)).toMatchObject({ error: "invalid_state_transition", details: { status: "expired" } });
    const cancel = await call("POST", `/v1/policies/${ended.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: testDay(350), method: "pro_rata", reason: "other" } });
    expect(cancel.status).toBe(422);
    expect((await call("POST", `/v1/policies/${ended.id}/renew`, { apiKey: t.apiKey })).status).toBe(201);
  });

  it("judges the reinstatement window by the org's clock: a backdated request does not reopen it", async () => {
    const t = await createTenant();
    // Written today, then 200 days on the org's clock: dates are judged from where the clock stands.
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(0) }));
    await setClock(t.orgId, { advanceDays: 200 });
    const day = (n: number) => testDay(200 + n);
    const cancelledOn = day(-40);
    await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: cancelledOn, method: "pro_rata", reason: "insured_request" } });

    for (const body of [{}, { effectiveDate: day(-35) }, { effectiveDate: cancelledOn }]) {
      const res = await call("POST", `/v1/policies/${policy.id}/reinstate`, { apiKey: t.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await json(res)).toMatchObject({ error: "business_rule_violation", details: { cancellationDate: cancelledOn, reinstatementDate: day(0) } });
    }
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).status).toBe("cancelled");
  });

  it("cancels, refuses a second cancel, reinstates within 30 days, renews, and every step is on the timeline", async () => {
    const t = await createTenant();
    // A year wholly ahead of the test calendar, so the reinstatement window (judged by the org's clock) is open.
    const Y = PLAIN_YEAR;
    const base = glSubmission({ effectiveDate: `${Y}-01-01` });
    const policy = await bindPolicy(t.apiKey, { ...base, annualRevenue: revenueForPremium(1_200_000, base) });

    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: `${Y}-05-01`, method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    expect((await json(cancelled)).policy).toMatchObject({ status: "cancelled", writtenPremium: 3945.21, cancellation: { method: "pro_rata", returnPremium: 8054.79 } });
    const twice = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: `${Y}-06-01`, method: "pro_rata", reason: "other" } });
    expect(twice.status).toBe(422);
    expect((await json(twice)).error).toBe("invalid_state_transition");

    const late = await call("POST", `/v1/policies/${policy.id}/reinstate`, { apiKey: t.apiKey, body: { effectiveDate: `${Y}-06-15` } });
    expect(late.status).toBe(422);
    const reinstated = await call("POST", `/v1/policies/${policy.id}/reinstate`, { apiKey: t.apiKey, body: { effectiveDate: `${Y}-05-20` } });
    expect(reinstated.status).toBe(200);
    const r = await json(reinstated);
    expect(r.transaction).toMatchObject({ type: "reinstatement", premiumDelta: 8054.79, effectiveDate: `${Y}-05-01` });
    expect(r.policy).toMatchObject({ status: "active", writtenPremium: 12000, cancellation: null });

    const renewal = await call("POST", `/v1/policies/${policy.id}/renew`, { apiKey: t.apiKey });
    expect(renewal.status).toBe(201);
    const { submission, quote } = await json(renewal);
    expect(submission).toMatchObject({ status: "quoted", effectiveDate: `${Y + 1}-01-01`, renewalOfPolicyId: policy.id, currentQuoteId: quote.id });
    expect(quote.grossPremium).toBeGreaterThan(0);
    expect((await call("POST", `/v1/policies/${policy.id}/renew`, { apiKey: t.apiKey })).status).toBe(422);
    const renewed = await json(await call("POST", `/v1/submissions/${submission.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }));
    expect(renewed.policyNumber).toBe(`GL-${Y + 1}-000001`);
    expect(renewed.renewalOfPolicyId).toBe(policy.id);
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).renewedByPolicyId).toBe(renewed.id);

    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    expect(timeline.data.map((x: { type: string }) => x.type)).toEqual(["new_business", "cancellation", "reinstatement", "renewal"]);
    for (const tx of timeline.data) expect(tx).toMatchObject({ policyId: policy.id, currency: "USD", actor: t.apiKeyId });
    expect(timeline.data[1].details).toMatchObject({ method: "pro_rata", reason: "insured_request", termDays: 365, unexpiredDays: 245, factor: "245/365" });
    const newTimeline = await json(await call("GET", `/v1/policies/${renewed.id}/timeline`, { apiKey: t.apiKey }));
    expect(newTimeline.data.map((x: { type: string }) => x.type)).toEqual(["renewal"]);

    const events = await eventsOf(t.orgId);
    expect(events.map((e) => e.type)).toEqual([
      "submission.created", "submission.quoted", "policy.bound", "policy.cancelled", "policy.reinstated",
      "submission.created", "submission.quoted", "policy.bound", "policy.renewed",
    ]);
    expect(events.find((e) => e.type === "policy.reinstated")!.data).toMatchObject({
      policyId: policy.id,
      reversesTransactionId: timeline.data[1].id,
      premiumDelta: timeline.data[2].premiumDelta,
      cancellationMethod: "pro_rata",
    });
    const bound = events.filter((e) => e.type === "policy.bound").map((e) => e.data);
    expect(bound.map((d) => d.transactionType)).toEqual(["new_business", "renewal"]);
    expect(bound[1]).toMatchObject({ policyId: renewed.id, policyNumber: `GL-${Y + 1}-000001`, renewalOfPolicyId: policy.id });
  });

  it("endorses pro rata by remaining days, with a preview that changes nothing", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ annualRevenue: revenueForPremium(1_200_000) }));
    const body = { effectiveDate: "2027-07-01", changes: { requestedLimit: 2000000 }, description: "Raise the limit" };
    const preview = await json(await call("POST", `/v1/policies/${policy.id}/endorse?preview=true`, { apiKey: t.apiKey, body }));
    const d = preview.transaction.details;
    expect(d).toMatchObject({ previousAnnualPremium: 12000, remainingDays: 184, termDays: 365 });
    const expectedDelta = Math.round(((Math.round(d.newAnnualPremium * 100) - 1_200_000) * 184) / 365) / 100;
    expect(preview.transaction.premiumDelta).toBe(expectedDelta);
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).limit).toBe(1000000);

    const real = await json(await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body }));
    expect(real.transaction.premiumDelta).toBe(expectedDelta);
    expect(real.policy).toMatchObject({ limit: 2000000, annualPremium: d.newAnnualPremium });
    expect(Math.round(real.policy.writtenPremium * 100)).toBe(1_200_000 + Math.round(expectedDelta * 100));
    const outside = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { ...body, effectiveDate: "2028-02-01" } });
    expect(outside.status).toBe(400);
    expect((await json(outside)).details.field).toBe("effectiveDate");
    expect((await eventsOf(t.orgId)).at(-1)).toMatchObject({ type: "policy.endorsed", data: { policyId: policy.id } });
  });

  it("filters policies by status, line, state, dates and insured name", async () => {
    const t = await createTenant();
    const a = await bindPolicy(t.apiKey, glSubmission({ insuredName: "Alpha Roofing" }));
    await bindPolicy(t.apiKey, glSubmission({ insuredName: "Beta Foods", state: "WA", effectiveDate: "2027-06-01" }));
    await call("POST", `/v1/policies/${a.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: "2027-01-01", method: "flat", reason: "insured_request" } });
    const q = async (query: string) => (await json(await call("GET", `/v1/policies?${query}`, { apiKey: t.apiKey }))).data.map((p: { insuredName: string }) => p.insuredName);
    expect(await q("status=cancelled")).toEqual(["Alpha Roofing"]);
    expect(await q("state=WA")).toEqual(["Beta Foods"]);
    expect(await q("effectiveFrom=2027-02-01")).toEqual(["Beta Foods"]);
    expect(await q("insuredName=alpha")).toEqual(["Alpha Roofing"]);
    expect(await q("lineOfBusiness=PROP")).toEqual([]);
  });
});
