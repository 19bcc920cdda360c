import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { ProducersEnv } from "./env.ts";

/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

/** The worker's database, as every entrypoint of it reads it. */
export function database(env: ProducersEnv): DrizzleD1Database {
  let db = handles.get(env.PRODUCERS_DB);
  if (!db) handles.set(env.PRODUCERS_DB, (db = drizzle(env.PRODUCERS_DB)));
  return db;
}
