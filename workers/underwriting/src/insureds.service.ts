/**
 * Insureds: the policyholders behind bound policies, one per org and normalised email. A bind
 * creates and links them (bind.service.ts, `linkInsured`); the org reads and corrects them here, and
 * the portal worker signs them in and reads their policies through `UnderwritingInternal`.
 */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Insured, UpdateInsuredRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isUniqueViolation } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import type { InsuredIdentity } from "#shared/rpc";
import { toPolicy, toPolicyWithInstallments } from "./policies.service.ts";
import { documentsOfPolicies } from "./policy-paper.ts";
import { installments, insureds, policies, type InsuredRow } from "./schema.ts";
import { normalizeEmail } from "./submissions.service.ts";
import type { Policy } from "./types.ts";

/** The most policies the portal lists for one insured (newest first): one `IN (…)` of their ids stays under D1's 100 parameters. */
export const MAX_INSURED_POLICIES = 50;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function findInsured(db: DrizzleD1Database, orgId: string, id: string): Promise<InsuredRow | undefined> {
  return db.select().from(insureds).where(and(eq(insureds.orgId, orgId), eq(insureds.id, id))).get();
}

async function toInsured(db: DrizzleD1Database, row: InsuredRow): Promise<Insured> {
  const linked = await db
    .select({ id: policies.id })
    .from(policies)
    .where(and(eq(policies.orgId, row.orgId), eq(policies.insuredId, row.id)))
    .orderBy(asc(policies.createdAt), asc(policies.id))
    .all();
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    mailingAddress: row.mailingAddress,
    policyIds: linked.map((p) => p.id),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function getInsured(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Insured>> {
  const row = await findInsured(db, principal.orgId, id);
  return row ? ok(await toInsured(db, row)) : notFound("Insured");
}

/**
 * Correct an insured's email. Sign-in is by email, so their portal access moves with it: codes
 * already sent to the old address stop working (the portal checks the insured's email when a code
 * is used). Another insured of the org with that address is 409.
 */
export async function updateInsured(db: DrizzleD1Database, principal: Principal, id: string, input: UpdateInsuredRequest): Promise<Result<Insured>> {
  if (typeof input?.email !== "string" || !EMAIL.test(input.email.trim())) return invalid("email", "email", "email must be an email address");
  const email = normalizeEmail(input.email);
  const row = await findInsured(db, principal.orgId, id);
  if (!row) return notFound("Insured");
  if (row.email === email) return ok(await toInsured(db, row));
  try {
    await db
      .update(insureds)
      .set({ email, updatedAt: clockOf(principal).now().toISOString() })
      .where(and(eq(insureds.orgId, principal.orgId), eq(insureds.id, id)));
  } catch (err) {
    if (!isUniqueViolation(err, "insureds.")) throw err;
    const other = await db.select({ id: insureds.id }).from(insureds).where(and(eq(insureds.orgId, principal.orgId), eq(insureds.email, email))).get();
    return fail("conflict", "Another insured of the org has that email", { field: "email", ...(other ? { existingInsuredId: other.id } : {}) });
  }
  return ok(await toInsured(db, (await findInsured(db, principal.orgId, id))!));
}

// For the portal (UnderwritingInternal): trusted with the org and insured the portal's token names.

/** Every org's insured with this email (sign-in asks each org it is known to). */
export async function insuredsByEmail(db: DrizzleD1Database, email: string): Promise<InsuredIdentity[]> {
  if (typeof email !== "string") return [];
  const rows = await db.select().from(insureds).where(eq(insureds.email, normalizeEmail(email))).orderBy(asc(insureds.createdAt)).limit(20).all();
  return rows.map(toIdentity);
}

const toIdentity = (row: InsuredRow): InsuredIdentity => ({
  insuredId: row.id,
  orgId: row.orgId,
  name: row.name,
  email: row.email,
  phone: row.phone,
  mailingAddress: row.mailingAddress,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** Insured `insuredId` of `orgId`, or null. */
export async function insuredOf(db: DrizzleD1Database, orgId: string, insuredId: string): Promise<InsuredIdentity | null> {
  const row = await findInsured(db, orgId, insuredId);
  return row ? toIdentity(row) : null;
}

/** The insured `policyId` of `orgId` is linked to, or null (no such policy, or bound without an insured): whom the portal notifies about it. */
export async function policyInsured(db: DrizzleD1Database, orgId: string, policyId: string): Promise<InsuredIdentity | null> {
  const row = await db.select({ insuredId: policies.insuredId }).from(policies).where(and(eq(policies.orgId, orgId), eq(policies.id, String(policyId)))).get();
  return row?.insuredId ? insuredOf(db, orgId, row.insuredId) : null;
}

/** The insured's policies, newest first (at most {@link MAX_INSURED_POLICIES}), with schedule and paper; `today` decides expiry. */
export async function insuredPolicies(db: DrizzleD1Database, orgId: string, insuredId: string, today: string): Promise<Policy[]> {
  const rows = await db
    .select()
    .from(policies)
    .where(and(eq(policies.orgId, orgId), eq(policies.insuredId, insuredId)))
    .orderBy(desc(policies.createdAt), desc(policies.id))
    .limit(MAX_INSURED_POLICIES)
    .all();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const schedule = await db.select().from(installments).where(inArray(installments.policyId, ids)).orderBy(installments.number).all();
  const paper = await documentsOfPolicies(db, orgId, ids);
  return rows.map((r) => toPolicy(r, schedule.filter((i) => i.policyId === r.id), today, paper.get(r.id) ?? []));
}

/** One policy of the insured; another insured's (or org's) policy is not found. */
export async function insuredPolicy(db: DrizzleD1Database, orgId: string, insuredId: string, policyId: string, today: string): Promise<Result<Policy>> {
  const row = await db.select().from(policies).where(and(eq(policies.orgId, orgId), eq(policies.id, policyId), eq(policies.insuredId, insuredId))).get();
  return row ? ok(await toPolicyWithInstallments(db, row, today)) : notFound("Policy");
}
