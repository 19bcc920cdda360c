/**
 * A `producer` user's book (issue 14): the gateway stamps `principal.producerId` with the producer
 * record the user sells as ("" when none is linked), and the submission and policy lists show only
 * the submissions naming that producer and the policies bound from them. An unlinked producer user,
 * or one filtering by another producer, gets an empty page: never the org's whole book.
 */
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
