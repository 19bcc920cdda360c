/**
 * The billing tests' stand-ins and set-ups: a policy's money as underwriting would answer
 * `billingFacts`, its events as `readEvents` would, put into the underwriting stand-in
 * (vitest.config.ts); one queue batch through the consumer with its ack / retry outcome; a fresh
 * org with a bound, invoiced policy (`billedPolicy`) and its later transactions (`transact`); the
 * org's feature flags in the producers stand-in; the org's sandbox clock in the identity stand-in.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import type { EventEnvelope } from "#shared/events";
import type { FlagKey, FlagValue } from "#shared/flags.catalogue";
import { newId } from "#shared/ids";
import type { BillingInvoice, BillingPolicyFacts, BillingTransaction, UnderwritingInternalRpc } from "#shared/rpc";
import type { BillingEnv } from "../../workers/billing/src/env.ts";
import type { BillingService } from "../../workers/billing/src/index.ts";
import { EVENTS_QUEUE, handleQueue, type ConsumerHooks } from "../../workers/billing/src/queue.consumer.ts";
import { installmentSchedule } from "../../workers/underwriting/src/rating/installments.ts";
import type { InstallmentPlan } from "../../workers/underwriting/src/rating/types.ts";
import { realNow, TEST_NOW } from "../support/clock.ts";
import { standInFlags } from "../support/flags.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

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

/** The billing worker's public entrypoint, as the gateway's `BILLING` binding reaches it. */
export const rpc = (exports as unknown as { BillingService: Service<BillingService> }).BillingService;

/**
 * A policy of `orgId` bound on `plan` for `premiumCents` from `effectiveDate` (boundFacts) and
 * invoiced: its facts and `policy.bound` put into the underwriting stand-in and delivered to the consumer.
 */
export async function bindPolicy(orgId: string, plan: InstallmentPlan, premiumCents: number, effectiveDate?: string): Promise<BillingPolicyFacts> {
  const facts = boundFacts(orgId, plan, premiumCents, effectiveDate);
  const event = policyEvent(orgId, facts, "policy.bound");
  await put(orgId, facts, [event]);
  await deliver([event]);
  return facts;
}

/** Every invoice of the principal's org, by number (installment order). */
export const invoicesOf = async (principal: Principal): Promise<BillingInvoice[]> =>
  unwrap(await rpc.listInvoices(principal, { sort: "createdAt", limit: 100 })).data.sort((a, b) => a.number.localeCompare(b.number));

/**
 * A fresh org with one policy bound and invoiced ({@link bindPolicy}; by default QUARTERLY on
 * $4,000, so the first invoice asks $1,350 with its tax and fee): its principal, the policy's
 * facts and its invoices by number.
 */
export async function billedPolicy(plan: InstallmentPlan = "QUARTERLY", premiumCents = 400_000, effectiveDate?: string) {
  const orgId = newId("org");
  const facts = await bindPolicy(orgId, plan, premiumCents, effectiveDate);
  const principal = newPrincipal(orgId);
  return { principal, facts, invoices: await invoicesOf(principal) };
}

/** One more transaction of the policy (withTransaction), put and delivered with its event of `type`; answers the new facts. */
export async function transact(principal: Pick<Principal, "orgId">, facts: BillingPolicyFacts, type: string, t: Parameters<typeof withTransaction>[1]): Promise<BillingPolicyFacts> {
  const next = withTransaction(facts, t);
  const event = policyEvent(principal.orgId, next, type);
  await put(principal.orgId, next, [event]);
  await deliver([event]);
  return next;
}

/** The billing project's `PRODUCERS` binding: the flag stand-in of vitest.config.ts. */
const flagStandIn = (billingEnv as unknown as { PRODUCERS: { setFlagsForTest(orgId: string, flags: unknown): Promise<boolean> } }).PRODUCERS;

/** The org's evaluated flags as the producers worker would answer them: the catalogue's defaults but for `values`. */
export async function setFlags(orgId: string, values: Partial<Record<FlagKey, FlagValue>> = {}): Promise<void> {
  const evaluated = standInFlags();
  for (const [key, value] of Object.entries(values)) evaluated.set(orgId, key as FlagKey, value as FlagValue);
  const answer = await evaluated.flags(orgId);
  if (!answer.ok) throw new Error("the flag stand-in answers");
  await flagStandIn.setFlagsForTest(orgId, answer.value);
}

/** The billing project's `IDENTITY` binding: its stand-in keeps each org's sandbox clock offset (vitest.config.ts). */
const identityStandIn = (billingEnv as unknown as { IDENTITY: { setClockOffsetForTest(orgId: string, offsetMs: number): Promise<boolean> } }).IDENTITY;

/** Run `orgId`'s sandbox clock `offsetMs` ahead of real time (what `POST /v1/sandbox/clock` stores in identity). */
export const setClockOffset = (orgId: string, offsetMs: number) => identityStandIn.setClockOffsetForTest(orgId, offsetMs);
