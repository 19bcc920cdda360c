/**
 * The documents worker's internal entrypoint, bound only to the workers the registry names
 * (underwriting, for the paper of bind and endorsement). Its methods trust the caller's `orgId`,
 * which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Result } from "#shared/errors";
import type { DocumentRecord, DocumentsInternalRpc, PolicyDocumentRequest } from "#shared/rpc";
import type { DocumentsEnv } from "./env.ts";
import { issuePolicyDocument } from "./policy-paper.service.ts";

const handles = new WeakMap<D1Database, DrizzleD1Database>();

function database(env: DocumentsEnv): DrizzleD1Database {
  let db = handles.get(env.DOCUMENTS_DB);
  if (!db) handles.set(env.DOCUMENTS_DB, (db = drizzle(env.DOCUMENTS_DB)));
  return db;
}

export class DocumentsInternal extends WorkerEntrypoint<DocumentsEnv> implements DocumentsInternalRpc {
  /** Renders and stores one piece of policy paper, once per source key (a repeat answers the first document). */
  issuePolicyDocument(orgId: string, request: PolicyDocumentRequest): Promise<Result<DocumentRecord>> {
    return issuePolicyDocument({ db: database(this.env), bucket: this.env.DOCUMENTS }, orgId, request);
  }
}
