import { createApp } from "./app.ts";
import type { GatewayEnv } from "./env.ts";
import { purgeDue } from "./purge.ts";

export { IdempotencyStore } from "./idempotency.do.ts";
export { RateLimiter } from "./rate-limiter.do.ts";

const app = createApp();

/** The public edge of the platform; its cron is the daily purge of workspaces past their retention (purge.ts). */
export default {
  fetch: app.fetch,
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      purgeDue(env).then(
        (run) => console.log(JSON.stringify({ message: "workspace purge run", ...run })),
        (err: unknown) => console.error(JSON.stringify({ message: "workspace purge run failed", error: err instanceof Error ? err.message : String(err) })),
      ),
    );
  },
} satisfies ExportedHandler<GatewayEnv>;
