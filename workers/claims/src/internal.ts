/**
 * The claims worker's internal entrypoint, bound only to the workers the registry names: the
 * webhooks consumer, which reads event bodies through it, and the portal (an insured's open claims). Its methods trust the caller's `orgId`,
 * which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { and, count, eq, inArray } from "drizzle-orm";
import { readOutboxEvents } from "#shared/outbox";
import type { ClaimsInternalRpc } from "#shared/rpc";
import { database } from "./database.ts";
import type { ClaimsEnv } from "./env.ts";
import { claims } from "./schema.ts";

/** The statuses of a claim not yet settled, denied or closed. */
const OPEN_STATUSES = ["open", "investigating", "in_settlement"] as const;

export class ClaimsInternal extends WorkerEntrypoint<ClaimsEnv> implements ClaimsInternalRpc {
  /** `claim.*` events of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }

  /** How many claims on these policies of `orgId` are still open (open, investigating or in settlement): the portal's home. */
  async openClaimCount(orgId: string, policyIds: string[]): Promise<number> {
    const ids = [...new Set((Array.isArray(policyIds) ? policyIds : []).filter((id) => typeof id === "string"))].slice(0, 50);
    if (ids.length === 0) return 0;
    const [row] = await database(this.env)
      .select({ n: count() })
      .from(claims)
      .where(and(eq(claims.orgId, orgId), inArray(claims.policyId, ids), inArray(claims.status, OPEN_STATUSES)));
    return row?.n ?? 0;
  }
}
