/** The event catalogue of the contract (typespec/webhooks/events.tsp) against the platform's own list and payloads. */
import { describe, expect, it } from "vitest";
import openapi from "../../typespec/generated/openapi.json" with { type: "json" };
import { zEvent, zEventPage } from "../../typespec/generated/zod.gen.ts";
import { EVENT_TYPES } from "../../workers/_shared/events.ts";

const ULID = "01J8K3M4N5P6Q7R8S9T0V1W2X3";
const envelope = { id: `evt_${ULID}`, orgId: `org_${ULID}`, timestamp: "2026-03-08T14:32:00Z" };

describe("event catalogue", () => {
  it("declares exactly the event types the platform records", () => {
    const mapping = (openapi.components.schemas.Event as { discriminator: { mapping: Record<string, string> } }).discriminator.mapping;
    expect(Object.keys(mapping).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("parses a policy.bound event as bind emits it (the seed's envelope)", () => {
    const event = {
      ...envelope,
      type: "policy.bound",
      data: {
        policyId: `pol_${ULID}`,
        policyNumber: "GL-2026-000142",
        grossPremium: 14250,
        currency: "USD",
        lineOfBusiness: "GL",
        effectiveDate: "2026-04-01",
        expirationDate: "2027-04-01",
        installmentPlan: "MONTHLY_10",
        renewalOfPolicyId: null,
        transactionType: "new_business",
      },
    };
    const parsed = zEvent.parse(event);
    expect(parsed.type).toBe("policy.bound");
    if (parsed.type === "policy.bound") expect(parsed.data.policyNumber).toBe("GL-2026-000142");
  });

  it("picks the data shape by `type`", () => {
    const test = { ...envelope, type: "webhook.test", data: { endpointId: `whk_${ULID}`, message: "hello" } };
    expect(zEvent.safeParse(test).success).toBe(true);
    // The same data under another type does not validate.
    expect(zEvent.safeParse({ ...test, type: "webhook.disabled" }).success).toBe(false);
    expect(zEvent.safeParse({ ...test, type: "policy.unknown" }).success).toBe(false);
    expect(zEventPage.safeParse({ data: [test], nextCursor: null }).success).toBe(true);
  });

  it("parses billing's events and policy.reinstated as the workers emit them", () => {
    const events = [
      {
        type: "invoice.created",
        data: { invoiceId: `inv_${ULID}`, number: "INV-2026-000001", kind: "installment", policyId: `pol_${ULID}`, installmentNumber: 1, amount: 3200, currency: "USD", dueDate: "2027-01-01" },
      },
      {
        type: "payment.received",
        data: { paymentId: `pay_${ULID}`, invoiceId: `inv_${ULID}`, policyId: `pol_${ULID}`, amount: 350.25, currency: "USD", method: "check", amountDue: 999.75 },
      },
      {
        type: "payment.refunded",
        data: { refundId: `rfd_${ULID}`, invoiceId: `inv_${ULID}`, policyId: `pol_${ULID}`, amount: 506.85, currency: "USD", reason: "cancellation", transactionId: `txn_${ULID}` },
      },
      { type: "invoice.voided", data: { invoiceId: `inv_${ULID}`, number: "INV-2026-000002", policyId: `pol_${ULID}`, transactionId: null, reissuedAs: `inv_${ULID}` } },
      {
        type: "payment.disputed",
        data: { paymentIntentId: "pi_3Nx", disputeId: "dp_3Nx", invoiceId: `inv_${ULID}`, policyId: `pol_${ULID}`, amount: 1350, currency: "USD", reason: "fraudulent", status: "needs_response", disputedAt: "2027-01-05T10:00:00Z" },
      },
      {
        type: "invoice.overdue",
        data: { invoiceId: `inv_${ULID}`, number: "INV-2026-000003", policyId: `pol_${ULID}`, dueDate: "2027-01-01", amountDue: 3350, currency: "USD", graceDays: 15 },
      },
      {
        type: "policy.pending_cancellation",
        data: { policyId: `pol_${ULID}`, policyNumber: "GL-2027-000001", reason: "non_payment", invoiceId: `inv_${ULID}`, since: "2027-01-16", noticeDate: "2027-01-16", cancelOn: "2027-01-26" },
      },
      {
        type: "policy.reinstated",
        data: {
          policyId: `pol_${ULID}`,
          policyNumber: "GL-2027-000001",
          transactionId: `txn_${ULID}`,
          effectiveDate: "2027-02-15",
          premiumDelta: 3506.85,
          currency: "USD",
          reversesTransactionId: `txn_${ULID}`,
          reversedReturnPremium: 3506.85,
          cancellationMethod: "pro_rata",
          requestedOn: "2027-02-20",
          daysSinceCancellation: 5,
          notes: null,
        },
      },
    ];
    for (const e of events) expect(zEvent.safeParse({ ...envelope, ...e }).success, e.type).toBe(true);
    expect(zEvent.safeParse({ ...envelope, ...events[0], data: { ...events[0]!.data, number: undefined } }).success).toBe(false);
  });
});
