/**
 * A stand-in for the producers worker's flag evaluation (`ProducersInternal.flags`), for tests of a
 * worker that reads flags through `#shared/flags`: each org answers the catalogue's defaults, except
 * the values a test set for it (`source: "org"`). It also counts the calls and can be made to fail.
 */
import type { Result } from "#shared/errors";
import type { FlagSource } from "#shared/flags";
import { definitionOf, FLAG_KEYS, type FlagKey, type FlagValue } from "#shared/flags.catalogue";
import type { EvaluatedFlag } from "#shared/rpc";

export interface StandInFlags extends FlagSource {
  set(orgId: string, key: FlagKey, value: FlagValue): void;
  /** The next calls throw (the producers worker unreachable) until set back to false. */
  down: boolean;
  calls: string[];
}

export function standInFlags(): StandInFlags {
  const values = new Map<string, FlagValue>();
  const source: StandInFlags = {
    down: false,
    calls: [],
    set: (orgId, key, value) => void values.set(`${orgId}|${key}`, value),
    async flags(orgId): Promise<Result<EvaluatedFlag[]>> {
      source.calls.push(orgId);
      if (source.down) throw new Error("producers worker unavailable");
      return {
        ok: true,
        value: FLAG_KEYS.map((key) => {
          const d = definitionOf(key);
          const set = values.get(`${orgId}|${key}`);
          return {
            key,
            type: d.type,
            value: set ?? d.defaultValue,
            defaultValue: d.defaultValue,
            source: set === undefined ? "default" : "org",
            reason: set === undefined ? "The org has no override: the global default applies." : "Set for the org by the test.",
            description: d.description,
            overrideId: null,
            updatedAt: null,
            updatedBy: null,
          };
        }),
      };
    },
  };
  return source;
}
