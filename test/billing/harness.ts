/**
 * The billing tests' stand-ins: a policy's money as underwriting would answer `billingFacts`, its
 * events as `readEvents` would, put into the underwriting stand-in (vitest.config.ts), and one queue
 * batch through the consumer with its ack / retry outcome.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import type { EventEnvelope } from "#shared/events";
import { newId } from "#shared/ids";
import type { BillingPolicyFacts, BillingTransaction, UnderwritingInternalRpc } from "#shared/rpc";
import type { BillingEnv } from "../../workers/billing/src/env.ts";
import { EVENTS_QUEUE, handleQueue, type ConsumerHooks } from "../../workers/billing/src/queue.consumer.ts";
import { installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";
import type { InstallmentPlan } from "../../workers/underwriting/src/rating/types.ts";
import { realNow, TEST_NOW } from "../support/clock.ts";

/** What the billing tests put into the underwriting stand-in (vitest.config.ts). */
export interface UnderwritingStandIn extends UnderwritingInternalRpc {
  putForTest(put: { facts?: { orgId: string; facts: unknown }[]; events?: unknown[]; down?: boolean }): Promise<boolean>;
}

export const billingEnv = env as unknown as BillingEnv;
export const db = () => drizzle(billingEnv.BILLING_DB);
export const underwriting = billingEnv.UNDERWRITING as unknown as UnderwritingStandIn;

/** A bound policy's facts: `premiumCents` on `plan` from `effectiveDate`, a $250 tax and a $100 fee. */
export function boundFacts(orgId: string, plan: InstallmentPlan, premiumCents: number, effectiveDate = "2027-01-01"): BillingPolicyFacts {
  const expirationDate = `${Number(effectiveDate.slice(0, 4)) + 1}${effectiveDate.slice(4)}`;
  return {
    policyId: newId("pol"),
    policyNumber: `GL-${effectiveDate.slice(0, 4)}-000001`,
    insuredName: "Harbor Freight Movers",
    installmentPlan: plan,
    effectiveDate,
    expirationDate,
    writtenPremiumCents: premiumCents,
    installments: installmentSchedule(plan, premiumCents, effectiveDate),
    taxes: [{ name: "Surplus lines tax", amountCents: 25_000 }],
    fees: [{ name: "Policy fee", amountCents: 10_000 }],
    transactions: [
      { transactionId: newId("txn"), seq: 1, type: "new_business", effectiveDate, premiumDeltaCents: premiumCents, reversesTransactionId: null, createdAt: TEST_NOW },
    ],
  };
}

/** `facts` after one more transaction (seq n + 1). */
export function withTransaction(facts: BillingPolicyFacts, t: Omit<BillingTransaction, "seq" | "transactionId" | "createdAt"> & { transactionId?: string }): BillingPolicyFacts {
  const written = facts.writtenPremiumCents + t.premiumDeltaCents;
  return {
    ...facts,
    writtenPremiumCents: written,
    transactions: [...facts.transactions, { transactionId: newId("txn"), ...t, seq: facts.transactions.length + 1, createdAt: TEST_NOW }],
  };
}

/** The event a transaction of `facts` would have emitted. */
export function policyEvent(orgId: string, facts: BillingPolicyFacts, type: string): EventEnvelope {
  return { id: newId("evt"), type, orgId, timestamp: TEST_NOW, data: { policyId: facts.policyId, policyNumber: facts.policyNumber } };
}

/** Put facts and events into the underwriting stand-in. */
export async function put(orgId: string, facts: BillingPolicyFacts | null, events: EventEnvelope[] = [], down?: boolean): Promise<void> {
  await underwriting.putForTest({ ...(facts ? { facts: [{ orgId, facts }] } : {}), events, ...(down === undefined ? {} : { down }) });
}

let seq = 0;

/** Deliver `events` (as the relay's thin messages from underwriting) in one batch; answers the ack / retry outcome. */
export async function deliver(events: EventEnvelope[], options: { attempts?: number; hooks?: ConsumerHooks } = {}) {
  const batch = createMessageBatch(
    EVENTS_QUEUE,
    events.map((e) => ({ id: `msg-${++seq}`, timestamp: new Date(realNow()), attempts: options.attempts ?? 1, body: { kind: "event", source: "underwriting", eventId: e.id } })),
  );
  const ctx = createExecutionContext();
  await handleQueue(batch, billingEnv, options.hooks);
  return getQueueResult(batch, ctx);
}
