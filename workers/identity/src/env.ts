/** Bindings of the identity worker (wrangler.toml plus the `API_SECRET` / `JWT_SECRET` secrets). */
export interface IdentityEnv {
  IDENTITY_DB: D1Database;
  /** The system principal's bearer secret; also gates demo tokens. */
  API_SECRET: string;
  /** HS256 key for every JWT the platform issues. */
  JWT_SECRET: string;
  /** `production` switches keys to `oik_live_`, tiers to `standard`, and hides the sandbox email log. */
  ENVIRONMENT: string;
}

export const isProduction = (env: Pick<IdentityEnv, "ENVIRONMENT">): boolean => env.ENVIRONMENT === "production";
