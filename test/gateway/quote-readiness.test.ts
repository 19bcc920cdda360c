/**
 * Quote readiness is enforced at quote time, on the org's sandbox clock: cover backdated up to 60
 * days is quoted `referred` (reason `backdated_effective_date`), further back it is 422
 * `submission_not_ready` naming the failed checks, and readiness never says ready while a blocking
 * check fails. Submissions start ahead and the clock moves on, as cover becomes backdated in practice.
 */
import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json, setClock } from "./harness.ts";
import { approverKey, eventsOf, glSubmission } from "./lifecycle-harness.ts";

describe("quote readiness at quote time", () => {
  it("cover ten days back is quoted referred for backdating; a manager's approval releases it for binding", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(5) }) }));
    await setClock(t.orgId, { advanceDays: 15 });

    const readiness = await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(readiness.failedChecks).toEqual([
      expect.objectContaining({ name: "effective_date_in_past", passed: false, blocking: false }),
      expect.objectContaining({ name: "insured_email_missing", blocking: false }),
    ]);

    const res = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    expect(res.status).toBe(201);
    const quote = await json(res);
    expect(quote).toMatchObject({ status: "referred", authority: { withinAuthority: true } });
    const referrals = (await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }))).data;
    expect(referrals).toEqual([expect.objectContaining({ id: quote.referralId, quoteId: quote.id, reasons: ["backdated_effective_date"], status: "pending" })]);
    const created = (await eventsOf(t.orgId)).filter((e) => e.type === "referral.created");
    expect(created.map((e) => e.data.reasons)).toEqual([["backdated_effective_date"]]);
    expect((await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(422);

    const manager = await approverKey(t.token);
    expect((await call("POST", `/v1/referrals/${quote.referralId}/decision`, { apiKey: manager.key, body: { decision: "approve" } })).status).toBe(200);
    expect((await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } })).status).toBe(201);
  });

  it("cover more than 60 days back is 422 submission_not_ready naming the check; readiness agrees", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(0), insuredEmail: "risk@pcb.example" }) }));
    await setClock(t.orgId, { advanceDays: 61 });

    const res = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body).toMatchObject({ error: "submission_not_ready", details: { failedChecks: ["effective_date_over_60_days_past"] } });
    expect(body.details.checks[0].message).toContain("61 days before");
    expect(body.requestId).toMatch(/^req_/);

    const after = await json(await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey }));
    expect(after).toMatchObject({ status: "received", currentQuoteId: null });
    // Score 70 would pass the threshold; the blocking check keeps it not ready.
    expect(after.triage).toEqual({ score: 70, ready: false, flags: ["effective_date_in_past", "effective_date_over_60_days_past"] });
    const readiness = await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(readiness).toMatchObject({ ready: false, score: 70 });
    expect(readiness.failedChecks.filter((c: { blocking: boolean }) => c.blocking).map((c: { name: string }) => c.name)).toEqual(["effective_date_over_60_days_past"]);
    expect((await json(await call("GET", `/v1/referrals?submissionId=${sub.id}`, { apiKey: t.apiKey }))).data).toEqual([]);
  });

  it("a PROP submission without property values is refused at quote, naming lob_exposure_missing", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ lineOfBusiness: "PROP", naicsCode: "531120" }) }));
    expect(sub.triage.ready).toBe(false);
    const res = await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ error: "submission_not_ready", details: { failedChecks: ["lob_exposure_missing"] } });
  });
});
