/** Bindings of the identity worker (wrangler.toml plus the `API_SECRET` / `JWT_SECRET` secrets). */
export interface IdentityEnv {
  IDENTITY_DB: D1Database;
  /** The system principal's bearer secret; also gates demo tokens. */
  API_SECRET: string;
  /** HS256 key for every JWT the platform issues. */
  JWT_SECRET: string;
  /**
   * Anything but `development` is production: `oik_live_` keys, the `standard` tier, no sandbox
   * email log and no verification code kept in a stored email (see #shared/environment).
   */
  ENVIRONMENT: string;
  /** The email queue (#shared/email-queue): every outbox email, to the workspace worker's log and the provider. */
  EMAIL_QUEUE?: import("./email-relay.ts").EmailQueue;
}

export { isProduction } from "#shared/environment";
