import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { addYears, isValidDate } from "#shared/dates";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { deductibleIssue, moneyIssue } from "#shared/input";
import { isOfficialNaicsCode, NAICS_CODES_EDITION } from "#shared/naics";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { pageSize, toPage, type Page } from "#shared/pagination";
import { recordEvent } from "./events.ts";
import { submissions, type SubmissionRow } from "./schema.ts";
import { findSubmission, listSubmissionRows } from "./submissions.repo.ts";
import { triageSummary } from "./intake/triage.ts";
import type { InsuredContactRecord, IntakeRecord } from "./schema.ts";
import type { CreateSubmissionInput, ListSubmissionsQuery, Submission } from "./types.ts";

/** Money fields of a submission body, in the order their errors are reported. */
const MONEY_FIELDS = ["annualRevenue", "requestedLimit", "deductible", "propertyValues"] as const;

/** An email as insureds are keyed by it: trimmed, lower case. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * The insured's email and contact from `insured` and / or the older `insuredEmail`, which must then
 * name the same address (400 on `insured.email` otherwise).
 */
function insuredContactOf(input: CreateSubmissionInput): Result<{ email: string | null; contact: InsuredContactRecord | null }> {
  const legacy = input.insuredEmail === undefined ? null : normalizeEmail(input.insuredEmail);
  if (!input.insured) return ok({ email: legacy, contact: null });
  const email = normalizeEmail(input.insured.email);
  if (legacy !== null && legacy !== email) return invalid("insured.email", "matches_insured_email", "insured.email and insuredEmail name different addresses; send one");
  const phone = input.insured.phone?.trim() || null;
  return ok({ email, contact: { phone, mailingAddress: input.insured.mailingAddress ?? null } });
}

/**
 * Validate a submission body beyond its shape (money to cents, real dates) and build its row.
 * Shared by JSON intake, ACORD 125 intake and renewals.
 */
export function buildSubmissionRow(
  principal: Principal,
  input: CreateSubmissionInput,
  extra: { intake?: IntakeRecord | null; renewalOfPolicyId?: string | null; status?: SubmissionRow["status"] } = {},
): Result<SubmissionRow> {
  const cents: Partial<Record<(typeof MONEY_FIELDS)[number], number>> = {};
  for (const field of MONEY_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    const issue = moneyIssue(value, field);
    if (issue) return invalid(issue.field, issue.rule, issue.message);
    cents[field] = toCents(value)!;
  }
  if (!cents.requestedLimit) return invalid("requestedLimit", "positive", "requestedLimit must be greater than zero");
  const deductible = input.deductible === undefined ? null : deductibleIssue(input.deductible, input.requestedLimit);
  if (deductible) return invalid(deductible.field, deductible.rule, deductible.message);
  if (!isValidDate(input.effectiveDate)) return invalid("effectiveDate", "date", "effectiveDate must be a calendar date (YYYY-MM-DD)");
  // A renewal carries the code of the policy it renews, accepted when that policy was written; only a
  // new risk is held to the list, so no renewal of a policy already on the books is refused for it.
  if (!extra.renewalOfPolicyId && !isOfficialNaicsCode(input.naicsCode)) {
    return invalid("naicsCode", "naics_code", `naicsCode ${String(input.naicsCode)} is not an industry of the official ${NAICS_CODES_EDITION} NAICS list`);
  }
  // Hazardous materials set a motor carrier's MCS-90 limit; on another line the flag would mean nothing, so it is refused, not ignored.
  if (input.hazmat === true && input.lineOfBusiness !== "CA") return invalid("hazmat", "line_of_business", "hazmat applies only to commercial auto (lineOfBusiness CA)");
  const contact = insuredContactOf(input);
  if (!contact.ok) return contact;

  const priorLosses = [];
  for (const [i, loss] of (input.priorLosses ?? []).entries()) {
    const issue = moneyIssue(loss.amount, `priorLosses.${i}.amount`);
    if (issue) return invalid(issue.field, issue.rule, issue.message);
    const amountCents = toCents(loss.amount)!;
    priorLosses.push({ year: loss.year, amountCents, description: loss.description ?? null });
  }

  const now = clockOf(principal).now().toISOString();
  return ok({
    id: newId("sub"),
    orgId: principal.orgId,
    status: extra.status ?? "received",
    insuredName: input.insuredName.trim(),
    naicsCode: input.naicsCode,
    annualRevenueCents: cents.annualRevenue ?? 0,
    requestedLimitCents: cents.requestedLimit,
    deductibleCents: cents.deductible ?? null,
    effectiveDate: input.effectiveDate,
    expirationDate: addYears(input.effectiveDate, 1),
    state: input.state,
    lineOfBusiness: input.lineOfBusiness,
    insuredEmail: contact.value.email,
    insuredContact: contact.value.contact,
    producerId: input.producerId ?? null,
    propertyValuesCents: cents.propertyValues ?? null,
    vehicleCount: input.vehicleCount ?? null,
    hazmat: input.hazmat === true,
    yearsInBusiness: input.yearsInBusiness ?? null,
    priorLosses,
    notes: input.notes ?? null,
    createdBy: principal.actorId,
    createdAt: now,
    updatedAt: now,
    currentQuoteId: null,
    policyId: null,
    renewalOfPolicyId: extra.renewalOfPolicyId ?? null,
    referralCode: input.referralCode ? input.referralCode.toUpperCase() : null,
    attribution: null,
    intake: extra.intake ?? { source: "json", fields: [], missing: [] },
  });
}

