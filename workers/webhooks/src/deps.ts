import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { allowLoopback, isProduction, type WebhooksEnv } from "./env.ts";
import type { UrlPolicy } from "./url-policy.ts";

/** What every webhooks use case needs: the database and the env (queues, config, the event source). */
export interface WebhooksDeps {
  db: DrizzleD1Database;
  env: WebhooksEnv;
  /** Which endpoint URLs this deployment may call. */
  urlPolicy: UrlPolicy;
}

/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

export function createDeps(env: WebhooksEnv): WebhooksDeps {
  let db = handles.get(env.WEBHOOKS_DB);
  if (!db) handles.set(env.WEBHOOKS_DB, (db = drizzle(env.WEBHOOKS_DB)));
  return { db, env, urlPolicy: { production: isProduction(env), allowLoopback: allowLoopback(env) } };
}
