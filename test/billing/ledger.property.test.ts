/**
 * The money invariant of billing, over random histories of a policy: bind on every plan, endorsements
 * up and down, cancellations of any size (flat returns everything), reinstatements, and manual
 * payments (partial, exact, over the amount due), card payments (whatever the invoice asks by then),
 * refunds and voids on any invoice, in any order.
 * After every step:
 * - Σ invoiced premium − Σ credited premium = the policy's written premium, to the cent;
 * - on every invoice, 0 ≤ paid − refunded ≤ its net, so Σ paid − Σ refunded ≤ Σ invoiced and no
 *   invoice is paid twice; an overpayment is refused and changes nothing;
 * - fees and taxes are never credited as premium (nor premium waived as a fee);
 * - statuses agree with the money: open asks something, paid has its net collected, void nets zero.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "#shared/dates";
import { newId } from "#shared/ids";
import type { BillingPolicyFacts, BillingTransaction } from "#shared/rpc";
import {
  amountDueOf,
  applyTransactions,
  chargesOf,
  collectedOf,
  emptyLedger,
  netOf,
  pay,
  premiumOf,
  refund,
  voidInvoice,
  type Ledger,
} from "../../workers/billing/src/ledger.ts";
import { receiveCardPayment } from "../../workers/billing/src/card-ledger.ts";
import { installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";
import type { InstallmentPlan } from "../../workers/underwriting/src/rating/types.ts";

const PLANS: InstallmentPlan[] = ["PIF", "TWO_PAY", "QUARTERLY", "MONTHLY_10", "MONTHLY_12"];
const EFFECTIVE = "2027-01-01";
const EXPIRATION = "2028-01-01";

type Op =
  | { t: "advance"; days: number }
  | { t: "endorse"; cents: number; up: boolean }
  | { t: "cancel"; permille: number; flat: boolean }
  | { t: "reinstate" }
  | { t: "pay"; pick: number; percent: number }
  | { t: "overpay"; pick: number }
  /** A card payment Stripe took for `cents` (it may exceed what the invoice asks by now, or hit a paid or void one). */
  | { t: "card"; pick: number; cents: number }
  | { t: "refund"; pick: number; percent: number; all: boolean }
  | { t: "void"; pick: number }
  | { t: "redeliver" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ t: fc.constant("endorse" as const), cents: fc.integer({ min: 1, max: 2_000_000 }), up: fc.boolean() }),
  fc.record({ t: fc.constant("cancel" as const), permille: fc.integer({ min: 0, max: 1000 }), flat: fc.boolean() }),
  fc.record({ t: fc.constant("reinstate" as const) }),
  fc.record({ t: fc.constant("pay" as const), pick: fc.nat(), percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ t: fc.constant("pay" as const), pick: fc.nat(), percent: fc.constant(100) }),
  fc.record({ t: fc.constant("overpay" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("card" as const), pick: fc.nat(), cents: fc.integer({ min: 50, max: 3_000_000 }) }),
  fc.record({ t: fc.constant("refund" as const), pick: fc.nat(), percent: fc.integer({ min: 1, max: 100 }), all: fc.boolean() }),
  fc.record({ t: fc.constant("void" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("redeliver" as const) }),
);

const ctxAt = (day: string) => ({ newId: (p: "inv" | "pay" | "rfd" | "cdt") => newId(p), at: `${day}T12:00:00.000Z` });

function check(ledger: Ledger, written: number): void {
  const invoiced = ledger.invoices.reduce((s, i) => s + premiumOf(i), 0);
  const credited = ledger.invoices.reduce((s, i) => s + i.premiumCreditedCents, 0);
  expect(invoiced - credited).toBe(written);
  let collected = 0;
  let net = 0;
  for (const inv of ledger.invoices) {
    const c = collectedOf(inv);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThanOrEqual(netOf(inv));
    expect(inv.premiumCreditedCents).toBeLessThanOrEqual(premiumOf(inv));
    expect(inv.chargesWaivedCents).toBeLessThanOrEqual(chargesOf(inv));
    expect(inv.premiumCreditedCents).toBeGreaterThanOrEqual(0);
    expect(inv.chargesWaivedCents).toBeGreaterThanOrEqual(0);
    if (inv.status === "open") expect(netOf(inv) - c).toBeGreaterThan(0);
    if (inv.status === "paid") expect(c).toBe(netOf(inv));
    if (inv.status === "void") expect([netOf(inv), c]).toEqual([0, 0]);
    collected += c;
    net += netOf(inv);
  }
  expect(collected).toBeLessThanOrEqual(net);
  // Credits never touch charges: every credit entry's premium part is premium, and charges are waived only by a void.
  for (const e of ledger.entries) if (e.type === "credit" && e.chargesCents > 0) expect(["void", "cancellation"]).toContain(e.reason);
}

describe("billing's ledger over random policy histories", () => {
  it("keeps invoiced premium minus credits equal to written premium, and never collects more than an invoice nets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLANS),
        fc.integer({ min: 50_000, max: 5_000_000 }),
        fc.array(fc.record({ name: fc.constantFrom("Surplus lines tax", "Stamping fee", "Policy fee"), amountCents: fc.integer({ min: 0, max: 50_000 }) }), { maxLength: 2 }),
        fc.array(op, { maxLength: 30 }),
        (plan, premium, charges, ops) => {
          const facts: BillingPolicyFacts = {
            policyId: newId("pol"),
            policyNumber: "GL-2027-000001",
            insuredName: "Property Test LLC",
            installmentPlan: plan,
            effectiveDate: EFFECTIVE,
            expirationDate: EXPIRATION,
            writtenPremiumCents: premium,
            installments: installmentSchedule(plan, premium, EFFECTIVE),
            taxes: charges.filter((c) => c.name.endsWith("tax")),
            fees: charges.filter((c) => !c.name.endsWith("tax")),
            transactions: [],
          };
          let day = EFFECTIVE;
          let written = premium;
          let cancelled: { id: string; returned: number } | null = null;
          let applied = 0;
          const ledger = emptyLedger([]);
          const transact = (t: Omit<BillingTransaction, "seq" | "createdAt" | "transactionId">, id = newId("txn")) => {
            facts.transactions.push({ ...t, transactionId: id, seq: facts.transactions.length + 1, createdAt: `${day}T12:00:00.000Z` });
            applied = applyTransactions(ledger, { newId: (p) => newId(p) }, facts, applied);
            return id;
          };
          transact({ type: "new_business", effectiveDate: EFFECTIVE, premiumDeltaCents: premium, reversesTransactionId: null });
          check(ledger, written);
          for (const o of ops) {
            const pick = (n: number) => ledger.invoices[n % ledger.invoices.length]!;
            switch (o.t) {
              case "advance":
                day = addDays(day, o.days) < EXPIRATION ? addDays(day, o.days) : day;
                break;
              case "endorse": {
                if (cancelled) break;
                const delta = o.up ? o.cents : -Math.min(o.cents, written);
                written += delta;
                transact({ type: "endorsement", effectiveDate: day, premiumDeltaCents: delta, reversesTransactionId: null });
                break;
              }
              case "cancel": {
                if (cancelled) break;
                const returned = o.flat ? written : Math.floor((written * o.permille) / 1000);
                written -= returned;
                cancelled = { id: transact({ type: "cancellation", effectiveDate: day, premiumDeltaCents: -returned, reversesTransactionId: null }), returned };
                break;
              }
              case "reinstate": {
                if (!cancelled) break;
                written += cancelled.returned;
                transact({ type: "reinstatement", effectiveDate: day, premiumDeltaCents: cancelled.returned, reversesTransactionId: cancelled.id });
                cancelled = null;
                break;
              }
              case "pay": {
                const inv = pick(o.pick);
                const due = amountDueOf(inv);
                const open = inv.status === "open";
                const amount = Math.max(1, Math.floor((due * o.percent) / 100));
                const refusal = pay(ledger, ctxAt(day), inv.id, { amountCents: amount, method: "check", reference: null, receivedAt: `${day}T12:00:00.000Z` });
                expect(refusal === null).toBe(open && due > 0);
                break;
              }
              case "overpay": {
                const inv = pick(o.pick);
                const before = JSON.stringify(ledger.invoices);
                const refusal = pay(ledger, ctxAt(day), inv.id, { amountCents: amountDueOf(inv) + 1, method: "wire", reference: null, receivedAt: `${day}T12:00:00.000Z` });
                expect(refusal).not.toBeNull();
                expect(JSON.stringify(ledger.invoices)).toBe(before);
                break;
              }
              case "card": {
                // Never refused: what the invoice no longer asks is refunded at once (card-ledger.ts).
                const inv = pick(o.pick);
                const room = inv.status === "open" ? amountDueOf(inv) : 0;
                const { excessCents } = receiveCardPayment(ledger, ctxAt(day), inv.id, { amountCents: o.cents, paymentIntentId: "pi_property", receivedAt: `${day}T12:00:00.000Z` });
                expect(excessCents).toBe(Math.max(0, o.cents - room));
                break;
              }
              case "refund": {
                const inv = pick(o.pick);
                const amount = Math.max(1, Math.ceil((collectedOf(inv) * o.percent) / 100));
                refund(ledger, ctxAt(day), inv.id, { ...(o.all ? {} : { amountCents: amount }), reason: "property" });
                break;
              }
              case "void":
                voidInvoice(ledger, ctxAt(day), pick(o.pick).id);
                break;
              case "redeliver":
                // A redelivered event finds nothing past the applied sequence: nothing is invoiced again.
                expect(applyTransactions(ledger, { newId: (p) => newId(p) }, facts, applied)).toBe(applied);
                break;
            }
            check(ledger, written);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
