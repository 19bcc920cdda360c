/** Bindings of the market worker (workers/market/wrangler.toml, generated from the registry). */
export interface MarketEnv {
  /** Carriers, products, appetites (reference rows and the orgs' own), clients, terms acceptances, rules. */
  MARKET_DB: D1Database;
  ENVIRONMENT: string;
  /** "true" lets `scan` read loopback websites (127.0.0.0/8, ::1, localhost): local development only, ignored in production. */
  SCAN_ALLOW_LOOPBACK?: string;
}
