/**
 * Invoices through BillingService: lists and their filters, manual payments (partial, exact, over the
 * amount due, concurrent), void with its re-issue, refunds, tenancy, and the money of a cancellation
 * and its reinstatement with worked numbers.
 */
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import type { BillingInvoice } from "#shared/rpc";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { billedPolicy as bound, invoicesOf as all, rpc, transact } from "./harness.ts";

const sumOf = (xs: BillingInvoice[], f: (i: BillingInvoice) => number) => Math.round(xs.reduce((s, i) => s + f(i) * 100, 0));

describe("invoice lists", () => {
  it("filter by status, policy, due dates and overdue on the org's today", async () => {
    // Effective two months before the test calendar's today: the first installments are past due.
    const { principal, facts, invoices } = await bound("MONTHLY_12", 1_200_000, "2026-10-01");
    expect(invoices).toHaveLength(12);
    const overdue = unwrap(await rpc.listInvoices(principal, { overdue: true, limit: 100 })).data;
    expect(overdue.map((i) => i.dueDate).sort()).toEqual(["2026-10-01", "2026-11-01"]);
    expect(overdue.every((i) => i.overdue)).toBe(true);
    expect(unwrap(await rpc.listInvoices(principal, { overdue: false, limit: 100 })).data).toHaveLength(10);
    const window = unwrap(await rpc.listInvoices(principal, { dueAfter: "2027-01-01", dueBefore: "2027-03-01", limit: 100 })).data;
    expect(window.map((i) => i.dueDate).sort()).toEqual(["2027-01-01", "2027-02-01", "2027-03-01"]);
    expect(unwrap(await rpc.listInvoices(principal, { policyId: facts.policyId, limit: 5 })).nextCursor).not.toBeNull();
    expect(unwrap(await rpc.listInvoices(principal, { policyId: newId("pol") })).data).toEqual([]);
    expect(unwrap(await rpc.listInvoices(principal, { status: "paid" })).data).toEqual([]);
    expect(errorOf(await rpc.listInvoices(principal, { dueBefore: "2027-02-30" }))).toMatchObject({ code: "validation_failed", details: { field: "dueBefore" } });
  });

  it("show another org's invoices to nobody: 404 for every read and write", async () => {
    const { invoices } = await bound("PIF", 100_000);
    const stranger = newPrincipal();
    const id = invoices[0]!.id;
    expect(errorOf(await rpc.getInvoice(stranger, id)).code).toBe("not_found");
    expect(errorOf(await rpc.payInvoice(stranger, id, { amount: 1, method: "check" })).code).toBe("not_found");
    expect(errorOf(await rpc.voidInvoice(stranger, id)).code).toBe("not_found");
    expect(errorOf(await rpc.refundInvoice(stranger, id, { reason: "x" })).code).toBe("not_found");
    expect(unwrap(await rpc.listInvoices(stranger, {})).data).toEqual([]);
  });
});

