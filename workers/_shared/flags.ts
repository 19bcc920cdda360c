/**
 * How any worker reads a feature flag: through its service binding to the producers worker, which
 * keeps the org overrides and evaluates them against the catalogue (`#shared/flags.catalogue`).
 *
 * ```ts
 * const flags = await readFlags(env.PRODUCERS, principal.orgId);        // a worker bound to ProducersInternal
 * if (flags.get("documents.ai_classification")) …                       // typed: boolean
 * const flags = await readFlags(publicFlagSource(env.PRODUCERS, principal), principal.orgId); // the gateway
 * ```
 *
 * **Caching, and why a write is seen on the next request.** A worker's isolate cannot be told that
 * another worker's isolate wrote (there is no broadcast between isolates, and the producers worker
 * runs in many isolates of its own), so a cache kept here, or in any one producers isolate, could
 * answer a value a `PUT` already replaced. The one cache is therefore the org's `FlagStore` Durable
 * Object in the producers worker (workers/producers/src/flag-store.do.ts): exactly one instance per
 * org exists, every write goes through it (D1 first, then its memory, serialised), and every read
 * is answered from its memory, reloaded from D1 at most a minute old. A `PUT` has changed that
 * memory before it answers, so the org's next request, in any worker, reads the new value. This
 * module keeps nothing between calls: a caller reads the org's flags once per request
 * ({@link readFlags}, one RPC) and then as many keys as it likes ({@link OrgFlags.get}).
 */
import type { Principal } from "./auth.ts";
import type { Result } from "./errors.ts";
import { definitionOf, fitsFlag, isFlagKey, type FlagKey, type FlagValueOf } from "./flags.catalogue.ts";
import type { EvaluatedFlag } from "./rpc.ts";

/** What evaluates an org's flags: the `ProducersInternal` binding, or {@link publicFlagSource} at the gateway. */
export interface FlagSource {
  flags(orgId: string): Promise<Result<EvaluatedFlag[]>>;
}

/** The producers worker did not answer the org's flags (it was unreachable or refused): an infrastructure failure. */
export class FlagsUnavailable extends Error {
  override readonly name = "FlagsUnavailable";
}

/** An org's flags as one request read them. */
export class OrgFlags {
  readonly #byKey: ReadonlyMap<string, EvaluatedFlag>;

  constructor(flags: readonly EvaluatedFlag[]) {
    this.#byKey = new Map(flags.map((f) => [f.key, f]));
  }

  /**
   * Flag `key`'s value for the org. A key the producers worker did not answer, or answered with a
   * value this worker's catalogue would refuse (a deploy that has not reached both workers yet),
   * reads as this catalogue's default.
   */
  get<K extends FlagKey>(key: K): FlagValueOf<K> {
    const definition = definitionOf(key);
    const flag = this.#byKey.get(key);
    return (flag && fitsFlag(definition, flag.value) && flag.type === definition.type ? flag.value : definition.defaultValue) as FlagValueOf<K>;
  }

  /** Where `key`'s value comes from, and why (as `GET /v1/flags` says it); the default's when it was not answered. */
  explain(key: FlagKey): Pick<EvaluatedFlag, "source" | "reason"> {
    const flag = this.#byKey.get(key);
    return flag && isFlagKey(flag.key) ? { source: flag.source, reason: flag.reason } : { source: "default", reason: "The global default." };
  }
}

/** The org's flags, with one call to `source`. Throws {@link FlagsUnavailable} when they cannot be read. */
export async function readFlags(source: FlagSource, orgId: string): Promise<OrgFlags> {
  let answer: Result<EvaluatedFlag[]>;
  try {
    answer = await source.flags(orgId);
  } catch (error) {
    throw new FlagsUnavailable(`The org's flags could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!answer.ok) throw new FlagsUnavailable(`The org's flags could not be read: ${answer.error.code}`);
  return new OrgFlags(answer.value);
}

/** One flag's value for the org (one call to `source`). */
export async function readFlag<K extends FlagKey>(source: FlagSource, orgId: string, key: K): Promise<FlagValueOf<K>> {
  return (await readFlags(source, orgId)).get(key);
}

/** The slice of `ProducersService` (the gateway's `PRODUCERS` binding) that evaluates flags for a principal. */
export interface PublicFlagReader {
  listFlags(principal: Principal): Promise<Result<{ data: EvaluatedFlag[] }>>;
}

/**
 * A {@link FlagSource} for the gateway, which is bound to the producers worker's public entrypoint
 * only: it evaluates the principal's own org, and refuses to be asked about another.
 */
export function publicFlagSource(producers: PublicFlagReader, principal: Principal): FlagSource {
  return {
    async flags(orgId) {
      if (orgId !== principal.orgId) throw new Error("publicFlagSource reads the principal's own org only");
      const answer = await producers.listFlags(principal);
      return answer.ok ? { ok: true, value: answer.value.data } : answer;
    },
  };
}
