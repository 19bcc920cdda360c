/**
 * The claims worker's internal entrypoint, bound only to the workers the registry names: the
 * webhooks consumer, which reads event bodies through it. Its methods trust the caller's `orgId`,
 * which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { readOutboxEvents } from "#shared/outbox";
import type { ClaimsInternalRpc } from "#shared/rpc";
import { database } from "./database.ts";
import type { ClaimsEnv } from "./env.ts";

export class ClaimsInternal extends WorkerEntrypoint<ClaimsEnv> implements ClaimsInternalRpc {
  /** `claim.*` events of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }
}
