/** Bindings of the market worker (workers/market/wrangler.toml, generated from the registry). */
export interface MarketEnv {
  /** Carriers, products, appetites (reference rows and the orgs' own), clients, terms acceptances, rules. */
  MARKET_DB: D1Database;
  ENVIRONMENT: string;
}
