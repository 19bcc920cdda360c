/**
 * Data for the render-pdf tests: a complete invoice and notice (dates on the test calendar, inside
 * the coverage window), and small but real images as data: URIs.
 */
import { testDay, TEST_TODAY } from "./clock.ts";

/** A 1×1 RGBA PNG (alpha, so pdfmake decodes it rather than passing it through). */
export const PNG_1X1 = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** Lines 1,200.50 + 35.00, a credit of 100.00, 500.00 paid: total 1,135.50, due 635.50. */
export function sampleInvoice() {
  return {
    invoiceNumber: "INV-2026-000042",
    policyNumber: "GL-2026-000117",
    issueDate: TEST_TODAY,
    dueDate: testDay(30),
    status: "open" as const,
    installment: { number: 2, of: 10 },
    billTo: { name: "Müller & Søn Bäckerei LLC", address: ["12 Rue de la Paix", "Austin, TX 78701"] },
    issuer: { name: "Harbor Mutual Agency", address: ["PO Box 100", "Dallas, TX 75201"] },
    lines: [
      { description: "Premium, installment 2", amount: 1200.5 },
      { description: "Installment fee", amount: 35 },
    ],
    credits: [{ description: "Return premium, endorsement 3", amount: 100 }],
    amountPaid: 500,
    paymentInstructions: ["Pay by ACH to account 000123456, routing 111000025, quoting the invoice number."],
  };
}

export function sampleNotice() {
  return {
    kind: "cancellation" as const,
    noticeNumber: "NTC-77",
    noticeDate: TEST_TODAY,
    effectiveDate: testDay(14),
    policyNumber: "GL-2026-000117",
    recipient: { name: "Zoë Ångström", address: ["4 Elm St", "Reno, NV 89501"] },
    sender: { name: "Harbor Mutual Agency" },
    reason: "Non-payment of premium",
    paragraphs: ["The premium due on the invoice INV-2026-000042 was not paid.", "Coverage ends at 12:01 AM on the effective date."],
    signature: { name: "Dana Reyes", title: "Underwriting Manager" },
  };
}
