/**
 * The delinquency job on billing's cron, against the underwriting and identity stand-ins
 * (vitest.config.ts): the daily pass runs once per UTC day and a later tick that day costs one read;
 * an invoice unpaid its grace days is flagged once, its policy marked and noticed once, and cancelled
 * ten days after the notice; underwriting down defers the policy (the day is not done until it is
 * retried, after its backoff); a payment recorded any way is lifted by the next tick's lift check.
 * The cron is driven with explicit instants, so these run on any day.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import { outboxEvents } from "#shared/outbox";
import { scheduledDelinquency } from "../../workers/billing/src/delinquency.job.ts";
import { payInvoice } from "../../workers/billing/src/invoices.service.ts";
import { invoices, policyDelinquency } from "../../workers/billing/src/schema.ts";
import { billingEnv, bindPolicy, db, underwriting } from "./harness.ts";

interface Calls {
  marks: { policyId: string; request: { since: string; noticeDate: string; cancelOn: string } }[];
  lifts: [string, string][];
  cancels: { policyId: string; request: { effectiveDate: string; invoiceId: string } }[];
}
const stand = underwriting as unknown as { delinquencyCallsForTest(orgId: string): Promise<Calls> };
const identity = (env as unknown as { IDENTITY: { emailsForTest(orgId: string): Promise<{ to: string; subject: string; body: string; kind: string }[]> } }).IDENTITY;

async function billedPif(orgId: string, effectiveDate: string) {
  const facts = await bindPolicy(orgId, "PIF", 1_200_000, effectiveDate);
  const [invoice] = await db().select().from(invoices).where(eq(invoices.policyId, facts.policyId)).all();
  return { facts, invoice: invoice! };
}
const tick = (iso: string) => scheduledDelinquency(db(), billingEnv, new Date(iso));
const stateOf = async (policyId: string) => (await db().select().from(policyDelinquency).where(eq(policyDelinquency.policyId, policyId)).get())?.state;
const overdueEvents = (orgId: string) => db().select().from(outboxEvents).where(and(eq(outboxEvents.orgId, orgId), eq(outboxEvents.type, "invoice.overdue"))).all();

describe("the delinquency job on the cron", () => {
  it("runs the daily pass once a day: flags, marks and notices once, cancels ten days after the notice", async () => {
    const orgId = newId("org");
    const { facts, invoice } = await billedPif(orgId, "2031-01-01");
    expect(await tick("2031-01-15T00:01:00.000Z")).toMatchObject({ overdue: 0, complete: true });
    expect(await tick("2031-01-16T00:01:00.000Z")).toMatchObject({ overdue: 1, pendingCancellation: 1, cancelled: 0, complete: true });
    // The same day again: nothing to do, nothing asked.
    expect(await tick("2031-01-16T00:02:00.000Z")).toBeNull();
    expect(await tick("2031-01-16T23:59:00.000Z")).toBeNull();
    let calls = await stand.delinquencyCallsForTest(orgId);
    expect(calls.marks).toEqual([{ orgId, policyId: facts.policyId, request: { invoiceId: invoice.id, since: "2031-01-16", noticeDate: "2031-01-16", cancelOn: "2031-01-26" }, lifted: false }]);
    const notices = await identity.emailsForTest(orgId);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ to: "insured@example.com", kind: "pending_cancellation_notice" });
    expect(notices[0]!.body).toContain(invoice.number);
    expect(await overdueEvents(orgId)).toHaveLength(1);

    expect(await tick("2031-01-25T00:01:00.000Z")).toMatchObject({ cancelled: 0 });
    expect(await tick("2031-01-26T00:01:00.000Z")).toMatchObject({ cancelled: 1 });
    expect(await tick("2031-01-27T00:01:00.000Z")).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
    calls = await stand.delinquencyCallsForTest(orgId);
    expect(calls.cancels).toEqual([{ orgId, policyId: facts.policyId, request: { effectiveDate: "2031-01-26", invoiceId: invoice.id } }]);
    expect(await stateOf(facts.policyId)).toBe("cancelled");
    expect(await identity.emailsForTest(orgId)).toHaveLength(1);
  });

  it("with underwriting down, defers the policy and keeps the day open until the retry after its backoff", async () => {
    const orgId = newId("org");
    const { facts } = await billedPif(orgId, "2032-03-01");
    await underwriting.putForTest({ down: true });
    try {
      expect(await tick("2032-03-16T00:01:00.000Z")).toMatchObject({ overdue: 1, pendingCancellation: 0, deferred: 1, complete: false });
    } finally {
      await underwriting.putForTest({ down: false });
    }
    expect(await db().select().from(policyDelinquency).where(eq(policyDelinquency.policyId, facts.policyId)).get()).toMatchObject({
      state: "notifying",
      attempts: 1,
      lastError: "underwriting_unavailable",
      nextAttemptAt: "2032-03-16T00:02:00.000Z",
    });
    // Within the backoff: not asked, and the day is still not done.
    expect(await tick("2032-03-16T00:01:30.000Z")).toMatchObject({ pendingCancellation: 0, deferred: 0, complete: false });
    expect(await tick("2032-03-16T00:02:30.000Z")).toMatchObject({ pendingCancellation: 1, complete: true });
    expect(await stateOf(facts.policyId)).toBe("pending_cancellation");
    expect(await tick("2032-03-16T00:03:30.000Z")).toBeNull();
    // The invoice was flagged once, whatever was retried.
    expect(await overdueEvents(orgId)).toHaveLength(1);
  });

  it("lifts a policy on the next tick once its overdue invoice is paid, however the payment was recorded", async () => {
    const orgId = newId("org");
    const { facts, invoice } = await billedPif(orgId, "2033-05-01");
    expect(await tick("2033-05-16T00:01:00.000Z")).toMatchObject({ pendingCancellation: 1 });
    // A payment written straight through the ledger (as a card payment's webhook would), with no lift of its own.
    const principal: Principal = { kind: "system", orgId, credentialId: "system", actorId: "system", role: null, scopes: [], rateLimitTier: "enterprise", expiresAt: null };
    const paid = await payInvoice(db(), principal, invoice.id, { amount: invoice.totalCents / 100, method: "ach", reference: "ACH 9" });
    expect(paid.ok && paid.value.status).toBe("paid");
    // The day's pass is done; the lift check still runs on every tick.
    expect(await tick("2033-05-16T00:05:00.000Z")).toBeNull();
    expect(await stateOf(facts.policyId)).toBe("lifted");
    const calls = await stand.delinquencyCallsForTest(orgId);
    expect(calls.lifts).toEqual([[orgId, facts.policyId]]);
    expect(calls.cancels).toEqual([]);
    expect(await tick("2033-05-26T00:01:00.000Z")).toMatchObject({ cancelled: 0 });
  });
});
