import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { PartnersEnv } from "./env.ts";

/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

/** The worker's database, as every entrypoint of it reads it. */
export function database(env: Pick<PartnersEnv, "PARTNERS_DB">): DrizzleD1Database {
  let db = handles.get(env.PARTNERS_DB);
  if (!db) handles.set(env.PARTNERS_DB, (db = drizzle(env.PARTNERS_DB)));
  return db;
}
