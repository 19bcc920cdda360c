/**
 * Underwriting's side of delinquency (what billing's job calls on UnderwritingInternal): the policy
 * goes `pending_cancellation` once with its event, stays in force and refuses endorsement, is lifted
 * back to `active`, and is cancelled pro rata for `non_payment` through the cancellation path with
 * the worked return premium; repeats change nothing, another org's policy is not found.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { outboxEvents } from "#shared/outbox";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { cancelForNonPayment, DELINQUENCY_ACTOR, liftPendingCancellation, markPendingCancellation } from "../../workers/underwriting/src/delinquency.service.ts";
import { getPolicy, getTimeline, listPolicies } from "../../workers/underwriting/src/policies.service.ts";
import { endorsePolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import type { Policy } from "../../workers/underwriting/src/types.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);
type SubmissionInput = Parameters<typeof createSubmission>[2];

async function bind(p: Principal): Promise<Policy> {
  const sub = unwrap(await createSubmission(db(), p, { ...quickstartSubmission(), insuredEmail: "ap@pacific.example" } as SubmissionInput));
  unwrap(await createQuote(db(), p, sub.id));
  const bound = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (bound.preview || bound.status === "referred") throw new Error("bound a preview, or held for a referral");
  return bound;
}
const eventsOf = (orgId: string, type: string) => db().select().from(outboxEvents).where(and(eq(outboxEvents.orgId, orgId), eq(outboxEvents.type, type))).all();
const mark = { invoiceId: "inv_01J8K3M4N5P6Q7R8S9T0V1W2X3", since: "2027-05-16", noticeDate: "2027-05-16", cancelOn: "2027-05-26" };

describe("pending cancellation for non-payment", () => {
  it("marks the policy once, with its event and the insured's contact; it reads pending_cancellation, is listed so, and refuses endorsement", async () => {
    const p = newPrincipal();
    const policy = await bind(p);
    const first = unwrap(await markPendingCancellation(db(), p.orgId, policy.id, mark));
    expect(first).toEqual({ changed: true, policyNumber: policy.policyNumber, insuredName: policy.insuredName, insuredEmail: "ap@pacific.example", pendingCancellation: { reason: "non_payment", ...mark } });
    const again = unwrap(await markPendingCancellation(db(), p.orgId, policy.id, { ...mark, noticeDate: "2027-05-20", cancelOn: "2027-05-30" }));
    expect(again).toMatchObject({ changed: false, pendingCancellation: { cancelOn: "2027-05-26" } });
    expect((await eventsOf(p.orgId, "policy.pending_cancellation")).map((e) => e.data)).toEqual([{ policyId: policy.id, policyNumber: policy.policyNumber, reason: "non_payment", ...mark }]);

    const shown = unwrap(await getPolicy(db(), p, policy.id));
    expect(shown).toMatchObject({ status: "pending_cancellation", pendingCancellation: mark });
    expect(unwrap(await listPolicies(db(), p, { status: "pending_cancellation" })).data.map((x) => x.id)).toEqual([policy.id]);
    expect(unwrap(await listPolicies(db(), p, { status: "active" })).data).toEqual([]);
    expect(errorOf(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-06-01", changes: { annualRevenue: 9_000_000 } }, false))).toMatchObject({
      code: "invalid_state_transition",
      details: { status: "pending_cancellation" },
    });
    // Another org never reaches it.
    expect(errorOf(await markPendingCancellation(db(), newPrincipal().orgId, policy.id, mark)).code).toBe("not_found");
    expect(errorOf(await markPendingCancellation(db(), p.orgId, policy.id, { ...mark, cancelOn: "2027-05-16" }))).toMatchObject({ code: "validation_failed", details: { field: "cancelOn" } });
  });

  it("lifts back to active once, and the policy may be marked again later", async () => {
    const p = newPrincipal();
    const policy = await bind(p);
    expect(unwrap(await liftPendingCancellation(db(), p.orgId, policy.id))).toEqual({ lifted: false, status: "active" });
    unwrap(await markPendingCancellation(db(), p.orgId, policy.id, mark));
    expect(unwrap(await liftPendingCancellation(db(), p.orgId, policy.id))).toEqual({ lifted: true, status: "active" });
    expect(unwrap(await liftPendingCancellation(db(), p.orgId, policy.id)).lifted).toBe(false);
    expect(unwrap(await getPolicy(db(), p, policy.id))).toMatchObject({ status: "active", pendingCancellation: null });
    expect(unwrap(await markPendingCancellation(db(), p.orgId, policy.id, { ...mark, since: "2027-08-16", noticeDate: "2027-08-16", cancelOn: "2027-08-26" })).changed).toBe(true);
    expect(await eventsOf(p.orgId, "policy.pending_cancellation")).toHaveLength(2);
  });

  it("cancels pro rata for non_payment through the cancellation path, clears the mark, and refuses a second cancellation", async () => {
    const p = newPrincipal();
    const policy = await bind(p);
    unwrap(await markPendingCancellation(db(), p.orgId, policy.id, mark));
    const cancelled = unwrap(await cancelForNonPayment(db(), workerEnv, p.orgId, policy.id, { effectiveDate: "2027-05-26", invoiceId: mark.invoiceId, clockOffsetMs: p.clockOffsetMs }));
    // 2027-05-01 to 2028-05-01 is 366 days (29 Feb 2028); 341 unexpired on 2027-05-26.
    const expected = Math.floor((Math.round(policy.annualPremium * 100) * 341 * 2 + 366) / (2 * 366));
    expect(Math.round(cancelled.returnPremium * 100)).toBe(expected);
    expect(cancelled.effectiveDate).toBe("2027-05-26");
    const shown = unwrap(await getPolicy(db(), p, policy.id));
    expect(shown).toMatchObject({ status: "cancelled", pendingCancellation: null, cancellation: { effectiveDate: "2027-05-26", method: "pro_rata", reason: "non_payment", returnPremium: expected / 100 } });
    const timeline = unwrap(await getTimeline(db(), p, policy.id, {}));
    expect(timeline.data.at(-1)).toMatchObject({ type: "cancellation", actor: DELINQUENCY_ACTOR, details: { reason: "non_payment", notes: `Unpaid invoice ${mark.invoiceId}`, unexpiredDays: 341, termDays: 366 } });
    expect((await eventsOf(p.orgId, "policy.cancelled")).map((e) => e.data.reason)).toEqual(["non_payment"]);
    expect(errorOf(await cancelForNonPayment(db(), workerEnv, p.orgId, policy.id, { effectiveDate: "2027-05-26" }))).toMatchObject({ code: "invalid_state_transition", details: { status: "cancelled" } });
    expect(errorOf(await markPendingCancellation(db(), p.orgId, policy.id, mark))).toMatchObject({ code: "invalid_state_transition", details: { status: "cancelled" } });
  });
});
