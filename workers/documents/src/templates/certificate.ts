/**
 * The certificate of insurance: the ACORD 25 data set (producer, insured, insurers with NAIC codes,
 * coverages with policy numbers, dates and limits, description of operations, the additional
 * insured and waiver boxes, the holder, the cancellation clause and the "matter of information only"
 * notice) in the platform's own layout. Deliberately not an ACORD form: no ACORD name, mark or form
 * number, which only ACORD licensees may print.
 */
import { z } from "zod";
import { defineDrawnTemplate } from "./template.ts";
import { money, usDate } from "./layout.ts";

/** The notice every certificate carries, word for word (it is what makes a certificate evidence, not cover). */
export const CERTIFICATE_NOTICE =
  "THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER. " +
  "THIS CERTIFICATE DOES NOT AFFIRMATIVELY OR NEGATIVELY AMEND, EXTEND OR ALTER THE COVERAGE AFFORDED BY THE POLICIES BELOW. " +
  "THIS CERTIFICATE OF INSURANCE DOES NOT CONSTITUTE A CONTRACT BETWEEN THE ISSUING INSURER(S), AUTHORIZED REPRESENTATIVE OR PRODUCER, AND THE CERTIFICATE HOLDER.";

/** What the additional-insured and waiver boxes mean, as the standard certificate explains them. */
export const CERTIFICATE_IMPORTANT =
  "IMPORTANT: If the certificate holder is an ADDITIONAL INSURED, the policy(ies) must have ADDITIONAL INSURED provisions or be endorsed. " +
  "If SUBROGATION IS WAIVED, subject to the terms and conditions of the policy, certain policies may require an endorsement. " +
  "A statement on this certificate does not confer rights to the certificate holder in lieu of such endorsement(s).";

export const CANCELLATION_CLAUSE =
  "SHOULD ANY OF THE ABOVE DESCRIBED POLICIES BE CANCELLED BEFORE THE EXPIRATION DATE THEREOF, NOTICE WILL BE DELIVERED IN ACCORDANCE WITH THE POLICY PROVISIONS.";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a YYYY-MM-DD date");
const line = (max: number) => z.string().trim().min(1).max(max);

/** A postal address (the holder's). */
export const certificateAddress = z.strictObject({
  line1: line(200),
  line2: z.string().trim().max(200).optional(),
  city: line(100),
  state: z.string().regex(/^[A-Z]{2}$/, "a two-letter state code"),
  postalCode: z.string().regex(/^\d{5}(-\d{4})?$/, "a ZIP or ZIP+4"),
});

export const certificateHolder = z.strictObject({ name: line(200), address: certificateAddress });

const coverage = z.strictObject({
  lineOfBusiness: z.enum(["GL", "CA", "PROP"]),
  title: line(200),
  insurerLetter: z.string().regex(/^[A-F]$/),
  policyNumber: line(64),
  effectiveDate: isoDate,
  expirationDate: isoDate,
  limits: z.array(z.strictObject({ label: line(100), amount: z.number().nonnegative() })).min(1),
  additionalInsured: z.boolean(),
  waiverOfSubrogation: z.boolean(),
});

/** The certificate's data: underwriting's facts, the producer, the holder and the number. */
export const certificateData = z.strictObject({
  number: z.string().regex(/^COI-\d{4}-\d{6}$/),
  issuedOn: isoDate,
  producer: z.strictObject({ name: line(200), orgId: line(64), slug: z.string().max(100).nullable() }),
  insured: z.strictObject({ name: line(200), state: z.string().regex(/^[A-Z]{2}$/), email: z.string().max(320).nullable() }),
  insurers: z.array(z.strictObject({ letter: z.string().regex(/^[A-F]$/), name: line(200), naic: z.string().regex(/^\d{5}$/).nullable() })).min(1).max(6),
  coverages: z.array(coverage).min(1),
  holder: certificateHolder,
  descriptionOfOperations: z.string().max(2000).nullable(),
  additionalInsured: z.boolean(),
  waiverOfSubrogation: z.boolean(),
  /** A cancellation already scheduled (effective after today): printed so the holder is not misled. */
  cancellationEffectiveDate: isoDate.nullable(),
});

