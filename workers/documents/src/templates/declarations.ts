/**
 * The common policy declarations page: who is insured, by whom, for what period, at what limits and
 * price, under which forms. Bind issues one for every policy and each endorsement issues a new one
 * reflecting it (the old one stays, never overwritten). Money is USD major units, as in the API.
 */
import { z } from "zod";
import type { DeclarationsData } from "#shared/rpc";
import type { Content } from "../pdf/render.ts";
import { fieldBox, money, ruledTable, sectionHeading, sideBySide, smallPrint, titleBand, usDate } from "./layout.ts";
import { defineTemplate } from "./template.ts";

const amount = z.number().min(0).max(1_000_000_000);
const signedAmount = z.number().min(-1_000_000_000).max(1_000_000_000);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");
const line = z.string().min(1).max(200);
const party = z.object({ name: line, addressLines: z.array(line).max(4).optional() });

const transactionTypes = ["new_business", "renewal", "endorsement"] as const;

/** The transaction a piece of policy paper reflects; the MCS-90 shares it. */
export const reflectsSchema = z.object({
  transactionType: z.enum(transactionTypes),
  transactionId: z.string().min(1).max(64),
  effectiveDate: isoDate,
  endorsementNumber: z.number().int().min(1).nullable(),
});

/** The insurer, with its NAIC company code when known. */
export const insurerSchema = party.extend({ naicNumber: z.string().max(10).nullable().optional() });

export const declarationsSchema = z.object({
  policyNumber: z.string().min(1).max(64),
  insured: party.extend({ email: z.string().max(254).nullable().optional() }),
  effectiveDate: isoDate,
  expirationDate: isoDate,
  lineOfBusiness: z.enum(["GL", "PROP", "CA"]),
  state: z.string().length(2),
  insurer: insurerSchema,
  producer: party,
  limit: amount,
  deductible: amount.nullable(),
  ratingBasis: z.object({ basis: z.enum(["revenue", "property_values", "vehicles"]), amount }),
  premium: signedAmount,
  annualPremium: amount,
  taxes: z.array(z.object({ name: line, amount })).max(20),
  fees: z.array(z.object({ name: line, amount })).max(20),
  installmentPlan: z.enum(["PIF", "TWO_PAY", "QUARTERLY", "MONTHLY_10", "MONTHLY_12"]),
  installments: z.array(z.object({ number: z.number().int().min(1), dueDate: isoDate, premium: amount, fee: amount })).min(1).max(12),
  total: signedAmount,
  forms: z.array(z.object({ code: z.string().min(1).max(40), title: line })).max(40),
  endorsements: z.array(z.object({ number: z.number().int().min(1), effectiveDate: isoDate, description: z.string().min(1).max(500) })).max(200),
  reflects: reflectsSchema,
  issuedAt: z.iso.datetime(),
}) satisfies z.ZodType<DeclarationsData>;

/** What each line covers, as its declarations name it. */
export const LINE_TITLES: Record<DeclarationsData["lineOfBusiness"], string> = {
  GL: "Commercial General Liability",
  PROP: "Commercial Property",
  CA: "Commercial Auto (Business Auto)",
};

const BASIS_LABELS: Record<DeclarationsData["ratingBasis"]["basis"], string> = {
  revenue: "Annual revenue (gross sales)",
  property_values: "Total insured property values",
  vehicles: "Number of scheduled vehicles",
};

const PLAN_LABELS: Record<DeclarationsData["installmentPlan"], string> = {
  PIF: "Paid in full",
  TWO_PAY: "Two payments",
  QUARTERLY: "Quarterly (4 payments)",
  MONTHLY_10: "Monthly, 20% down and 8 payments",
  MONTHLY_12: "Monthly (12 payments)",
};

/** "Endorsement 2 effective 03/01/2027", or the bind's own label. */
export function reflectsLine(reflects: DeclarationsData["reflects"]): string {
  if (reflects.transactionType === "endorsement") return `Reflects endorsement no. ${reflects.endorsementNumber ?? "?"} effective ${usDate(reflects.effectiveDate)}`;
  return `Reflects ${reflects.transactionType === "renewal" ? "renewal" : "new business"} effective ${usDate(reflects.effectiveDate)}`;
}

