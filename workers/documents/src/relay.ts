/**
 * The documents worker's events on their way out: the outbox rows a call has just committed are
 * relayed by id after the answer (`DocumentsDeps.relay`), and the periodic sweep (index.ts) relays
 * whatever that missed.
 */
import { eventQueues, relayCommitted } from "#shared/outbox";
import { database } from "./database.ts";
import type { DocumentsEnv } from "./env.ts";

/** This worker's registry name: the `source` of the event messages its outbox relay sends. */
export const EVENT_SOURCE = "documents";

/** Relays the events a call has just committed, after the answer; a failure leaves them to the sweep. */
export function relayNow(env: DocumentsEnv, ctx: ExecutionContext): (eventIds: string[]) => void {
  return (eventIds) =>
    ctx.waitUntil(
      relayCommitted(database(env), eventQueues(env), EVENT_SOURCE, eventIds).catch((error: unknown) =>
        console.error(`documents: relaying ${eventIds.length} event(s) failed; the sweep will`, error instanceof Error ? error.message : error),
      ),
    );
}