export type CertificateData = z.infer<typeof certificateData>;

const box = (checked: boolean) => (checked ? "[X]" : "[ ]");

function addressLines(address: CertificateData["holder"]["address"]): string[] {
  return [address.line1, ...(address.line2 ? [address.line2] : []), `${address.city}, ${address.state} ${address.postalCode}`];
}

/** Property has its own certificate title; the liability lines share the liability one. */
function titleOf(data: CertificateData): string {
  return data.coverages.every((c) => c.lineOfBusiness === "PROP") ? "CERTIFICATE OF PROPERTY INSURANCE" : "CERTIFICATE OF LIABILITY INSURANCE";
}

/**
 * Drawn directly (pdf/flow.ts) rather than laid out by pdfmake: a certificate is issued on request,
 * often many at once, and its layout is fixed, so it is the one paper where the render's cost is
 * what the caller waits for (`npm run bench:documents`).
 */
export const certificateTemplate = defineDrawnTemplate({
  name: "certificate",
  schema: certificateData,
  title: (data) => `Certificate of insurance ${data.number}`,
  draw(data, flow) {
    const coverageRows = data.coverages.map((c) => [
      c.insurerLetter,
      c.title,
      c.additionalInsured ? "Y" : "N",
      c.waiverOfSubrogation ? "Y" : "N",
      c.policyNumber,
      usDate(c.effectiveDate),
      usDate(c.expirationDate),
      c.limits.map((l) => `${l.label}: ${money(l.amount)}`).join("\n"),
    ]);
    flow.add(
      flow.titleBand(titleOf(data), [`Certificate No. ${data.number}`, `Date issued ${usDate(data.issuedOn)}`]),
      flow.smallPrint(CERTIFICATE_NOTICE),
      flow.smallPrint(CERTIFICATE_IMPORTANT),
      flow.sideBySide(
        ["Producer", [data.producer.name, ["Producer id", data.producer.orgId], ...(data.producer.slug ? [["Handle", data.producer.slug] as [string, string]] : [])]],
        ["Insurer(s) affording coverage", data.insurers.map((i) => [`Insurer ${i.letter}`, `${i.name} - NAIC # ${i.naic ?? "not on file"}`] as [string, string])],
      ),
      flow.fieldBox("Insured", [data.insured.name, ["State", data.insured.state], ...(data.insured.email ? [["Email", data.insured.email] as [string, string]] : [])]),
      flow.heading("Coverages"),
      flow.smallPrint(
        "THIS IS TO CERTIFY THAT THE POLICIES OF INSURANCE LISTED BELOW HAVE BEEN ISSUED TO THE INSURED NAMED ABOVE FOR THE POLICY PERIOD INDICATED. " +
          "THE INSURANCE AFFORDED BY THE POLICIES DESCRIBED HEREIN IS SUBJECT TO ALL THE TERMS, EXCLUSIONS AND CONDITIONS OF SUCH POLICIES.",
      ),
      ...flow.table(["Ltr", "Type of insurance", "Addl insd", "Subr wvd", "Policy number", "Policy eff", "Policy exp", "Limits"], coverageRows, [18, "*", 30, 30, 80, 58, 58, 134]),
      flow.fieldBox("Description of operations / locations / vehicles", [data.descriptionOfOperations ?? "None stated."]),
      flow.fieldBox("Endorsements evidenced", [
        `${box(data.additionalInsured)} The certificate holder is an additional insured`,
        `${box(data.waiverOfSubrogation)} Subrogation is waived in favour of the certificate holder`,
        ...(data.cancellationEffectiveDate ? [`Cancellation scheduled: the policy is cancelled effective ${usDate(data.cancellationEffectiveDate)}.`] : []),
      ]),
      flow.space(4),
      flow.sideBySide(["Certificate holder", [data.holder.name, ...addressLines(data.holder.address)]], ["Cancellation", [CANCELLATION_CLAUSE, ["Authorized representative", data.producer.name]]]),
    );
    return { subject: `${data.insured.name} - ${data.coverages.map((c) => c.policyNumber).join(", ")}` };
  },
});
