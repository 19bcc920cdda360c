/**
 * First notice of loss: the policy is read through underwriting's internal RPC and the loss date
 * judged against its timeline (coverage.ts); an open claim for the same loss is a 409; the claim
 * number comes from the org's counter for the loss year, moved in the same batch as the insert, so
 * a filing that does not commit consumes no number.
 */
import { and, eq, notInArray, sql } from "drizzle-orm";
import type { Claim, CreateClaimRequest, LossLocation } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically, isUniqueViolation } from "#shared/db";
import { fail, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import { toCents } from "#shared/money";
import type { ClaimsDeps } from "./changes.ts";
import { findClaim, toClaim } from "./claims.repo.ts";
import { coverageMessage, judgeCoverage } from "./coverage.ts";
import { claimActivity, claims } from "./schema.ts";

const REQUIRED = ["policyId", "lossDate", "description", "causeOfLoss", "lossLocation", "claimant"] as const;

/** Street words written either way, so "12 Main Street" and "12 main st." are one location. */
const ABBREVIATIONS: Record<string, string> = { street: "st", avenue: "ave", road: "rd", boulevard: "blvd", drive: "dr", lane: "ln", court: "ct", place: "pl", highway: "hwy", north: "n", south: "s", east: "e", west: "w" };

function normalise(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(" ");
}

/** What makes two FNOLs the same loss: the policy, the loss date and the normalised location (the second address line aside). */
export function dedupeKeyOf(policyId: string, lossDate: string, location: LossLocation): string {
  return [policyId, lossDate, normalise(location.line1), normalise(location.city), location.state.toUpperCase(), location.postalCode.slice(0, 5)].join("|");
}

/** An open claim (not closed or denied) for the same loss. */
async function openDuplicate(deps: ClaimsDeps, orgId: string, dedupeKey: string) {
  return deps.db
    .select({ id: claims.id, claimNumber: claims.claimNumber })
    .from(claims)
    .where(and(eq(claims.orgId, orgId), eq(claims.dedupeKey, dedupeKey), notInArray(claims.status, ["closed", "denied"])))
    .get();
}

const duplicate = (existing: { id: string; claimNumber: string }) =>
  fail("conflict", `An open claim (${existing.claimNumber}) already reports this loss on this policy; send "confirmDistinct": true to file another`, {
    existingClaimId: existing.id,
    existingClaimNumber: existing.claimNumber,
  });

export async function createClaim(deps: ClaimsDeps, principal: Principal, input: CreateClaimRequest): Promise<Result<Claim>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today(), REQUIRED);
  if (!checked.ok) return checked;
  const body = checked.value;
  const orgId = principal.orgId;

  const facts = await deps.underwriting.policyForClaim(orgId, body.policyId);
  if (!facts.ok) return facts.error.code === "not_found" ? fail("not_found", "Policy not found", { field: "policyId" }) : facts;
  const policy = facts.value;
  const coverage = judgeCoverage(policy, body.lossDate);
  if (!coverage.covered) return fail("loss_outside_coverage", coverageMessage(coverage), { rule: coverage.rule, policyId: policy.policyId, ...coverage.dates });

  const dedupeKey = dedupeKeyOf(policy.policyId, body.lossDate, body.lossLocation);
  const distinct = body.confirmDistinct === true;
  if (!distinct) {
    const existing = await openDuplicate(deps, orgId, dedupeKey);
    if (existing) return duplicate(existing);
  }

  const id = newId("clm");
  const at = clock.now().toISOString();
  const year = Number(body.lossDate.slice(0, 4));
  const limitCents = toCents(policy.limit)!;
  const deductibleCents = policy.deductible === null ? null : toCents(policy.deductible)!;
  const estimatedLossCents = body.estimatedLoss === undefined ? null : toCents(body.estimatedLoss);
  const statements = [
    sql`INSERT INTO claim_number_sequences (org_id, year, last_value) VALUES (${orgId}, ${year}, 1)
      ON CONFLICT (org_id, year) DO UPDATE SET last_value = last_value + 1`,
    sql`INSERT INTO claims (id, org_id, claim_number, loss_year, status, policy_id, policy_number, line_of_business, loss_date,
        description, cause_of_loss, loss_location, claimant, reported_by, estimated_loss_cents, police_report_number, adjuster_id,
        policy_limit_cents, deductible_cents, indemnity_paid_cents, indemnity_outstanding_cents, expense_paid_cents, expense_outstanding_cents,
        denial_reason, dedupe_key, dedupe_slot, version, created_at, updated_at)
      SELECT ${id}, ${orgId}, 'CLM-' || ${String(year)} || '-' || printf('%06d', last_value), ${year}, 'open', ${policy.policyId}, ${policy.policyNumber},
        ${policy.lineOfBusiness}, ${body.lossDate}, ${body.description}, ${body.causeOfLoss}, ${JSON.stringify(body.lossLocation)}, ${JSON.stringify(body.claimant)},
        ${body.reportedBy ?? null}, ${estimatedLossCents}, ${body.policeReportNumber ?? null}, NULL, ${limitCents}, ${deductibleCents}, 0, 0, 0, 0,
        NULL, ${dedupeKey}, ${distinct ? null : dedupeKey}, 1, ${at}, ${at}
      FROM claim_number_sequences WHERE org_id = ${orgId} AND year = ${year}`,
    deps.db.insert(claimActivity).values({
      claimId: id,
      seq: 1,
      orgId,
      type: "filed",
      statusAfter: "open",
      actor: principal.actorId,
      details: { policyId: policy.policyId, lossDate: body.lossDate, confirmDistinct: distinct, coverage: { effectiveDate: policy.effectiveDate, expirationDate: policy.expirationDate } },
      createdAt: at,
    }),
    sql`INSERT INTO events (id, org_id, type, data, created_at)
      SELECT ${newId("evt")}, org_id, 'claim.filed', json_object('claimId', id, 'claimNumber', claim_number, 'policyId', policy_id, 'status', status,
        'currency', 'USD', 'lossDate', loss_date, 'description', description, 'causeOfLoss', cause_of_loss), ${at}
      FROM claims WHERE id = ${id}`,
  ];
  try {
    await atomically(deps.db, statements);
  } catch (error) {
    // A concurrent filing of the same loss committed first: it holds the open-duplicate slot.
    if (!distinct && isUniqueViolation(error, "claims.dedupe_slot")) {
      const existing = await openDuplicate(deps, orgId, dedupeKey);
      if (existing) return duplicate(existing);
    }
    throw error;
  }
  const row = await findClaim(deps.db, orgId, id);
  return ok(toClaim(row!));
}

