/**
 * What `npm run dev` does with a registry's workers, as data (so the registry's test can check a new
 * worker is in it without starting anything): the configs `wrangler dev` gets, gateway first; the
 * local D1 migrations to apply; and where `.dev.vars` is copied, because `wrangler dev -c … -c …`
 * reads each worker's secrets from the `.dev.vars` beside its own config.
 */
import { dirname } from "node:path";
import type { Registry } from "../../workers/registry.ts";

export interface DevPlan {
  /** `-c` arguments of the one `wrangler dev`, the gateway's first (it serves the port). */
  configs: string[];
  /** `wrangler` argument lists, one per database: `d1 migrations apply <db> --local -c <config> --persist-to <state>`. */
  migrations: string[][];
  /** Directories that get a copy of the root `.dev.vars`. */
  devVarsCopies: string[];
}

export function devPlan(registry: Registry, state: string): DevPlan {
  const ordered = [registry.gateway, ...registry.workers.filter((w) => !w.gateway)];
  return {
    configs: ordered.map((w) => w.config),
    migrations: ordered.flatMap((w) => (w.d1 ? [["d1", "migrations", "apply", w.d1.database, "--local", "-c", w.config, "--persist-to", state]] : [])),
    devVarsCopies: ordered.map((w) => dirname(w.config)).filter((d) => d !== "."),
  };
}
