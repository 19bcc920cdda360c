/**
 * The producers worker's internal entrypoint, bound only to the workers the registry names
 * (underwriting, which judges a bind's distribution authority and hands over the transactions that
 * earn commission; the webhooks consumer, which reads this worker's events). Its methods trust the caller's
 * `orgId`, which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Result } from "#shared/errors";
import type { EventEnvelope } from "#shared/events";
import { readOutboxEvents } from "#shared/outbox";
import type { AuthorityRequest, CommissionFacts, ProducerAuthority, ProducersInternalRpc } from "#shared/rpc";
import { authorityFor } from "./authority.service.ts";
import { recordCommissions } from "./commissions.service.ts";
import { database } from "./database.ts";
import type { ProducersEnv } from "./env.ts";
import { flagsFor } from "./flags.service.ts";
import type { EvaluatedFlag } from "#shared/rpc";

export class ProducersInternal extends WorkerEntrypoint<ProducersEnv> implements ProducersInternalRpc {
  /** Whether the org's producer may sell `request.lineOfBusiness` in `request.state` on `request.effectiveDate`, check by check; `not_found` for no such producer in the org. */
  authorityFor(orgId: string, producerId: string, request: AuthorityRequest): Promise<Result<ProducerAuthority>> {
    return authorityFor(database(this.env), orgId, producerId, request);
  }

  /** Every catalogue flag evaluated for the org: what `#shared/flags` reads, for any worker bound here. */
  flags(orgId: string): Promise<Result<EvaluatedFlag[]>> {
    return flagsFor(this.env.FLAG_STORE, orgId);
  }

  /** Underwriting's commission feed: one commission per transaction of `facts` not yet recorded, with its summary rows. */
  recordCommissions(orgId: string, facts: CommissionFacts): Promise<Result<{ recorded: number }>> {
    return recordCommissions(database(this.env), orgId, facts);
  }

  /** Event bodies by id from the outbox (`producer.license_expiring`), for the webhooks consumer. */
  readEvents(ids: string[]): Promise<EventEnvelope[]> {
    return readOutboxEvents(database(this.env), ids);
  }
}
