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
  const { input, fields } = extraction.value;
  // What the PDF said is held to the same rules as what a client sends (#shared/input): trimmed, a
  // blank field is missing (and reported below), controls, money, dates and the deductible checked.
  const checked = checkInput({ ...input, ...overrides } as Partial<CreateSubmissionInput>, clockOf(principal).today());
  if (!checked.ok) return checked;
  const merged = checked.value;
  const missing = REQUIRED_SUBMISSION_FIELDS.filter((f) => merged[f] === undefined || merged[f] === null || merged[f] === "");
  const report: IntakeRecord = {
    source: "acord125",
    fields: fields.map((f) => ({
      field: String(f.field),
      found: f.found || (overrides as Record<string, unknown>)[String(f.field)] !== undefined,
      confidence: (overrides as Record<string, unknown>)[String(f.field)] !== undefined ? 1 : f.confidence,
      source: (overrides as Record<string, unknown>)[String(f.field)] !== undefined ? "overrides" : f.source,
    })),
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
