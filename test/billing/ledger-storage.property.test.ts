/**
 * The ledger as D1 stores it, over random histories driven the way production drives it (policy events
 * through the consumer, payments, voids and refunds through BillingService): after every step the rows
 * keep the money invariant, every invoice's columns equal the sum of its entries, and the org's
 * invoice numbers run 1..n with no gap. Also: two policies invoiced at once share the org's counter
 * without a gap or a duplicate.
 */
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import type { BillingPolicyFacts } from "#shared/rpc";
import { invoiceEntries, invoices } from "../../workers/billing/src/schema.ts";
import { newPrincipal } from "../support/principals.ts";
import { boundFacts, db, deliver, policyEvent, put, rpc, withTransaction } from "./harness.ts";

async function checkRows(orgId: string, written: number) {
  const rows = await db().select().from(invoices).where(eq(invoices.orgId, orgId)).all();
  const entries = await db().select().from(invoiceEntries).where(eq(invoiceEntries.orgId, orgId)).all();
  expect(rows.reduce((s, r) => s + r.premiumCents - r.premiumCreditedCents, 0)).toBe(written);
  for (const r of rows) {
    const mine = entries.filter((e) => e.invoiceId === r.id);
    const total = (type: string, f: (e: (typeof entries)[number]) => number) => mine.filter((e) => e.type === type).reduce((s, e) => s + f(e), 0);
    expect([r.paidCents, r.refundedCents, r.premiumCreditedCents, r.chargesWaivedCents]).toEqual([
      total("payment", (e) => e.amountCents),
      total("refund", (e) => e.amountCents),
      total("credit", (e) => e.premiumCents),
      total("credit", (e) => e.chargesCents),
    ]);
    expect(r.paidCents - r.refundedCents).toBeLessThanOrEqual(r.totalCents - r.premiumCreditedCents - r.chargesWaivedCents);
  }
  expect(rows.map((r) => r.number).sort()).toEqual(rows.map((_, i) => `INV-2026-${String(i + 1).padStart(6, "0")}`));
}

type Step = { t: "endorse"; cents: number; up: boolean } | { t: "cancel"; permille: number } | { t: "reinstate" } | { t: "pay"; pick: number; percent: number } | { t: "void"; pick: number } | { t: "refund"; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constant("endorse" as const), cents: fc.integer({ min: 1, max: 300_000 }), up: fc.boolean() }),
  fc.record({ t: fc.constant("cancel" as const), permille: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ t: fc.constant("reinstate" as const) }),
  fc.record({ t: fc.constant("pay" as const), pick: fc.nat(), percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ t: fc.constant("void" as const), pick: fc.nat() }),
  fc.record({ t: fc.constant("refund" as const), pick: fc.nat() }),
);

describe("the ledger in D1", () => {
  it("keeps its rows, entries and numbers consistent over random histories", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("PIF", "TWO_PAY", "QUARTERLY", "MONTHLY_10", "MONTHLY_12" as const), fc.integer({ min: 100_000, max: 3_000_000 }), fc.array(step, { maxLength: 8 }), async (plan, premium, steps) => {
        const orgId = newId("org");
        const principal = newPrincipal(orgId);
        let facts: BillingPolicyFacts = boundFacts(orgId, plan, premium);
        let cancelled: { id: string; returned: number } | null = null;
        const emit = async (type: string) => {
          const event = policyEvent(orgId, facts, type);
          await put(orgId, facts, [event]);
          await deliver([event]);
        };
        await emit("policy.bound");
        await checkRows(orgId, facts.writtenPremiumCents);
        for (const s of steps) {
          const list = (await db().select().from(invoices).where(eq(invoices.orgId, orgId)).orderBy(invoices.number).all());
          const pick = (n: number) => list[n % list.length]!;
          if (s.t === "endorse" && !cancelled) {
            const delta = s.up ? s.cents : -Math.min(s.cents, facts.writtenPremiumCents);
            facts = withTransaction(facts, { type: "endorsement", effectiveDate: "2027-03-01", premiumDeltaCents: delta, reversesTransactionId: null });
            await emit("policy.endorsed");
          } else if (s.t === "cancel" && !cancelled) {
            const returned = Math.floor((facts.writtenPremiumCents * s.permille) / 1000);
            facts = withTransaction(facts, { type: "cancellation", effectiveDate: "2027-05-01", premiumDeltaCents: -returned, reversesTransactionId: null });
            cancelled = { id: facts.transactions.at(-1)!.transactionId, returned };
            await emit("policy.cancelled");
          } else if (s.t === "reinstate" && cancelled) {
            facts = withTransaction(facts, { type: "reinstatement", effectiveDate: "2027-05-01", premiumDeltaCents: cancelled.returned, reversesTransactionId: cancelled.id });
            cancelled = null;
            await emit("policy.reinstated");
          } else if (s.t === "pay") {
            const inv = unwrapOr(await rpc.getInvoice(principal, pick(s.pick).id));
            if (inv && inv.amountDue > 0) {
              const amount = Math.max(1, Math.floor(inv.amountDue * s.percent)) / 100;
              expect((await rpc.payInvoice(principal, inv.id, { amount, method: "ach" })).ok).toBe(true);
            }
          } else if (s.t === "void") {
            await rpc.voidInvoice(principal, pick(s.pick).id);
          } else if (s.t === "refund") {
            await rpc.refundInvoice(principal, pick(s.pick).id, { reason: "property" });
          }
          await checkRows(orgId, facts.writtenPremiumCents);
        }
      }),
      { numRuns: 12 },
    );
  });

  it("numbers two policies' invoices invoiced at once from one counter: no gap, no duplicate", async () => {
    const orgId = newId("org");
    const a = boundFacts(orgId, "MONTHLY_12", 1_200_000);
    const b = boundFacts(orgId, "MONTHLY_10", 1_000_000);
    const events = [policyEvent(orgId, a, "policy.bound"), policyEvent(orgId, b, "policy.bound")];
    await put(orgId, a, [events[0]!]);
    await put(orgId, b, [events[1]!]);
    await Promise.all([deliver([events[0]!]), deliver([events[1]!])]);
    const rows = await db().select().from(invoices).where(eq(invoices.orgId, orgId)).all();
    expect(rows).toHaveLength(21);
    expect(rows.map((r) => r.number).sort()).toEqual(rows.map((_, i) => `INV-2026-${String(i + 1).padStart(6, "0")}`));
  });
});

function unwrapOr<T>(r: { ok: true; value: T } | { ok: false }): T | null {
  return r.ok ? r.value : null;
}
