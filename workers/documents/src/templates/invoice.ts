/**
 * The invoice template: what billing (issue 13) prints for each invoice, and what `render-pdf`
 * renders for `template: "invoice"`. Amounts are USD major units as the API carries them; every sum
 * is taken in integer cents. The total is the lines less the credits; the amount due is the total
 * less what was paid (never below zero). Statuses are Stripe's, as DECISIONS.md "Billing" names them.
 */
import { z } from "zod";
import { fromCents, toCents } from "#shared/money";
import type { Content } from "../pdf/render.ts";
import { fieldBox, money as formatMoney, ruledTable, sectionHeading, sideBySide, smallPrint, titleBand, usDate } from "./layout.ts";
import { isoDate, money, party, partyLines, text } from "./fields.ts";
import { defineTemplate } from "./template.ts";

export const INVOICE_STATUSES = ["open", "paid", "void", "uncollectible"] as const;

const line = z.strictObject({ description: text(500), amount: money });

/** The data of an invoice. */
export const invoiceData = z
  .strictObject({
    /** `INV-{year}-{6 digits}` when billing numbers it; any reference up to 64 characters otherwise. */
    invoiceNumber: text(64),
    policyNumber: text(64),
    issueDate: isoDate,
    dueDate: isoDate,
    status: z.enum(INVOICE_STATUSES),
    /** An open invoice past its due date (billing says so; the template does not read a clock). */
    overdue: z.boolean().optional(),
    billTo: party,
    /** Who bills: the carrier, MGA or agency. */
    issuer: party.optional(),
    /** Which installment of the policy's plan this invoice is. */
    installment: z.strictObject({ number: z.int().min(1).max(120), of: z.int().min(1).max(120) }).optional(),
    lines: z.array(line).min(1).max(100),
    /** Amounts taken off the lines (return premium credited to this invoice), each positive. */
    credits: z.array(line).max(100).optional(),
    amountPaid: money.optional(),
    amountRefunded: money.optional(),
    /** How to pay, a paragraph each. */
    paymentInstructions: z.array(text(1000)).min(1).max(10).optional(),
    notes: text(2000).optional(),
  })
  .superRefine((data, ctx) => {
    if (data.dueDate < data.issueDate) ctx.addIssue({ code: "custom", path: ["dueDate"], message: "must not be before issueDate", params: { rule: "not_before_issue_date" } });
    if (data.installment && data.installment.number > data.installment.of) ctx.addIssue({ code: "custom", path: ["installment", "number"], message: "must not be more than installment.of", params: { rule: "installment_of" } });
    const { total, paid } = invoiceTotals(data);
    if (total < 0) ctx.addIssue({ code: "custom", path: ["credits"], message: "credits must not exceed the lines", params: { rule: "credits_exceed_lines" } });
    else if (paid > total) ctx.addIssue({ code: "custom", path: ["amountPaid"], message: "must not exceed the invoice's total", params: { rule: "paid_exceeds_total" } });
  });

export type InvoiceData = z.infer<typeof invoiceData>;

const cents = (amount: number) => toCents(amount) ?? 0;
const sum = (items: { amount: number }[] | undefined) => (items ?? []).reduce((total, item) => total + cents(item.amount), 0);

/** The invoice's sums, in integer cents. */
export function invoiceTotals(data: Pick<InvoiceData, "lines" | "credits" | "amountPaid" | "amountRefunded">) {
  const subtotal = sum(data.lines);
  const credits = sum(data.credits);
  const total = subtotal - credits;
  const paid = cents(data.amountPaid ?? 0);
  return { subtotal, credits, total, paid, refunded: cents(data.amountRefunded ?? 0), due: Math.max(0, total - paid) };
}

const STATUS_LABEL: Record<InvoiceData["status"], string> = { open: "Open", paid: "Paid", void: "Void", uncollectible: "Uncollectible" };

const usd = (centsValue: number) => formatMoney(fromCents(centsValue));

export const invoice = defineTemplate({
  name: "invoice",
  schema: invoiceData,
  title: (data) => `Invoice ${data.invoiceNumber}`,
  definition: (data) => {
    const totals = invoiceTotals(data);
    const status = data.status === "open" && data.overdue ? "Open, past due" : STATUS_LABEL[data.status];
    const summary: string[][] = [["Subtotal", usd(totals.subtotal)]];
    if (totals.credits) summary.push(["Credits", `-${usd(totals.credits)}`]);
    summary.push(["Total", usd(totals.total)], ["Amount paid", usd(totals.paid)]);
    if (totals.refunded) summary.push(["Amount refunded", usd(totals.refunded)]);
    // A void invoice is owed by nobody, whatever its lines say.
    summary.push(["Amount due", data.status === "void" ? usd(0) : usd(totals.due)]);
    const content: Content[] = [
      titleBand("INVOICE", [`Invoice ${data.invoiceNumber}`, `Issued ${usDate(data.issueDate)}`, `Due ${usDate(data.dueDate)}`]),
      sideBySide(
        fieldBox("Bill to", partyLines(data.billTo)),
        fieldBox("Invoice", [
          ["Policy number", data.policyNumber],
          ...(data.installment ? [["Installment", `${data.installment.number} of ${data.installment.of}`] as [string, string]] : []),
          ["Status", status],
          ...(data.issuer ? [["From", data.issuer.name] as [string, string]] : []),
        ]),
      ),
      ruledTable(["Description", "Amount"], data.lines.map((l) => [l.description, formatMoney(l.amount)]), ["*", 90]),
    ];
    if (data.credits?.length) {
      content.push(sectionHeading("Credits"), ruledTable(["Description", "Amount"], data.credits.map((c) => [c.description, `-${formatMoney(c.amount)}`]), ["*", 90]));
    }
    content.push({ columns: [{ text: "", width: "*" }, { width: 220, stack: [ruledTable(["Summary", ""], summary, ["*", 90])] }] });
    if (data.issuer?.address) content.push(sectionHeading("Remit to"), { text: partyLines(data.issuer).join("\n") });
    if (data.paymentInstructions) content.push(sectionHeading("How to pay"), ...data.paymentInstructions.map((p) => ({ text: p, margin: [0, 0, 0, 4] })));
    if (data.notes) content.push(smallPrint(data.notes));
    return { info: { title: `Invoice ${data.invoiceNumber}`, subject: `Policy ${data.policyNumber}` }, content };
  },
});
