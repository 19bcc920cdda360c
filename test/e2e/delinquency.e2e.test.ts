import { describe, expect, it } from "vitest";
import { realNow, TEST_NOW, testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

/** Poll `read` until `done` holds (the stack's queues run on their own), or fail after 30 s. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("delinquency on the real stack (npm run dev)", () => {
  it("binds a policy, moves the clock past the grace days, runs the job: pending_cancellation with a notice, then cancelled for non_payment", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Delinquent" } });
    expect(org.status).toBe(201);
    const as = { token: apiSecret, headers: { "x-org-id": org.json.id } };
    await http("POST", "/v1/sandbox/clock", { ...as, body: { now: TEST_NOW } });
    const email = `e2e-delinquent-${crypto.randomUUID().slice(0, 8)}@insured.example`;

    const sub = await http("POST", "/v1/submissions", { ...as, body: { ...quickstartSubmission(), effectiveDate: testDay(10), insuredName: "E2E Late Payer", insuredEmail: email } });
    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, as)).status).toBe(201);
    const bound = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { ...as, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    const policyId = bound.json.id as string;
    const [invoice] = await until(async () => (await http("GET", `/v1/invoices?policyId=${policyId}`, as)).json.data as Record<string, any>[], (xs) => xs.length === 1);
    expect(invoice!.dueDate).toBe(testDay(10));

    // The grace days (15) pass unpaid: the org's clock moves, the job runs on it.
    expect((await http("POST", "/v1/sandbox/clock", { ...as, body: { advanceDays: 25 } })).json.today).toBe(testDay(25));
    const first = await http("POST", "/v1/sandbox/billing/run-delinquency", { ...as, body: {} });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ asOf: testDay(25), overdue: 1, pendingCancellation: 1, cancelled: 0 });
    const pending = await http("GET", `/v1/policies/${policyId}`, as);
    expect(pending.json).toMatchObject({ status: "pending_cancellation", pendingCancellation: { invoiceId: invoice!.id, cancelOn: testDay(35) } });
    const notices = await http("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}`, { token: apiSecret });
    expect(notices.json.data).toHaveLength(1);
    expect(notices.json.data[0]).toMatchObject({ kind: "pending_cancellation_notice" });
    expect(notices.json.data[0].body).toContain(invoice!.number);

    // Ten days later, still unpaid: cancelled pro rata for non-payment as of that day.
    await http("POST", "/v1/sandbox/clock", { ...as, body: { advanceDays: 10 } });
    expect((await http("POST", "/v1/sandbox/billing/run-delinquency", { ...as, body: {} })).json).toMatchObject({ cancelled: 1 });
    const cancelled = await http("GET", `/v1/policies/${policyId}`, as);
    expect(cancelled.json).toMatchObject({ status: "cancelled", pendingCancellation: null, cancellation: { effectiveDate: testDay(35), method: "pro_rata", reason: "non_payment" } });
    // Billing follows the cancellation's event: the unpaid invoice is credited the return premium.
    const credited = await until(async () => (await http("GET", `/v1/invoices/${invoice!.id}`, as)).json, (inv) => inv.amountCredited > 0);
    expect(Math.round(credited.amountCredited * 100)).toBe(Math.round(cancelled.json.cancellation.returnPremium * 100));
    // Once more on the same day: nothing.
    expect((await http("POST", "/v1/sandbox/billing/run-delinquency", { ...as, body: {} })).json).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
  });
});
