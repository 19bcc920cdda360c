/**
 * The producers worker's internal entrypoint, bound only to the workers the registry names
 * (underwriting, which judges a bind's distribution authority). Its methods trust the caller's
 * `orgId`, which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Result } from "#shared/errors";
import type { AuthorityRequest, ProducerAuthority, ProducersInternalRpc } from "#shared/rpc";
import { authorityFor } from "./authority.service.ts";
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
}
