import { WorkerEntrypoint } from "cloudflare:workers";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import type { UnderwritingEnv } from "./env.ts";
import * as policies from "./policies.service.ts";
import * as submissions from "./submissions.service.ts";
import type { CreateSubmissionInput, ListPoliciesQuery, ListSubmissionsQuery } from "./types.ts";

/**
 * The underwriting domain over service-binding RPC. The gateway has authenticated the caller and
 * checked scopes; every method confines itself to `principal.orgId`.
 */
/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

export class UnderwritingService extends WorkerEntrypoint<UnderwritingEnv> {
  private get db(): DrizzleD1Database {
    let db = handles.get(this.env.UNDERWRITING_DB);
    if (!db) handles.set(this.env.UNDERWRITING_DB, (db = drizzle(this.env.UNDERWRITING_DB)));
    return db;
  }

  createSubmission(principal: Principal, input: CreateSubmissionInput) {
    return submissions.createSubmission(this.db, principal, input);
  }

  getSubmission(principal: Principal, id: string) {
    return submissions.getSubmission(this.db, principal, id);
  }

  listSubmissions(principal: Principal, query: ListSubmissionsQuery) {
    return submissions.listSubmissions(this.db, principal, query);
  }

  listPolicies(principal: Principal, query: ListPoliciesQuery) {
    return policies.listPolicies(this.db, principal, query);
  }
}

/** No public HTTP: only the gateway speaks HTTP. */
export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
} satisfies ExportedHandler<UnderwritingEnv>;
