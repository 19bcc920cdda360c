import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "#shared/events";
import { subjectOf } from "../../workers/webhooks/src/subject.ts";

/**
 * One row per type of the catalogue (typespec/webhooks/events.tsp): a `data` as the type carries it
 * and the subject its deliveries are ordered by (null: never ordered). A type added to EVENT_TYPES
 * without a row here fails the first test (a test, not a compile error, so another worker adding a
 * type does not break the build), and every new type gets a decision.
 */
const CATALOGUE: Record<string, { data: Record<string, unknown>; subject: string | null }> = {
  "policy.bound": { data: { policyId: "pol_1", policyNumber: "P-1", renewalOfPolicyId: null }, subject: "policy:pol_1" },
  "policy.endorsed": { data: { policyId: "pol_1", transactionId: "txn_1" }, subject: "policy:pol_1" },
  "policy.cancelled": { data: { policyId: "pol_1", transactionId: "txn_2" }, subject: "policy:pol_1" },
  // The renewal policy's events, not the expiring one's.
  "policy.renewed": { data: { policyId: "pol_2", renewalOfPolicyId: "pol_1" }, subject: "policy:pol_2" },
  "claim.filed": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.reserved": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.settled": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.closed": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.payment_issued": { data: { claimId: "clm_1", policyId: "pol_1", paymentId: "cpy_1" }, subject: "claim:clm_1" },
  "claim.denied": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.investigation_started": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  "claim.reopened": { data: { claimId: "clm_1", policyId: "pol_1" }, subject: "claim:clm_1" },
  // A payment is ordered with the invoice it pays.
  "payment.received": { data: { paymentId: "pay_1", invoiceId: "inv_1", policyId: "pol_1" }, subject: "invoice:inv_1" },
  "payment.failed": { data: { paymentId: "pay_2", invoiceId: "inv_1", policyId: "pol_1" }, subject: "invoice:inv_1" },
  "da.limit_approaching": { data: { daAgreementId: "da_1", policyId: "pol_1", threshold: 0.85 }, subject: "da_agreement:da_1" },
  "compliance.deadline_approaching": { data: { filingType: "surplus_lines_tax", state: "CA", dueDate: "2027-01-31" }, subject: null },
  "submission.created": { data: { submissionId: "sub_1" }, subject: "submission:sub_1" },
  "submission.quoted": { data: { submissionId: "sub_1", quoteId: "qte_1" }, subject: "submission:sub_1" },
  "referral.created": { data: { referralId: "ref_1", submissionId: "sub_1" }, subject: "referral:ref_1" },
  "referral.decided": { data: { referralId: "ref_1", submissionId: "sub_1" }, subject: "referral:ref_1" },
  "invoice.created": { data: { invoiceId: "inv_1", policyId: "pol_1" }, subject: "invoice:inv_1" },
  // The document, not its policy (whose events come from another outbox).
  "document.generated": { data: { documentId: "doc_1", policyId: "pol_1", kind: "coi" }, subject: "document:doc_1" },
  // A test send is never held.
  "webhook.test": { data: { endpointId: "whk_1", message: "hi" }, subject: null },
  "webhook.disabled": { data: { endpointId: "whk_1", reason: "gone" }, subject: "webhook_endpoint:whk_1" },
  "policy.reinstated": { data: { policyId: "pol_1", transactionId: "txn_3", reversesTransactionId: "txn_2" }, subject: "policy:pol_1" },
  // A refund is ordered with the invoice it was made on, after that invoice's payments.
  "payment.refunded": { data: { refundId: "rfd_1", invoiceId: "inv_1", policyId: "pol_1" }, subject: "invoice:inv_1" },
  "invoice.voided": { data: { invoiceId: "inv_1", policyId: "pol_1", reissuedAs: "inv_2" }, subject: "invoice:inv_1" },
  "invoice.overdue": { data: { invoiceId: "inv_1", policyId: "pol_1", graceDays: 15 }, subject: "invoice:inv_1" },
  "policy.pending_cancellation": { data: { policyId: "pol_1", invoiceId: "inv_1", cancelOn: "2027-03-08" }, subject: "policy:pol_1" },
  "producer.license_expiring": { data: { producerId: "prd_1", state: "CA", expiresOn: "2027-01-31" }, subject: "producer:prd_1" },
  // A dispute is ordered with the invoice whose payment it disputes, after that payment.
  "payment.disputed": { data: { paymentIntentId: "pi_1", disputeId: "dp_1", invoiceId: "inv_1", policyId: "pol_1" }, subject: "invoice:inv_1" },
};

describe("the subject of an event", () => {
  it("has a decided subject rule for every event type of the catalogue", () => {
    expect(Object.keys(CATALOGUE).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(Object.entries(CATALOGUE))("%s", (type, { data, subject }) => {
    expect(subjectOf(type, data)).toBe(subject);
  });

  it("falls back to no ordering when the id is missing, malformed or too long, or the family is unknown", () => {
    expect(subjectOf("claim.filed", {})).toBeNull();
    expect(subjectOf("claim.filed", { claimId: "" })).toBeNull();
    expect(subjectOf("claim.filed", { claimId: 42 })).toBeNull();
    expect(subjectOf("claim.filed", { claimId: "c".repeat(300) })).toBeNull();
    expect(subjectOf("payment.received", { paymentId: "pay_1", invoiceId: null })).toBe("payment:pay_1");
    expect(subjectOf("telepathy.happened", { claimId: "clm_1" })).toBeNull();
    expect(subjectOf("constructor", {})).toBeNull();
    expect(subjectOf("toString.x", {})).toBeNull();
  });

  it("orders a new type of a known family with its family", () => {
    expect(subjectOf("claim.reopened", { claimId: "clm_1" })).toBe("claim:clm_1");
    expect(subjectOf("policy.lapsed", { policyId: "pol_1" })).toBe("policy:pol_1");
  });
});
