/**
 * The documents worker's internal entrypoint, bound only to the workers the registry names (the
 * webhooks consumer reads event bodies through it). Not org-scoped, so never bound to the gateway.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { readOutboxEvents } from "#shared/outbox";
import type { EventSourceRpc } from "#shared/rpc";
import type { DocumentsEnv } from "./env.ts";

const handles = new WeakMap<D1Database, DrizzleD1Database>();

function database(env: DocumentsEnv): DrizzleD1Database {
  let db = handles.get(env.DOCUMENTS_DB);
  if (!db) handles.set(env.DOCUMENTS_DB, (db = drizzle(env.DOCUMENTS_DB)));
  return db;
}

export class DocumentsInternal extends WorkerEntrypoint<DocumentsEnv> implements EventSourceRpc {
  /** `document.generated` and any other event of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }
}
