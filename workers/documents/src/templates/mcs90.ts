/**
 * The MCS-90 endorsement a commercial auto policy carries: the insurer's promise to the public that
 * a final judgment for public liability against the motor carrier is paid up to the federal
 * financial-responsibility limit, whatever the policy's own terms say. The wording below is the
 * platform's plain-language statement of what the endorsement does; it is not the official form.
 */
import { z } from "zod";
import type { Mcs90Data } from "#shared/rpc";
import { insurerSchema, reflectsLine, reflectsSchema } from "./declarations.ts";
import { fieldBox, money, ruledTable, sectionHeading, sideBySide, smallPrint, titleBand, usDate } from "./layout.ts";
import { defineTemplate } from "./template.ts";

/** 49 CFR 387.9: the minimum for general freight over 10,001 lbs, and for the hazardous materials this platform writes. */
export const MCS90_LIMITS = { standard: 750_000, hazmat: 5_000_000 } as const;

export const MCS90_TITLE =
  "Endorsement for Motor Carrier Policies of Insurance for Public Liability under Sections 29 and 30 of the Motor Carrier Act of 1980";

export const mcs90Schema = z
  .object({
    policyNumber: z.string().min(1).max(64),
    insured: z.object({ name: z.string().min(1).max(200), addressLines: z.array(z.string().min(1).max(200)).max(4).optional() }),
    insurer: insurerSchema,
    effectiveDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD"),
    limit: z.number().min(0).max(1_000_000_000),
    hazmat: z.boolean(),
    reflects: reflectsSchema,
    issuedAt: z.iso.datetime(),
  })
  // The limit follows the cargo: a hazmat carrier's endorsement may not state the general-freight minimum.
  .refine((d) => d.limit >= (d.hazmat ? MCS90_LIMITS.hazmat : MCS90_LIMITS.standard), {
    path: ["limit"],
    message: `limit must be at least ${MCS90_LIMITS.standard} (${MCS90_LIMITS.hazmat} when hazmat)`,
  }) satisfies z.ZodType<Mcs90Data>;

/** The endorsement's terms, paragraph by paragraph, in the platform's own words. */
export const MCS90_TERMS: readonly string[] = [
  "The policy to which this endorsement is attached provides automobile liability insurance and is amended to assure compliance by the insured, " +
    "as a motor carrier of property, with Sections 29 and 30 of the Motor Carrier Act of 1980 and the rules of the Federal Motor Carrier Safety Administration.",
  "In consideration of the premium stated in the policy, the insurer agrees to pay, within the limit shown below, any final judgment recovered against the insured " +
    "for public liability resulting from negligence in the operation, maintenance or use of motor vehicles subject to those financial responsibility requirements, " +
    "whether or not each vehicle is specifically described in the policy and wherever within the United States or its permitted operating territory the accident occurs.",
  "Public liability means liability for bodily injury, property damage and environmental restoration. It does not include injury to or death of the insured's employees " +
    "while engaged in the course of their employment, nor loss of or damage to property the insured transports.",
  "No condition, provision, stipulation or limitation of the policy, no violation of it by the insured, and no bankruptcy or insolvency of the insured relieves the insurer " +
    "of its obligations under this endorsement or of payment of a final judgment within its limit. Between the insured and the insurer every term of the policy still applies.",
  "The insured agrees to reimburse the insurer for any payment the insurer would not have been obliged to make under the policy except for this endorsement, including any " +
    "payment above the policy's own limits.",
  "This endorsement may be cancelled only by written notice of 35 days from either party to the other (30 days to the Federal Motor Carrier Safety Administration where the " +
    "insured's registration requires a filing), the notice period running from the date the notice is mailed.",
];

export const mcs90Template = defineTemplate({
  name: "mcs90",
  schema: mcs90Schema,
  title: (data) => `MCS-90 ${data.policyNumber}`,
  definition(data) {
    return {
      info: { title: `MCS-90 ${data.policyNumber}`, subject: MCS90_TITLE },
      content: [
        titleBand("MCS-90", [`Policy number ${data.policyNumber}`, `Issued ${usDate(data.issuedAt)}`, reflectsLine(data.reflects)]),
        { text: MCS90_TITLE, bold: true, fontSize: 11, margin: [0, 0, 0, 8] },
        sideBySide(
          fieldBox("Insured (motor carrier)", [data.insured.name, ...(data.insured.addressLines ?? [])]),
          fieldBox("Insurer", [data.insurer.name, ...(data.insurer.addressLines ?? []), ...(data.insurer.naicNumber ? [["NAIC", data.insurer.naicNumber] as [string, string]] : [])]),
        ),
        ruledTable(
          ["Policy number", "Effective date of this endorsement", "Cargo", "Limit for public liability"],
          [[data.policyNumber, `${usDate(data.effectiveDate)} at 12:01 a.m. standard time`, data.hazmat ? "Hazardous materials" : "General freight", money(data.limit)]],
        ),
        smallPrint(
          data.hazmat
            ? `The insured transports hazardous materials: the limit is ${money(MCS90_LIMITS.hazmat)} for each accident.`
            : `The limit is the federal minimum of ${money(MCS90_LIMITS.standard)} for each accident.`,
        ),
        sectionHeading("Terms of this endorsement"),
        ...MCS90_TERMS.map((text) => ({ text, margin: [0, 0, 0, 6] })),
        smallPrint("A plain-language statement of the MCS-90 endorsement's terms, issued with the policy. It is not the official FMCSA form."),
      ],
    };
  },
});
