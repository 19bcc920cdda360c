import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { guard, listKeyset } from "#shared/db";
import { fail, type Result } from "#shared/errors";
import { submissions, type SubmissionRow } from "./schema.ts";
import type { ListSubmissionsQuery } from "./types.ts";

/** The single-submission read is on the hot path: its statement is built once per database handle. */
const findStatements = new WeakMap<DrizzleD1Database, ReturnType<typeof prepareFind>>();

function prepareFind(db: DrizzleD1Database) {
  return db
    .select()
    .from(submissions)
    .where(and(eq(submissions.orgId, sql.placeholder("orgId")), eq(submissions.id, sql.placeholder("id"))))
    .prepare();
}

export function findSubmission(db: DrizzleD1Database, orgId: string, id: string): Promise<SubmissionRow | undefined> {
  let statement = findStatements.get(db);
  if (!statement) findStatements.set(db, (statement = prepareFind(db)));
  return statement.get({ orgId, id });
}

/**
 * A batch guard: the submission still has the status and current quote it had when it was read.
 * Writes that were decided on that state (a quote, a referral) put it first in their batch.
 */
export function submissionUnchanged(sub: Pick<SubmissionRow, "id" | "status" | "currentQuoteId">): SQL {
  return guard(
    "submission_unchanged",
    sql`EXISTS (SELECT 1 FROM submissions WHERE id = ${sub.id} AND status = ${sub.status} AND current_quote_id IS ${sub.currentQuoteId})`,
  );
}

/** The answer when {@link submissionUnchanged} refused a batch. */
export const SUBMISSION_CHANGED = fail("conflict", "The submission changed while this request was processed; retry", { field: "submission" });

export async function listSubmissionRows(
  db: DrizzleD1Database,
  orgId: string,
  query: ListSubmissionsQuery,
): Promise<Result<SubmissionRow[]>> {
  const keyset = listKeyset(submissions, query);
  if (!keyset.ok) return keyset;
  const filters: (SQL | undefined)[] = [eq(submissions.orgId, orgId), keyset.value.where];
  if (query.status) filters.push(eq(submissions.status, query.status));
  if (query.lineOfBusiness) filters.push(eq(submissions.lineOfBusiness, query.lineOfBusiness));
  if (query.state) filters.push(eq(submissions.state, query.state));
  if (query.producerId) filters.push(eq(submissions.producerId, query.producerId));
  const rows = await db
    .select()
    .from(submissions)
    .where(and(...filters))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return { ok: true, value: rows };
}
