/**
 * The ledger's rules with worked numbers: when additional premium falls due, where return premium
 * goes (what open invoices still ask, latest due first, before any refund), what a cancellation
 * bills when the voided installments hold more than it returns, and what a reinstatement re-issues.
 */
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import type { BillingPolicyFacts } from "#shared/rpc";
import { additionalPremiumDueDate, amountDueOf, applyTransactions, collectedOf, emptyLedger, pay, premiumOf, type Ledger } from "../../workers/billing/src/ledger.ts";
import { installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";

const ids = { newId: (p: "inv" | "pay" | "rfd" | "cdt") => newId(p) };
const at = (day: string) => ({ ...ids, at: `${day}T12:00:00.000Z` });

function quarterly(premiumCents: number): { facts: BillingPolicyFacts; ledger: Ledger; applied: number } {
  const facts: BillingPolicyFacts = {
    policyId: newId("pol"),
    policyNumber: "GL-2027-000001",
    insuredName: "Worked Example Co",
    installmentPlan: "QUARTERLY",
    effectiveDate: "2027-01-01",
    expirationDate: "2028-01-01",
    writtenPremiumCents: premiumCents,
    installments: installmentSchedule("QUARTERLY", premiumCents, "2027-01-01"),
    taxes: [],
    fees: [],
    transactions: [{ transactionId: newId("txn"), seq: 1, type: "new_business", effectiveDate: "2027-01-01", premiumDeltaCents: premiumCents, reversesTransactionId: null, createdAt: "2026-12-01T12:00:00.000Z" }],
  };
  const ledger = emptyLedger([]);
  return { facts, ledger, applied: applyTransactions(ledger, ids, facts, 0) };
}

function add(state: ReturnType<typeof quarterly>, t: Omit<BillingPolicyFacts["transactions"][number], "seq" | "transactionId" | "createdAt">) {
  state.facts.transactions.push({ ...t, transactionId: newId("txn"), seq: state.facts.transactions.length + 1, createdAt: `${t.effectiveDate}T12:00:00.000Z` });
  state.applied = applyTransactions(state.ledger, ids, state.facts, state.applied);
  return state.facts.transactions.at(-1)!.transactionId;
}

describe("additional premium's due date", () => {
  const schedule = installmentSchedule("QUARTERLY", 400_000, "2027-01-01");
  it.each([
    // 30 days later (2027-03-17) is before the next installment (2027-04-01).
    ["2027-02-15", "2027-03-17"],
    // The next installment (2027-04-01) comes before 30 days later (2027-04-19).
    ["2027-03-20", "2027-04-01"],
    // An installment on the effective date itself is not "next".
    ["2027-04-01", "2027-05-01"],
    // After the last installment: 30 days.
    ["2027-11-15", "2027-12-15"],
  ])("effective %s is due %s", (effective, due) => {
    expect(additionalPremiumDueDate(effective, schedule)).toBe(due);
  });
});

describe("return premium", () => {
  it("credits what open invoices ask, latest due first, and refunds only when nothing open is left", () => {
    const s = quarterly(400_000);
    pay(s.ledger, at("2027-01-01"), s.ledger.invoices[0]!.id, { amountCents: 100_000, method: "ach", reference: null, receivedAt: "2027-01-01T12:00:00.000Z" });
    add(s, { type: "endorsement", effectiveDate: "2027-02-01", premiumDeltaCents: -150_000, reversesTransactionId: null });
    // $1,500 back: the October installment ($1,005 with its $5 fee, premium $1,000) is credited whole, then $500 of July's.
    expect(s.ledger.invoices.map((i) => [i.premiumCreditedCents, amountDueOf(i), i.status])).toEqual([
      [0, 0, "paid"],
      [0, 100_500, "open"],
      [50_000, 50_500, "open"],
      [100_000, 500, "open"],
    ]);
    expect(s.ledger.entries.filter((e) => e.type === "refund")).toEqual([]);
    // A further $2,500 down: the open premium left ($500 of July's, $1,000 of April's) is credited, then the
    // last $1,000 comes back from the paid January invoice as a refund.
    add(s, { type: "endorsement", effectiveDate: "2027-02-02", premiumDeltaCents: -250_000, reversesTransactionId: null });
    expect(s.ledger.invoices[0]).toMatchObject({ premiumCreditedCents: 100_000, refundedCents: 100_000, status: "paid" });
    expect(s.ledger.entries.filter((e) => e.type === "refund").map((e) => e.type === "refund" && e.amountCents)).toEqual([100_000]);
    expect(s.ledger.invoices.reduce((sum, i) => sum + premiumOf(i) - i.premiumCreditedCents, 0)).toBe(0);
  });
});

describe("cancellation and reinstatement", () => {
  it("bills earned, unbilled premium when the voided installments hold more than the return, and a reinstatement takes it back", () => {
    const s = quarterly(400_000);
    // Short rate on 2027-08-01 returns $1,000 of $4,000; the October installment ($1,000) is voided: nothing more to bill or return.
    const exact = add(s, { type: "cancellation", effectiveDate: "2027-08-01", premiumDeltaCents: -100_000, reversesTransactionId: null });
    expect(s.ledger.invoices.map((i) => i.status)).toEqual(["open", "open", "open", "void"]);
    expect(s.ledger.invoices.filter((i) => i.kind === "earned_premium")).toEqual([]);
    add(s, { type: "reinstatement", effectiveDate: "2027-08-01", premiumDeltaCents: 100_000, reversesTransactionId: exact });
    expect(s.ledger.invoices.at(-1)).toMatchObject({ kind: "reissue", dueDate: "2027-10-01", status: "open", reissueOf: s.ledger.invoices[3]!.id });
  });

  it("bills $500 earned but unbilled when a cancellation on 2027-02-15 returns $2,500 and the three voided installments held $3,000", () => {
    const s = quarterly(400_000);
    // A return of $2,500 against $3,000 voided: $500 earned and billed now.
    add(s, { type: "cancellation", effectiveDate: "2027-02-15", premiumDeltaCents: -250_000, reversesTransactionId: null });
    const earned = s.ledger.invoices.find((i) => i.kind === "earned_premium")!;
    expect(earned).toMatchObject({ dueDate: "2027-02-15", status: "open" });
    expect(premiumOf(earned)).toBe(50_000);
    expect(collectedOf(earned)).toBe(0);
  });
});
