import { DurableObject } from "cloudflare:workers";
import { realClock } from "#shared/clock";
import type { FlagValue } from "#shared/flags.catalogue";
import { database } from "./database.ts";
import type { ProducersEnv } from "./env.ts";
import { deleteOverride, listOverrides, upsertOverride } from "./flags.repo.ts";
import type { FlagOverrideRow } from "./schema.ts";

/**
 * How long the object answers from memory before reading D1 again. Every write goes through the
 * object, so memory is never behind D1 because of an API write; the bound is for a row changed
 * outside the API (a migration, an operator's fix), which is seen within a minute. Real time: this
 * is cache machinery, not a business date.
 */
export const FLAG_CACHE_MAX_AGE_MS = 60_000;

/**
 * One org's flag overrides, cached: the one place flag values are cached on the platform (see
 * `#shared/flags` for why a cache in any caller's isolate could not be invalidated). Named by the
 * org id, so exactly one instance per org exists, and every read and write of the org's overrides
 * passes through it. D1 (`flag_overrides`) stays the record: a write goes to D1 first and to memory
 * once D1 has it, and the load, each write and each delete run inside `blockConcurrencyWhile`, so no
 * read is answered in between and memory is always what D1 holds. An evicted object loses only
 * its memory, which the next read rebuilds from D1.
 */
export class FlagStore extends DurableObject<ProducersEnv> {
  #orgId: string | null = null;
  #rows: Map<string, FlagOverrideRow> | null = null;
  #loadedAt = 0;

  /** The object's org, fixed by its first call: a call for another org is a bug in the caller. */
  #claim(orgId: string): void {
    if (this.#orgId === null) this.#orgId = orgId;
    else if (this.#orgId !== orgId) throw new Error(`FlagStore for ${this.#orgId} asked about ${orgId}`);
  }

  async #fresh(): Promise<Map<string, FlagOverrideRow>> {
    if (this.#rows && realClock.now().getTime() - this.#loadedAt < FLAG_CACHE_MAX_AGE_MS) return this.#rows;
    return this.ctx.blockConcurrencyWhile(async () => {
      if (this.#rows && realClock.now().getTime() - this.#loadedAt < FLAG_CACHE_MAX_AGE_MS) return this.#rows;
      const rows = await listOverrides(database(this.env), this.#orgId!);
      this.#rows = new Map(rows.map((r) => [r.key, r]));
      this.#loadedAt = realClock.now().getTime();
      return this.#rows;
    });
  }

  /** The org's overrides (memory, or D1 when memory is older than {@link FLAG_CACHE_MAX_AGE_MS}). */
  async overrides(orgId: string): Promise<FlagOverrideRow[]> {
    this.#claim(orgId);
    return [...(await this.#fresh()).values()];
  }

  /** Writes the org's value of `key` (a value already checked against the catalogue) and answers the stored row. */
  async set(orgId: string, key: string, value: FlagValue, actor: string, at: string): Promise<FlagOverrideRow> {
    this.#claim(orgId);
    return this.ctx.blockConcurrencyWhile(async () => {
      const row = await upsertOverride(database(this.env), orgId, key, value, actor, at);
      this.#rows?.set(key, row);
      return row;
    });
  }

  /** Removes the org's value of `key`, if any. */
  async remove(orgId: string, key: string): Promise<void> {
    this.#claim(orgId);
    await this.ctx.blockConcurrencyWhile(async () => {
      await deleteOverride(database(this.env), orgId, key);
      this.#rows?.delete(key);
    });
  }

  /** The org's overrides were purged from D1 (retention over): memory forgets them too. */
  forget(): void {
    this.#rows = null;
    this.#loadedAt = 0;
  }
}
