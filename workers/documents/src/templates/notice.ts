/**
 * The policy notice template: cancellation, pending cancellation (billing's delinquency notice),
 * non-renewal, reinstatement, or a general notice, to a recipient about one policy. The notice's
 * opening statement follows its kind; the client's paragraphs carry everything else (the reason in
 * full, what the recipient may do, the regulator's wording where a state requires it).
 */
import { z } from "zod";
import type { Content } from "../pdf/render.ts";
import { fieldBox, sideBySide, titleBand, usDate } from "./layout.ts";
import { isoDate, party, partyLines, text } from "./fields.ts";
import { defineTemplate } from "./template.ts";

export const NOTICE_KINDS = ["cancellation", "pending_cancellation", "non_renewal", "reinstatement", "general"] as const;
type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The data of a notice. */
export const noticeData = z
  .strictObject({
    kind: z.enum(NOTICE_KINDS),
    /** The sender's reference for the notice. */
    noticeNumber: text(64).optional(),
    /** The date the notice is given. */
    noticeDate: isoDate,
    /** When the cancellation, non-renewal or reinstatement takes effect; required but for a general notice. */
    effectiveDate: isoDate.optional(),
    policyNumber: text(64),
    /** The named insured, when the recipient is someone else (a mortgagee, a certificate holder). */
    insuredName: text(200).optional(),
    recipient: party,
    /** Who gives notice: the carrier, MGA or agency. */
    sender: party.optional(),
    /** The heading; by default the kind's ("Notice of Cancellation", …). */
    subject: text(200).optional(),
    reason: text(500).optional(),
    paragraphs: z.array(text(4000)).min(1).max(50),
    signature: z.strictObject({ name: text(200), title: text(200).optional() }).optional(),
  })
  .superRefine((data, ctx) => {
    if (data.kind !== "general" && data.effectiveDate === undefined) {
      ctx.addIssue({ code: "custom", path: ["effectiveDate"], message: `is required for a ${data.kind.replace("_", " ")} notice` });
    }
  });

export type NoticeData = z.infer<typeof noticeData>;

const SUBJECT: Record<NoticeKind, string> = {
  cancellation: "Notice of Cancellation",
  pending_cancellation: "Notice of Pending Cancellation",
  non_renewal: "Notice of Non-Renewal",
  reinstatement: "Notice of Reinstatement",
  general: "Policy Notice",
};

/** The opening statement of each kind (a general notice has none). */
function statement(data: NoticeData): string | null {
  const on = data.effectiveDate ? usDate(data.effectiveDate) : "";
  switch (data.kind) {
    case "cancellation":
      return `Policy ${data.policyNumber} is cancelled effective ${on}.`;
    case "pending_cancellation":
      return `Policy ${data.policyNumber} is scheduled to be cancelled effective ${on}.`;
    case "non_renewal":
      return `Policy ${data.policyNumber} will not be renewed. Coverage ends on ${on}.`;
    case "reinstatement":
      return `Policy ${data.policyNumber} is reinstated effective ${on}.`;
    case "general":
      return null;
  }
}

const subjectOf = (data: NoticeData) => data.subject ?? SUBJECT[data.kind];

export const notice = defineTemplate({
  name: "notice",
  schema: noticeData,
  title: (data) => `${subjectOf(data)} ${data.policyNumber}`,
  definition: (data) => {
    const policy: [string, string][] = [["Policy number", data.policyNumber]];
    if (data.insuredName) policy.push(["Named insured", data.insuredName]);
    if (data.effectiveDate) policy.push(["Effective date", usDate(data.effectiveDate)]);
    const opening = statement(data);
    const content: Content[] = [
      titleBand(subjectOf(data).toUpperCase(), [`Date ${usDate(data.noticeDate)}`, ...(data.noticeNumber ? [`Notice ${data.noticeNumber}`] : [])]),
      sideBySide(fieldBox("To", partyLines(data.recipient)), fieldBox("Policy", policy)),
    ];
    if (data.sender) content.push(fieldBox("From", partyLines(data.sender)), { text: "", margin: [0, 0, 0, 8] });
    if (opening) content.push({ text: opening, bold: true, margin: [0, 4, 0, 6] });
    if (data.reason) content.push({ text: [{ text: "Reason: ", bold: true }, data.reason], margin: [0, 0, 0, 6] });
    content.push(...data.paragraphs.map((p) => ({ text: p, margin: [0, 0, 0, 6] })));
    if (data.signature) content.push({ stack: [data.signature.name, ...(data.signature.title ? [data.signature.title] : [])], margin: [0, 18, 0, 0] });
    return { info: { title: `${subjectOf(data)} ${data.policyNumber}`, subject: `Policy ${data.policyNumber}` }, content };
  },
});
