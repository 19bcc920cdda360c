/** Bindings of the producers worker (workers/producers/wrangler.toml, generated from the registry). */
export interface ProducersEnv {
  /** Producers (their licenses and commission rates) and their appointments. */
  PRODUCERS_DB: D1Database;
  ENVIRONMENT: string;
}