describe("manual payments", () => {
  it("take partial payments, settle the invoice at its amount due, and refuse more than it asks", async () => {
    const { principal, invoices } = await bound("QUARTERLY", 400_000);
    const first = invoices[0]!;
    expect(first).toMatchObject({ total: 1350, amountDue: 1350, status: "open", kind: "installment", installmentNumber: 1 });
    const partial = unwrap(await rpc.payInvoice(principal, first.id, { amount: 350.25, method: "check", reference: "CHK 1042", receivedAt: "2026-11-30T09:00:00Z" }));
    expect(partial).toMatchObject({ status: "open", amountPaid: 350.25, amountDue: 999.75 });
    expect(partial.payments).toEqual([expect.objectContaining({ amount: 350.25, method: "check", reference: "CHK 1042", receivedAt: "2026-11-30T09:00:00.000Z" })]);
    expect(errorOf(await rpc.payInvoice(principal, first.id, { amount: 999.76, method: "ach" }))).toMatchObject({
      code: "business_rule_violation",
      details: { field: "amount", rule: "amount_exceeds_due", amountDue: 999.75 },
    });
    expect(errorOf(await rpc.payInvoice(principal, first.id, { amount: 10.001, method: "ach" }))).toMatchObject({ code: "validation_failed", details: { field: "amount" } });
    expect(errorOf(await rpc.payInvoice(principal, first.id, { amount: 1, method: "ach", receivedAt: "2030-01-01T00:00:00Z" }))).toMatchObject({ details: { field: "receivedAt", rule: "not_future" } });
    const paid = unwrap(await rpc.payInvoice(principal, first.id, { amount: 999.75, method: "wire" }));
    expect(paid).toMatchObject({ status: "paid", amountDue: 0, amountPaid: 1350 });
    expect(paid.paidAt).not.toBeNull();
    expect(errorOf(await rpc.payInvoice(principal, first.id, { amount: 1, method: "cash" }))).toMatchObject({ code: "invalid_state_transition", details: { status: "paid" } });
  });

  it("of two concurrent payments that together exceed the amount due, accept only the one that fits", async () => {
    const { principal, invoices } = await bound("TWO_PAY", 200_000);
    const second = invoices[1]!;
    expect(second.amountDue).toBe(1000);
    const results = await Promise.all([
      rpc.payInvoice(principal, second.id, { amount: 600, method: "check" }),
      rpc.payInvoice(principal, second.id, { amount: 600, method: "ach" }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(errorOf(results.find((r) => !r.ok)!)).toMatchObject({ code: "business_rule_violation", details: { amountDue: 400 } });
    expect(unwrap(await rpc.getInvoice(principal, second.id))).toMatchObject({ amountPaid: 600, amountDue: 400, payments: [expect.anything()] });
  });
});

describe("void and refund", () => {
  it("void an open unpaid invoice, waiving its fee and re-issuing its premium due the same day; refuse a paid one", async () => {
    const { principal, invoices } = await bound("MONTHLY_10", 1_000_000);
    const third = invoices[2]!;
    expect(third.lines.map((l) => [l.kind, l.amount])).toEqual([["premium", 1000], ["installment_fee", 8]]);
    const voided = unwrap(await rpc.voidInvoice(principal, third.id));
    expect(voided).toMatchObject({ status: "void", amountDue: 0, amountCredited: 1008 });
    const reissue = unwrap(await rpc.getInvoice(principal, voided.reissuedAs!));
    expect(reissue).toMatchObject({ kind: "reissue", reissueOf: third.id, dueDate: third.dueDate, total: 1000, status: "open", installmentNumber: 3 });
    expect(errorOf(await rpc.voidInvoice(principal, third.id))).toMatchObject({ code: "invalid_state_transition", details: { status: "void" } });
    unwrap(await rpc.payInvoice(principal, invoices[1]!.id, { amount: 10, method: "cash" }));
    expect(errorOf(await rpc.voidInvoice(principal, invoices[1]!.id)).code).toBe("invalid_state_transition");
  });

  it("refund at most what was paid and not yet refunded; a paid invoice refunded opens again for the rest", async () => {
    const { principal, invoices } = await bound("PIF", 100_000);
    const only = invoices[0]!;
    expect(errorOf(await rpc.refundInvoice(principal, only.id, { reason: "nothing paid" })).code).toBe("invalid_state_transition");
    unwrap(await rpc.payInvoice(principal, only.id, { amount: only.amountDue, method: "wire" }));
    expect(errorOf(await rpc.refundInvoice(principal, only.id, { amount: only.total + 0.01, reason: "too much" }))).toMatchObject({
      code: "business_rule_violation",
      details: { refundable: only.total },
    });
    const part = unwrap(await rpc.refundInvoice(principal, only.id, { amount: 100, reason: "Duplicate wire" }));
    expect(part).toMatchObject({ status: "open", amountRefunded: 100, amountDue: 100 });
    expect(part.refunds).toEqual([expect.objectContaining({ amount: 100, reason: "Duplicate wire", transactionId: null })]);
    const rest = unwrap(await rpc.refundInvoice(principal, only.id, { reason: "Policy never started" }));
    expect(rest).toMatchObject({ amountRefunded: only.total, amountDue: only.total });
  });
});

describe("the money of a cancellation and its reinstatement", () => {
  it("voids the future installments, refunds the paid unearned premium, and a reinstatement re-issues them and bills the rest", async () => {
    // $4,000 QUARTERLY from 2027-01-01: four installments of $1,000 (the first with a $250 tax and a $100 fee).
    const { principal, facts, invoices } = await bound("QUARTERLY", 400_000);
    unwrap(await rpc.payInvoice(principal, invoices[0]!.id, { amount: 1350, method: "ach" }));
    // Pro rata on 2027-02-15: 320 of 365 days unexpired, $4,000 × 320/365 = $3,506.85 returned.
    const cancelled = await transact(principal, facts, "policy.cancelled", { type: "cancellation", effectiveDate: "2027-02-15", premiumDeltaCents: -350_685, reversesTransactionId: null });
    const cancellationId = cancelled.transactions.at(-1)!.transactionId;
    let now = await all(principal);
    expect(now.map((i) => i.status)).toEqual(["paid", "void", "void", "void"]);
    // The three voided installments held $3,000; the other $506.85 comes back from what was paid.
    expect(now[0]).toMatchObject({ amountPaid: 1350, amountRefunded: 506.85, amountCredited: 506.85, status: "paid" });
    expect(now[0]!.refunds).toEqual([expect.objectContaining({ amount: 506.85, transactionId: cancellationId })]);
    // The voids took $3,000 of premium and the three $5 fees off; with the $506.85 credit, $3,506.85 of premium is credited.
    expect(now.slice(1).map((i) => i.amountCredited)).toEqual([1005, 1005, 1005]);

    await transact(principal, cancelled, "policy.reinstated", { type: "reinstatement", effectiveDate: "2027-02-15", premiumDeltaCents: 350_685, reversesTransactionId: cancellationId });
    now = await all(principal);
    const reissued = now.filter((i) => i.kind === "reissue");
    expect(reissued.map((i) => [i.dueDate, i.total, i.reissueOf])).toEqual([
      ["2027-04-01", 1005, now[1]!.id],
      ["2027-07-01", 1005, now[2]!.id],
      ["2027-10-01", 1005, now[3]!.id],
    ]);
    const extra = now.filter((i) => i.kind === "additional_premium");
    expect(extra.map((i) => i.total)).toEqual([506.85]);
    // Invoiced premium less credits is the written premium again.
    const premium = sumOf(now, (i) => i.lines.filter((l) => l.kind === "premium").reduce((s, l) => s + l.amount, 0));
    const credited = 300_000 + 50_685;
    expect(premium - credited).toBe(400_000);
  });
});
