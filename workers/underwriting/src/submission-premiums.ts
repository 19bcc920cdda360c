/**
 * The premium each of some submissions came to, for the market finder's `similar-businesses`: the
 * bound policy's premium for the term as bound when there is a policy, else the current quote's
 * gross premium, else none. Read in one statement per 90 ids (D1's bound-parameter limit).
 */
import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { SubmissionPremium } from "#shared/rpc";
import { policies, quotes, submissions } from "./schema.ts";

const CHUNK = 90;

export async function submissionPremiums(db: DrizzleD1Database, principal: Principal, ids: readonly string[]): Promise<Result<Record<string, SubmissionPremium>>> {
  const out: Record<string, SubmissionPremium> = {};
  const unique = [...new Set(ids.filter((id) => typeof id === "string"))];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db
      .select({ id: submissions.id, quotePremium: quotes.grossPremiumCents, policyPremium: policies.grossPremiumCents })
      .from(submissions)
      .leftJoin(quotes, and(eq(quotes.orgId, submissions.orgId), eq(quotes.id, submissions.currentQuoteId)))
      .leftJoin(policies, and(eq(policies.orgId, submissions.orgId), eq(policies.id, submissions.policyId)))
      .where(and(eq(submissions.orgId, principal.orgId), inArray(submissions.id, unique.slice(i, i + CHUNK))))
      .all();
    for (const r of rows) {
      if (r.policyPremium !== null) out[r.id] = { premium: fromCents(r.policyPremium), source: "policy" };
      else if (r.quotePremium !== null) out[r.id] = { premium: fromCents(r.quotePremium), source: "quote" };
    }
  }
  return ok(out);
}
