import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import type { GatewayContext } from "../env.ts";

/**
 * A `producer` user's principal stamped with the producer record they sell as (issue 14), asked of
 * the producers worker on each of their requests (so a link made or removed applies on the next
 * one): `producerId` is that record's id, or "" when none is linked. Underwriting's submission and
 * policy lists and the producers worker's commission reads confine themselves to it. Every other
 * principal is returned as it is, at no cost.
 */
export async function withProducerBook(c: Context<GatewayContext>, principal: Principal): Promise<Principal> {
  if (principal.kind !== "user" || principal.role !== "producer") return principal;
  const producerId = await c.env.PRODUCERS.producerOfUser(principal);
  return { ...principal, producerId: producerId ?? "" };
}
