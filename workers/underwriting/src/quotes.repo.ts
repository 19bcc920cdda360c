import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { daAgreements, quotes, type DaAgreementRow, type QuoteRow } from "./schema.ts";

export function findQuote(db: DrizzleD1Database, orgId: string, id: string): Promise<QuoteRow | undefined> {
  return db.select().from(quotes).where(and(eq(quotes.orgId, orgId), eq(quotes.id, id))).get();
}

/** Retire every live quote of a submission (a re-quote supersedes them). */
export function supersedeQuotes(db: DrizzleD1Database, orgId: string, submissionId: string, at: string) {
  return db
    .update(quotes)
    .set({ status: "superseded", updatedAt: at })
    .where(and(eq(quotes.orgId, orgId), eq(quotes.submissionId, submissionId), inArray(quotes.status, ["active", "referred"])));
}

export function listOrgAgreements(db: DrizzleD1Database, orgId: string): Promise<DaAgreementRow[]> {
  return db.select().from(daAgreements).where(eq(daAgreements.orgId, orgId)).orderBy(daAgreements.createdAt, daAgreements.id).all();
}
