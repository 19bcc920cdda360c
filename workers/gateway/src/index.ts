import { createApp } from "./app.ts";

export { IdempotencyStore } from "./idempotency.do.ts";
export { RateLimiter } from "./rate-limiter.do.ts";

/** The public edge of the platform. */
export default createApp();
