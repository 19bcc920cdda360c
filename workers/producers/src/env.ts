import type { FlagStore } from "./flag-store.do.ts";

/** Bindings of the producers worker (workers/producers/wrangler.toml, generated from the registry). */
export interface ProducersEnv {
  /** Producers (their licenses and commission rates) and their appointments. */
  PRODUCERS_DB: D1Database;
  ENVIRONMENT: string;
  /** One object per org: its flag overrides, cached in front of `flag_overrides` (flag-store.do.ts). */
  FLAG_STORE: DurableObjectNamespace<FlagStore>;
}
