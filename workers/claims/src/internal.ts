/**
 * The claims worker's internal entrypoint, bound only to the workers the registry names: the
 * webhooks consumer, which reads event bodies through it. Its methods trust the caller's `orgId`,
 * which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Result } from "#shared/errors";
import { readOutboxEvents } from "#shared/outbox";
import type { ClaimsInternalRpc, LossSummary } from "#shared/rpc";
import { database } from "./database.ts";
import type { ClaimsEnv } from "./env.ts";
import { lossSummary } from "./loss-summary.service.ts";

export class ClaimsInternal extends WorkerEntrypoint<ClaimsEnv> implements ClaimsInternalRpc {
  /** `orgId`'s loss figures as of `asOf`, for a sibling worker computing a loss ratio. */
  lossSummary(orgId: string, asOf: string): Promise<Result<LossSummary>> {
    return lossSummary(database(this.env), orgId, asOf);
  }

  /** `claim.*` events of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }
}
