/**
 * The platform's own email templates: every email the platform sends of itself (a sign-up code, a
 * team or partner invitation, a policyholder's sign-in code, a notification to an insured, a
 * payment receipt, a delinquency notice) is rendered from one of these, so the text lives in one
 * committed place and the email connector (`GET /v1/connectors/email/templates`) lists them beside
 * the org's own, read-only. An org template may not take one of these names (409): a name means one
 * template, and the platform's copy is the one that sends.
 *
 * Placeholders are `{{name}}` (letters, digits, `_`). A template's `secrets` are the variables that
 * open something (a code, an accept link's token): in production the stored copy of the email (the
 * outbox, which is also the sandbox email log) shows them redacted, and only the copy handed to the
 * email provider carries them (identity's `queueEmail` `deliveryBody`, never stored).
 */
import { fail, ok, type Result } from "./errors.ts";

export interface PlatformEmailTemplate {
  /** Unique, snake_case; also the `template` of each email sent from it. */
  name: string;
  /** What it is for, one line (listed with it). */
  description: string;
  subject: string;
  /** Plain text. */
  body: string;
  /** The placeholders of subject and body, in order of first use: each must be given a value. */
  variables: readonly string[];
  /** Variables redacted in the stored copy in production. */
  secrets: readonly string[];
  /** When this text was last changed (its `createdAt` and `updatedAt` in listings). */
  since: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;

/** What a stored copy shows in place of a secret. */
export const REDACTED = "••••••";

function variablesOf(...texts: string[]): string[] {
  const names: string[] = [];
  for (const text of texts) for (const [, name] of text.matchAll(PLACEHOLDER)) if (!names.includes(name!)) names.push(name!);
  return names;
}

function template(name: string, description: string, subject: string, body: string, secrets: string[] = []): PlatformEmailTemplate {
  return { name, description, subject, body, variables: variablesOf(subject, body), secrets, since: "2026-12-04T00:00:00.000Z" };
}

/** The catalogue, in the order the connector lists it. */
export const PLATFORM_EMAIL_TEMPLATES: readonly PlatformEmailTemplate[] = [
  template(
    "verification_code",
    "The code that verifies a new account's email address (sign-up, resend).",
    "Your OpenInsure verification code",
    "Your OpenInsure verification code is {{code}}. It expires in 15 minutes.\n\nIf you did not sign up for OpenInsure, you can ignore this email.",
    ["code"],
  ),
  template(
    "invitation",
    "An invitation to join the org's team, with its accept link (7 days).",
    "You are invited to join {{orgName}} on OpenInsure",
    'You have been invited to join {{orgName}} on OpenInsure as {{role}}.\n\nAccept the invitation: {{acceptUrl}}?invitation={{invitationId}}&token={{token}}\n\nOr call POST /v1/team/invitations/{{invitationId}}/accept with {"token": "{{token}}", "password": "…"}.\n\nThe invitation expires on {{expiresAt}}. If you were not expecting it, you can ignore this email.',
    ["token"],
  ),
  template(
    "policyholder_code",
    "A policyholder's one-time sign-in code for the org's portal (10 minutes).",
    "Your {{orgName}} sign-in code",
    "Your sign-in code for {{orgName}}'s policyholder portal is {{code}}. It expires in 10 minutes.\n\nOrganisation: {{orgName}} ({{orgSlug}})\n\nIf you did not ask to sign in, you can ignore this email.",
    ["code"],
  ),
  template(
    "payment_receipt",
    "A receipt to the insured for each payment recorded on an invoice, once per payment.",
    "Payment received: invoice {{invoiceNumber}}",
    "Dear {{insuredName}},\n\nWe received your payment of {{currency}} {{amount}} on {{receivedAt}} for invoice {{invoiceNumber}} of policy {{policyNumber}} (paid by {{method}}). Still due on this invoice: {{currency}} {{amountDue}}.\n\nReceipt reference: {{paymentId}}\n\n{{issuer}}",
  ),
  template(
    "delinquency_notice",
    "The notice of pending cancellation for non-payment, to the insured.",
    "Notice of pending cancellation: policy {{policyNumber}}",
    "Dear {{insuredName}},\n\nInvoice {{invoiceNumber}} for policy {{policyNumber}} was due on {{dueDate}} and is unpaid: {{currency}} {{amountDue}} is still due.\n\nUnless it is paid before {{cancelOn}}, policy {{policyNumber}} will be cancelled for non-payment effective {{cancelOn}}, and any premium not earned by then returned.\n\nIf you have already paid, please disregard this notice.{{issuerLine}}",
  ),
  template(
    "certificate_ready",
    "The insured's certificate of insurance is ready in the policyholder portal.",
    "{{title}}",
    "{{message}}\n\nSign in to your policyholder portal for the details.",
  ),
  template(
    "partner_invitation",
    "A referral partner's invitation to create their own partner login (7 days).",
    "You're invited to the partner portal",
    "Hello {{partnerName}},\n\nYou have been invited to create your partner login. It shows your referral links, the clicks and\nsubmissions they brought, and the commissions you earned.\n\nCreate your login: {{acceptUrl}}?token={{token}}\n\nThe link works until {{expiresOn}}. Your referral code is {{referralCode}}.",
    ["token"],
  ),
  template(
    "portal_notification",
    "A notification to an insured from the policyholder portal: payment due, payment failed, claim status changed.",
    "{{title}}",
    "{{message}}\n\nSign in to your policyholder portal for the details.",
  ),
];

/** The platform template named `name`, or undefined. */
export const platformTemplate = (name: string): PlatformEmailTemplate | undefined => PLATFORM_EMAIL_TEMPLATES.find((t) => t.name === name);

/** Fills each placeholder with its value (the caller checked each has one). */
export const fillPlaceholders = (text: string, values: Record<string, string>): string => text.replace(PLACEHOLDER, (_, name: string) => values[name] ?? "");

/** A platform email rendered: what identity's `queueEmail` takes beside the org, address and kind. */
export interface RenderedPlatformEmail {
  template: string;
  subject: string;
  /** The stored copy: secrets redacted in production. */
  body: string;
  /** The copy the provider delivers, only when it differs from `body` (a secret was redacted). */
  deliveryBody?: string;
}

/**
 * Render platform template `name` with `data` (strings or finite numbers). `production` redacts the
 * template's secrets in the stored `body`, keeping the full text in `deliveryBody`. A missing or
 * malformed value is `validation_failed` naming `data.<variable>`; an unknown template, `validation_failed` on `template`.
 */
export function renderPlatformEmail(name: string, data: Record<string, string | number>, options: { production: boolean }): Result<RenderedPlatformEmail> {
  const t = platformTemplate(name);
  if (!t) return fail("validation_failed", `There is no platform template named ${name}`, { field: "template", rule: "exists" });
  const values: Record<string, string> = {};
  for (const variable of t.variables) {
    const value = data[variable];
    if (typeof value === "number" && Number.isFinite(value)) values[variable] = String(value);
    else if (typeof value === "string") values[variable] = value;
    else return fail("validation_failed", `data.${variable} is required by the ${name} template`, { field: `data.${variable}`, rule: "required" });
  }
  const subject = fillPlaceholders(t.subject, values).replace(/[\r\n]+/g, " ").trim().slice(0, 200);
  const full = fillPlaceholders(t.body, values);
  if (!options.production || t.secrets.length === 0) return ok({ template: t.name, subject, body: full });
  const redacted = fillPlaceholders(t.body, { ...values, ...Object.fromEntries(t.secrets.map((s) => [s, REDACTED])) });
  return ok({ template: t.name, subject, body: redacted, ...(redacted === full ? {} : { deliveryBody: full }) });
}

/** {@link renderPlatformEmail} for the platform's own callers, whose data is fixed in code: a missing value is a bug. */
export function platformEmail(name: string, data: Record<string, string | number>, options: { production: boolean }): RenderedPlatformEmail {
  const rendered = renderPlatformEmail(name, data, options);
  if (!rendered.ok) throw new Error(`platform email ${name}: ${rendered.error.message}`);
  return rendered.value;
}