const addressOf = (p: { addressLines?: string[] }) => p.addressLines ?? [];

function ratingBasis(data: DeclarationsData): string {
  const { basis, amount: value } = data.ratingBasis;
  return basis === "vehicles" ? String(value) : money(value);
}

export const declarationsTemplate = defineTemplate({
  name: "declarations",
  schema: declarationsSchema,
  title: (data) => `Declarations ${data.policyNumber}`,
  definition(data) {
    const content: Content[] = [
      titleBand("COMMON POLICY DECLARATIONS", [`Policy number ${data.policyNumber}`, `Issued ${usDate(data.issuedAt)}`, reflectsLine(data.reflects)]),
      sideBySide(
        fieldBox("Named insured and mailing address", [
          data.insured.name,
          ...addressOf(data.insured),
          ...(addressOf(data.insured).length === 0 ? [`Risk state: ${data.state}`] : []),
          ...(data.insured.email ? [data.insured.email] : []),
        ]),
        fieldBox("Producer", [data.producer.name, ...addressOf(data.producer)]),
      ),
      sideBySide(
        fieldBox("Insurer", [data.insurer.name, ...addressOf(data.insurer), ...(data.insurer.naicNumber ? [["NAIC", data.insurer.naicNumber] as [string, string]] : [])]),
        fieldBox("Policy period", [
          ["From", usDate(data.effectiveDate)],
          ["To", usDate(data.expirationDate)],
          "at 12:01 a.m. standard time at the named insured's mailing address",
        ]),
      ),
      sectionHeading("Coverage"),
      ruledTable(
        ["Line of business", "Limit of insurance", "Deductible", "Rating basis", "Exposure"],
        [[`${LINE_TITLES[data.lineOfBusiness]} (${data.lineOfBusiness})`, money(data.limit), data.deductible === null ? "None" : money(data.deductible), BASIS_LABELS[data.ratingBasis.basis], ratingBasis(data)]],
        ["*", "auto", "auto", "*", "auto"],
      ),
      sectionHeading("Premium"),
      ruledTable(
        ["Item", "Amount"],
        [
          ["Written premium for the term", money(data.premium)],
          ["Annual premium in force", money(data.annualPremium)],
          ...data.taxes.map((t) => [`Tax: ${t.name}`, money(t.amount)]),
          ...data.fees.map((f) => [`Fee: ${f.name}`, money(f.amount)]),
          ["Installment fees", money(data.installments.reduce((n, i) => n + Math.round(i.fee * 100), 0) / 100)],
          ["Total", money(data.total)],
        ],
        ["*", "auto"],
      ),
      sectionHeading(`Installment plan: ${PLAN_LABELS[data.installmentPlan]} (${data.installmentPlan})`),
      ruledTable(
        ["No.", "Due", "Premium", "Fee"],
        data.installments.map((i) => [String(i.number), usDate(i.dueDate), money(i.premium), money(i.fee)]),
        ["auto", "*", "auto", "auto"],
      ),
      sectionHeading("Forms and endorsements in force"),
      ruledTable(
        ["Form", "Title"],
        data.forms.map((f) => [f.code, f.title]),
        ["auto", "*"],
      ),
      data.endorsements.length === 0
        ? smallPrint("No endorsements have changed this policy.")
        : ruledTable(
            ["Endorsement no.", "Effective", "Change"],
            data.endorsements.map((e) => [String(e.number), usDate(e.effectiveDate), e.description]),
            ["auto", "auto", "*"],
          ),
      smallPrint(
        "These declarations, together with the coverage forms and endorsements listed above, complete the policy. " +
          "They replace any declarations issued earlier for this policy as of the effective date shown. Premium shown " +
          "as written premium is for the policy term; taxes and fees are those billed at binding.",
      ),
    ];
    return { info: { title: `Declarations ${data.policyNumber}`, subject: "Common policy declarations" }, content };
  },
});
