/**
 * A `producer` user's book (issue 14): the gateway stamps `principal.producerId` with the producer
 * record the user sells as ("" when none is linked), and the submission and policy lists show only
 * the submissions naming that producer and the policies bound from them. An unlinked producer user,
 * or one filtering by another producer, gets an empty page: never the org's whole book. A single
 * submission, policy or insured outside the book (and everything under it: quote readiness, quote,
 * bind, timeline, endorsements, certificates) answers 404, as a missing one does.
 */
import { sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import type { Page } from "#shared/pagination";

/** The empty page a producer user gets outside their book. */
export const EMPTY_PAGE: Page<never> = { data: [], nextCursor: null };

/**
 * The producer a list is confined to: undefined for a principal that is not a producer user (no
 * confinement), null when the list must be empty, else the producer's id.
 */
export function bookOf(principal: Pick<Principal, "producerId">, requested?: string): string | null | undefined {
  const own = principal.producerId;
  if (own === undefined) return undefined;
  if (own === "" || (requested !== undefined && requested !== own)) return null;
  return own;
}

/** Whether `inBook` (a `SELECT 1` for the producer `book`) finds a row; no query for a principal outside any book. */
async function holds(db: DrizzleD1Database, principal: Principal, inBook: (book: string) => SQL): Promise<boolean> {
  const book = bookOf(principal);
  if (book === undefined) return true;
  if (book === null) return false;
  return (await db.get<{ one: number }>(inBook(book))) != null;
}

/**
 * Whether submission `id` is in the principal's book: always for a principal that is not a producer
 * user (no query), else only a submission of the org naming their producer. Outside it, the single
 * reads and writes answer as for a missing submission (404), so a producer user learns nothing of
 * another producer's book, not even that an id exists.
 */
export async function submissionInBook(db: DrizzleD1Database, principal: Principal, id: string): Promise<boolean> {
  return holds(db, principal, (book) => sql`SELECT 1 AS one FROM submissions WHERE org_id = ${principal.orgId} AND id = ${id} AND producer_id = ${book}`);
}

/** Whether policy `id` is in the principal's book: bound from a submission naming their producer (as {@link submissionInBook}). */
export async function policyInBook(db: DrizzleD1Database, principal: Principal, id: string): Promise<boolean> {
  return holds(db, principal, (book) => sql`
    SELECT 1 AS one FROM policies p JOIN submissions s ON s.id = p.submission_id AND s.org_id = p.org_id
    WHERE p.org_id = ${principal.orgId} AND p.id = ${id} AND s.producer_id = ${book}`);
}

/** Whether insured `id` holds a policy in the principal's book (as {@link policyInBook}). */
export async function insuredInBook(db: DrizzleD1Database, principal: Principal, id: string): Promise<boolean> {
  return holds(db, principal, (book) => sql`
    SELECT 1 AS one FROM policies p JOIN submissions s ON s.id = p.submission_id AND s.org_id = p.org_id
    WHERE p.org_id = ${principal.orgId} AND p.insured_id = ${id} AND s.producer_id = ${book} LIMIT 1`);
}
