/**
 * Invoices through the whole platform: a real bind's events reach the billing worker's own queue and
 * its invoices become listable; an endorsement and a cancellation move them; manual payments with
 * idempotency, validation, scope and tenancy; `payment.received` reaches the org's event log.
 */
import { describe, expect, it } from "vitest";
import { realNow, testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

/** Poll `read` until `done` holds of its answer (the queue runs asynchronously), or fail after 20 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(Array.isArray(value) ? value.map((v) => [v.kind, v.status, v.installmentNumber, v.total]) : value).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const invoicesOf = async (t: Tenant, policyId: string) =>
  (await json<{ data: Record<string, any>[] }>(await call("GET", `/v1/invoices?policyId=${policyId}&sort=createdAt&limit=100`, { apiKey: t.apiKey }))).data;

const cents = (n: number) => Math.round(n * 100);

describe("invoices through the gateway", () => {
  it("appear for a bound MONTHLY_10 policy, one per installment, their premium summing to the policy's", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10) }), "MONTHLY_10");
    const invoices = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.length === 9);
    expect(invoices.map((i) => i.installmentNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(invoices.map((i) => i.dueDate)).toEqual(policy.installments.map((i: { dueDate: string }) => i.dueDate));
    const premium = invoices.reduce((s, i) => s + i.lines.filter((l: { kind: string }) => l.kind === "premium").reduce((a: number, l: { amount: number }) => a + cents(l.amount), 0), 0);
    expect(premium).toBe(cents(policy.grossPremium));
    expect(invoices[1]!.lines).toContainEqual({ kind: "installment_fee", description: "Installment fee", amount: 8 });
    expect(invoices.every((i) => /^INV-\d{4}-\d{6}$/.test(i.number) && i.status === "open" && i.policyNumber === policy.policyNumber)).toBe(true);

    // Each invoice's PDF is rendered after it is written, so its documentId fills in a moment later;
    // compare the single read with a list taken once the first invoice has its document.
    const rendered = await eventually(() => invoicesOf(t, policy.id), (xs) => xs[0]?.documentId != null);
    const one = await call("GET", `/v1/invoices/${invoices[0]!.id}`, { apiKey: t.apiKey });
    expect(one.status).toBe(200);
    expect(await json(one)).toEqual(rendered[0]);
    expect(rendered[0]!.documentId).toMatch(/^doc_/);
  });

  it("follow an endorsement's additional premium and a cancellation's voids", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10) }), "QUARTERLY");
    await eventually(() => invoicesOf(t, policy.id), (xs) => xs.length === 4);
    const endorsed = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: testDay(20), changes: { annualRevenue: 9000000 } } });
    expect(endorsed.status).toBe(200);
    const delta = (await json(endorsed)).transaction.premiumDelta as number;
    expect(delta).toBeGreaterThan(0);
    const after = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.length === 5);
    expect(after[4]).toMatchObject({ kind: "additional_premium", total: delta, dueDate: testDay(50) });

    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: testDay(30), method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    // Everything due after the cancellation date is voided, the endorsement's invoice (due later) too.
    const voided = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.filter((i) => i.status === "void").length === 4);
    expect(voided.filter((i) => i.status === "void").map((i) => i.installmentNumber ?? i.kind)).toEqual([2, 3, 4, "additional_premium"]);
  });

  it("take a manual payment once per Idempotency-Key, refuse three decimals, an overpayment, a read-only key and another org", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10) }), "TWO_PAY");
    const [first] = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.length === 2);
    const pay = (body: Record<string, unknown>, headers: Record<string, string> = {}, apiKey = t.apiKey) =>
      call("POST", `/v1/invoices/${first!.id}/pay`, { apiKey, body, headers });

    const half = Math.floor(cents(first!.amountDue) / 2) / 100;
    const paid = await pay({ amount: half, method: "check", reference: "CHK 7" }, { "idempotency-key": "pay-first-half" });
    expect(paid.status).toBe(200);
    const body = await json(paid);
    expect(body).toMatchObject({ amountPaid: half, status: "open" });
    const replay = await pay({ amount: half, method: "check", reference: "CHK 7" }, { "idempotency-key": "pay-first-half" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(replay)).toEqual(body);
    expect((await json(await call("GET", `/v1/invoices/${first!.id}`, { apiKey: t.apiKey }))).payments).toHaveLength(1);

    const precise = await pay({ amount: 10.001, method: "ach" });
    expect(precise.status).toBe(400);
    expect(await json(precise)).toMatchObject({ error: "validation_failed" });
    const over = await pay({ amount: first!.amountDue, method: "wire" });
    expect(over.status).toBe(422);
    expect(await json(over)).toMatchObject({ error: "business_rule_violation", details: { rule: "amount_exceeds_due" } });

    const reader = await createApiKey(t.token, { scopes: ["invoices:read"] });
    const refused = await pay({ amount: 1, method: "cash" }, {}, reader.key);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "invoices:write" } });
    expect((await call("GET", `/v1/invoices/${first!.id}`, { apiKey: reader.key })).status).toBe(200);

    const stranger = await createTenant();
    expect((await call("GET", `/v1/invoices/${first!.id}`, { apiKey: stranger.apiKey })).status).toBe(404);
    expect((await pay({ amount: 1, method: "cash" }, {}, stranger.apiKey)).status).toBe(404);
    expect((await call("POST", `/v1/invoices/${first!.id}/void`, { apiKey: stranger.apiKey })).status).toBe(404);

    // The payment's event reaches the org's event log through the webhooks consumer.
    const events = await eventually(
      async () => (await json<{ data: Record<string, any>[] }>(await call("GET", "/v1/events?type=payment.received", { apiKey: t.apiKey }))).data,
      (xs) => xs.length === 1,
    );
    expect(events[0]).toMatchObject({ type: "payment.received", orgId: t.orgId, data: { invoiceId: first!.id, amount: half, method: "check", currency: "USD" } });
  });
});