export async function createSubmission(
  db: DrizzleD1Database,
  principal: Principal,
  input: CreateSubmissionInput,
  intake?: IntakeRecord,
): Promise<Result<Submission>> {
  const built = buildSubmissionRow(principal, input, { intake });
  if (!built.ok) return built;
  const row = built.value;
  await db.batch([
    db.insert(submissions).values(row),
    recordEvent(db, principal.orgId, "submission.created", { submissionId: row.id, lineOfBusiness: row.lineOfBusiness, insuredName: row.insuredName }, row.createdAt),
  ]);
  return ok(toSubmission(row, clockOf(principal).today()));
}

export async function getSubmission(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Submission>> {
  const row = await findSubmission(db, principal.orgId, id);
  return row ? ok(toSubmission(row, clockOf(principal).today())) : notFound("Submission");
}

export async function listSubmissions(
  db: DrizzleD1Database,
  principal: Principal,
  query: ListSubmissionsQuery,
): Promise<Result<Page<Submission>>> {
  const rows = await listSubmissionRows(db, principal.orgId, query);
  if (!rows.ok) return rows;
  const today = clockOf(principal).today();
  return ok(toPage(rows.value, pageSize(query.limit), (row) => toSubmission(row, today)));
}

/** The public submission, with its triage computed as of `asOf` (today on the org's clock). */
export function toSubmission(row: SubmissionRow, asOf: string): Submission {
  const money = (c: number | null) => (c === null ? null : fromCents(c));
  const base: Omit<Submission, "triage"> = {
    id: row.id,
    status: row.status,
    insuredName: row.insuredName,
    naicsCode: row.naicsCode,
    annualRevenue: fromCents(row.annualRevenueCents),
    requestedLimit: fromCents(row.requestedLimitCents),
    deductible: money(row.deductibleCents),
    effectiveDate: row.effectiveDate,
    expirationDate: row.expirationDate,
    state: row.state,
    lineOfBusiness: row.lineOfBusiness,
    insuredEmail: row.insuredEmail,
    insured: row.insuredEmail === null ? null : { email: row.insuredEmail, phone: row.insuredContact?.phone ?? null, mailingAddress: row.insuredContact?.mailingAddress ?? null },
    producerId: row.producerId,
    propertyValues: money(row.propertyValuesCents),
    vehicleCount: row.vehicleCount,
    hazmat: row.hazmat,
    yearsInBusiness: row.yearsInBusiness,
    priorLosses: row.priorLosses.map((l) => ({ year: l.year, amount: fromCents(l.amountCents), ...(l.description ? { description: l.description } : {}) })),
    notes: row.notes,
    currency: CURRENCY,
    intake: row.intake,
    currentQuoteId: row.currentQuoteId,
    policyId: row.policyId,
    renewalOfPolicyId: row.renewalOfPolicyId,
    referralCode: row.referralCode ?? null,
    attribution: row.attribution ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  return { ...base, triage: triageSummary(base, asOf) };
}
