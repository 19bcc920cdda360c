/**
 * The link between a `producer` user and the producer record they sell as (issue 14). It lives on
 * the producer (`producers.user_id`, unique per org), set with `PATCH /v1/producers/:id {userId}`:
 * the producers worker owns the book, so it owns who sells it, and identity's users stay as they
 * are. The gateway asks {@link producerOfUser} on each request of a `producer` user and stamps the
 * answer on the principal, so submission, policy and commission reads confine themselves to it
 * (an unlinked producer user is stamped with "" and sees no book at all).
 */
import { and, eq, ne } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isUniqueViolation } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import type { IdentityInternalRpc } from "#shared/rpc";
import { findProducer } from "./producers.repo.ts";
import { producers } from "./schema.ts";

const USER_ID = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Whether `userId` may be linked to producer `producerId` of the principal's org: the producer
 * exists and is not terminated, the user is the org's (404 naming `userId`) and has the `producer`
 * role (422). `null` (unlinking) needs only the producer.
 */
export async function checkUserLink(db: DrizzleD1Database, identity: Service<IdentityInternalRpc>, principal: Principal, producerId: string, userId: string | null): Promise<Result<null>> {
  if (userId !== null && (typeof userId !== "string" || !USER_ID.test(userId))) {
    return fail("validation_failed", "userId must be a user id (usr_…) or null", { field: "userId", rule: "pattern" });
  }
  const producer = await findProducer(db, principal.orgId, producerId);
  if (!producer) return notFound("Producer");
  if (producer.status === "terminated") return fail("invalid_state_transition", "A terminated producer cannot be changed", { from: "terminated", to: "terminated" });
  if (userId === null) return ok(null);
  const member = await identity.member(principal.orgId, userId);
  if (!member) return fail("not_found", "User not found", { field: "userId" });
  if (member.role !== "producer") {
    return fail("business_rule_violation", `Only a user with the producer role can sell as a producer; ${userId} is ${member.role}`, { field: "userId", role: member.role });
  }
  return ok(null);
}

/** Write the link (after {@link checkUserLink}); 409 naming the producer that already holds the user. */
export async function writeUserLink(db: DrizzleD1Database, principal: Principal, producerId: string, userId: string | null): Promise<Result<null>> {
  try {
    const updated = await db
      .update(producers)
      .set({ userId, updatedAt: clockOf(principal).now().toISOString() })
      .where(and(eq(producers.orgId, principal.orgId), eq(producers.id, producerId), ne(producers.status, "terminated")))
      .returning({ id: producers.id })
      .get();
    if (!updated) return fail("invalid_state_transition", "A terminated producer cannot be changed", { from: "terminated", to: "terminated" });
    return ok(null);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const holder = userId ? await db.select({ id: producers.id }).from(producers).where(and(eq(producers.orgId, principal.orgId), eq(producers.userId, userId))).get() : undefined;
    return fail("conflict", `User ${userId} already sells as another producer`, { field: "userId", existingProducerId: holder?.id ?? "unknown" });
  }
}

/** The producer a `producer` user sells as: its id, or "" when none is linked (their book is empty). */
export async function producerOfUser(db: DrizzleD1Database, principal: Principal): Promise<string | null> {
  if (principal.kind !== "user" || principal.role !== "producer") return null;
  const row = await db
    .select({ id: producers.id })
    .from(producers)
    .where(and(eq(producers.orgId, principal.orgId), eq(producers.userId, principal.actorId)))
    .get();
  return row?.id ?? "";
}
