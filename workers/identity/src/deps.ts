import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { IdentityEnv } from "./env.ts";

export type IdentityDb = DrizzleD1Database;

/** What every identity use case needs: the database, the env, and a way to finish work after replying. */
export interface IdentityDeps {
  db: IdentityDb;
  env: IdentityEnv;
  /** Runs `promise` past the response (ctx.waitUntil); failures are logged, never surfaced. */
  background(promise: Promise<unknown>): void;
}

export function createDeps(env: IdentityEnv, ctx: Pick<ExecutionContext, "waitUntil">): IdentityDeps {
  return {
    db: drizzle(env.IDENTITY_DB),
    env,
    background: (promise) =>
      ctx.waitUntil(
        promise.catch((err: unknown) => console.error("identity: background task failed", err)),
      ),
  };
}
