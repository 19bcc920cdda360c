import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { checkInput } from "#shared/input";
import { parseAcord125, REQUIRED_SUBMISSION_FIELDS } from "./intake/acord125.ts";
import { assessReadiness, type Readiness } from "./intake/triage.ts";
import type { IntakeRecord } from "./schema.ts";
import { findSubmission } from "./submissions.repo.ts";
import { createSubmission, toSubmission } from "./submissions.service.ts";
import type { CreateSubmissionInput, Submission } from "./types.ts";

/**
 * ACORD 125 intake: read the PDF's form fields, apply the caller's `overrides` on top, and create
 * the submission when every required field is known. Otherwise answer `validation_failed` with the
 * full field report, so the caller can send the missing fields as overrides.
 */
export async function createSubmissionFromAcord(
  db: DrizzleD1Database,
  principal: Principal,
  pdf: Uint8Array,
  overrides: Partial<CreateSubmissionInput>,
): Promise<Result<Submission>> {
  const extraction = await parseAcord125(pdf);
  if (!extraction.ok) return extraction;
  const { input, fields, contact } = extraction.value;
  // The named insured's phone and mailing address ride on `insured` beside the form's email (an
  // `insured` in the overrides replaces the form's whole contact); without an email there is no
  // insured to hold them, and the field report still shows what was read.
  const email = overrides.insured?.email ?? overrides.insuredEmail ?? input.insuredEmail;
  if (overrides.insured === undefined && typeof email === "string" && (contact.phone !== null || contact.mailingAddress !== null)) {
    input.insured = { email, ...(contact.phone !== null ? { phone: contact.phone } : {}), ...(contact.mailingAddress !== null ? { mailingAddress: contact.mailingAddress } : {}) };
  }
  // What the PDF said is held to the same rules as what a client sends (#shared/input): trimmed, a
  // blank field is missing (and reported below), controls, money, dates and the deductible checked.
  const checked = checkInput({ ...input, ...overrides } as Partial<CreateSubmissionInput>, clockOf(principal).today());
  if (!checked.ok) return checked;
  const merged = checked.value;
  const missing = REQUIRED_SUBMISSION_FIELDS.filter((f) => merged[f] === undefined || merged[f] === null || merged[f] === "");
  const report: IntakeRecord = {
    source: "acord125",
    fields: [
      ...fields.map((f) => ({
        field: String(f.field),
        found: f.found || (overrides as Record<string, unknown>)[String(f.field)] !== undefined,
        confidence: (overrides as Record<string, unknown>)[String(f.field)] !== undefined ? 1 : f.confidence,
        source: (overrides as Record<string, unknown>)[String(f.field)] !== undefined ? "overrides" : f.source,
      })),
      // An `insured` override replaces the form's contact: each piece is then the override's, if it has it.
      ...contact.fields.map((f) => {
        if (overrides.insured === undefined) return { field: String(f.field), found: f.found, confidence: f.confidence, source: f.source };
        const given = pathOf(overrides.insured, String(f.field).replace(/^insured\./, "")) !== undefined;
        return { field: String(f.field), found: given, confidence: given ? 1 : 0, source: given ? "overrides" : null };
      }),
    ],
    missing: [...missing],
  };
  if (missing.length > 0) {
    return fail("validation_failed", `The ACORD 125 form is missing required fields: ${missing.join(", ")}; send them as overrides`, {
      field: missing[0]!,
      rule: "required",
      missing: [...missing],
      fields: report.fields,
    });
  }
  return createSubmission(db, principal, merged as CreateSubmissionInput, report);
}

/** The 0–100 readiness score, the checks that cost points and what is missing. */
export async function getQuoteReadiness(
  db: DrizzleD1Database,
  principal: Principal,
  id: string,
): Promise<Result<Readiness & { submissionId: string }>> {
  const row = await findSubmission(db, principal.orgId, id);
  if (!row) return notFound("Submission");
  const asOf = clockOf(principal).today();
  return ok({ submissionId: row.id, ...assessReadiness(toSubmission(row, asOf), asOf) });
}

/** `obj`'s value at a dotted path (`mailingAddress.city`), or undefined. */
function pathOf(obj: unknown, path: string): unknown {
  let at: unknown = obj;
  for (const key of path.split(".")) at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return at ?? undefined;
}
