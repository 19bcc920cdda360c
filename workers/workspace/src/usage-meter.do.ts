import { DurableObject } from "cloudflare:workers";
import { realClock } from "#shared/clock";
import type { Feature } from "#contract/types.gen";
import type { WorkspaceEnv } from "./env.ts";

/**
 * How long a reservation may stay open before the recovery alarm gives it back. Far longer than a
 * bind takes (one D1 batch), so the alarm only ever meets a writer that crashed between reserve and
 * commit/release; a writer that was only slow still counts when it commits. Real time: machinery,
 * not a business date.
 */
export const RESERVATION_TTL_MS = 5 * 60_000;

/** A counter's answer: admitted (counted) or refused, with the usage it was judged against. */
export type Admission =
  | { ok: true; used: number; limit: number | null }
  | { ok: false; used: number; limit: number };

interface OpenReservation {
  feature: Feature;
  window: string;
  quantity: number;
  /** Epoch ms (real time) after which the alarm releases it. */
  deadline: number;
}

/**
 * One org's metered usage, counted exactly. Named by the org id, so one instance per org exists and
 * every count of the org passes through it one call at a time: the limit check and the increment
 * are one step (`admit`, `reserve`), so concurrent binds or usage records can never both squeeze
 * under a limit.
 *
 * A write that may still fail (a bind) reserves first, keyed by what it writes (the submission id):
 * the reserved quantity counts as used at once, so the limit holds while the write is in flight; the
 * writer then commits (the count stays) or releases (it is given back). A retried or concurrent
 * write with the same key shares one reservation, and a committed key is remembered so it never
 * counts twice. A reservation still open at its deadline belongs to a crashed writer and the alarm
 * releases it; if that writer was only slow, its commit counts it back.
 *
 * Counters are keyed by feature and window (`2026-12` for a monthly feature on the org's clock,
 * `total` for a standing one): the caller names the window, so a month starts from zero without any
 * reset job. Storage is the object's own SQLite-backed KV; nothing lives only in memory.
 *
 * Two more ways in: the gateway's batches of `api_calls` ({@link add}, counted without refusal:
 * the calls were answered), and the reconcile of a standing total whose truth is another worker's
 * rows ({@link beginReconcile}, {@link finishReconcile}), set in one step that keeps writes racing it.
 */
export class UsageMeter extends DurableObject<WorkspaceEnv> {
  #orgId: string | null = null;

  /** The object's org, fixed by its first call: a call for another org is a bug in the caller. */
  #claim(orgId: string): void {
    const stored = this.ctx.storage.kv.get<string>("org");
    if (this.#orgId === null) this.#orgId = stored ?? orgId;
    if (stored === undefined) this.ctx.storage.kv.put("org", orgId);
    if (this.#orgId !== orgId) throw new Error(`UsageMeter for ${this.#orgId} asked about ${orgId}`);
  }

  #used(feature: Feature, window: string): number {
    return this.ctx.storage.kv.get<number>(`used:${feature}:${window}`) ?? 0;
  }

  #add(feature: Feature, window: string, delta: number): number {
    const next = Math.max(0, this.#used(feature, window) + delta);
    this.ctx.storage.kv.put(`used:${feature}:${window}`, next);
    return next;
  }

  /** Usage of each named feature in its window (reservations in flight included). */
  usage(orgId: string, windows: Partial<Record<Feature, string>>): Partial<Record<Feature, number>> {
    this.#claim(orgId);
    const out: Partial<Record<Feature, number>> = {};
    for (const [feature, window] of Object.entries(windows) as [Feature, string][]) out[feature] = this.#used(feature, window);
    return out;
  }

  /** Checks `quantity` more against `limit` (null: none) and counts it in the same step, or refuses and counts nothing. */
  admit(orgId: string, feature: Feature, window: string, quantity: number, limit: number | null): Admission {
    this.#claim(orgId);
    const used = this.#used(feature, window);
    if (limit !== null && used + quantity > limit) return { ok: false, used, limit };
    return { ok: true, used: this.#add(feature, window, quantity), limit };
  }

  /** Gives back what an {@link admit} counted when the write it was for did not happen. */
  giveBack(orgId: string, feature: Feature, window: string, quantity: number): number {
    this.#claim(orgId);
    return this.#add(feature, window, -quantity);
  }

  /**
   * {@link admit}, held under `key` until {@link commit} or {@link release}. A key already open or
   * committed is admitted without counting again.
   */
  async reserve(orgId: string, key: string, feature: Feature, window: string, quantity: number, limit: number | null): Promise<Admission> {
    this.#claim(orgId);
    const open = this.ctx.storage.kv.get<OpenReservation>(`res:${key}`);
    if (open || this.ctx.storage.kv.get(`committed:${key}`) === true) {
      return { ok: true, used: this.#used(feature, open?.window ?? window), limit };
    }
    const admitted = this.admit(orgId, feature, window, quantity, limit);
    if (!admitted.ok) return admitted;
    const deadline = realClock.now().getTime() + RESERVATION_TTL_MS;
    this.ctx.storage.kv.put(`res:${key}`, { feature, window, quantity, deadline } satisfies OpenReservation);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > deadline) await this.ctx.storage.setAlarm(deadline);
    return admitted;
  }

  /**
   * {@link admit} and {@link commit} in one step, under `key`: for a standing total whose writer
   * rarely fails after counting and whose reconcile keeps it true (a stored document's bytes). A key
   * already counted counts nothing again; a write that then fails gives its count back with
   * {@link refund}, and one that crashed before it could is corrected by the next reconcile.
   */
  count(orgId: string, key: string, feature: Feature, quantity: number, limit: number | null): Admission {
    this.#claim(orgId);
    if (this.ctx.storage.kv.get(`committed:${key}`) === true) return { ok: true, used: this.#used(feature, "total"), limit };
    const admitted = this.admit(orgId, feature, "total", quantity, limit);
    if (!admitted.ok) return admitted;
    this.ctx.storage.kv.put(`committed:${key}`, true);
    // A reconcile in progress may have read its source before this row existed: it counts this key too.
    if (this.ctx.storage.kv.get(`recon:${feature}`)) this.ctx.storage.kv.put(`recon:${feature}:since:${key}`, quantity);
    return admitted;
  }

  /** The write committed: its count stays, and the key never counts again. */
  commit(orgId: string, key: string): void {
    this.#claim(orgId);
    if (this.ctx.storage.kv.get(`committed:${key}`) === true || this.ctx.storage.kv.get(`refunded:${key}`) === true) return;
    const open = this.ctx.storage.kv.get<OpenReservation>(`res:${key}`);
    const recovered = this.ctx.storage.kv.get<OpenReservation>(`recovered:${key}`);
    if (!open && !recovered) return;
    if (!open && recovered) {
      // The alarm gave it back before a slow writer committed: D1 holds the write, so the count must too.
      this.#add(recovered.feature, recovered.window, recovered.quantity);
      this.ctx.storage.kv.delete(`recovered:${key}`);
    }
    this.ctx.storage.kv.delete(`res:${key}`);
    this.ctx.storage.kv.put(`committed:${key}`, true);
    const counted = open ?? recovered!;
    // A reconcile in progress may have read its source before this row existed: it counts this key too.
    if (counted.window === "total" && this.ctx.storage.kv.get(`recon:${counted.feature}`)) {
      this.ctx.storage.kv.put(`recon:${counted.feature}:since:${key}`, counted.quantity);
    }
  }

  /**
   * What a committed write under `key` counted is given back because the thing it created is gone
   * (a deleted webhook endpoint, a deleted document's bytes): standing totals only. Once per key: a
   * repeated or concurrent return counts nothing more. A reservation still open is released; one the
   * alarm already gave back (a crashed writer) gives nothing back twice.
   */
  refund(orgId: string, key: string, feature: Feature, window: string, quantity: number): number {
    this.#claim(orgId);
    if (this.ctx.storage.kv.get(`committed:${key}`) === true) {
      this.ctx.storage.kv.delete(`committed:${key}`);
      this.ctx.storage.kv.put(`refunded:${key}`, true);
      return this.#add(feature, window, -quantity);
    }
    if (this.ctx.storage.kv.get<OpenReservation>(`res:${key}`)) this.#releaseOpen(key, false);
    else this.ctx.storage.kv.delete(`recovered:${key}`);
    this.ctx.storage.kv.put(`refunded:${key}`, true);
    return this.#used(feature, window);
  }

  /** The write did not commit: its reserved quantity is given back. */
  release(orgId: string, key: string): void {
    this.#claim(orgId);
    this.#releaseOpen(key, false);
  }

  #releaseOpen(key: string, recovered: boolean): void {
    const open = this.ctx.storage.kv.get<OpenReservation>(`res:${key}`);
    if (!open) return;
    this.#add(open.feature, open.window, -open.quantity);
    this.ctx.storage.kv.delete(`res:${key}`);
    if (recovered) this.ctx.storage.kv.put(`recovered:${key}`, open);
  }

  /** Reservations open at their deadline belong to crashed writers: give them back, and wake for the next one. */
  /** The org's data purged (retention over): every counter, reservation and the alarm go. Idempotent. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#orgId = null;
  }

  override async alarm(): Promise<void> {
    const now = realClock.now().getTime();
    let next: number | null = null;
    for (const [name, value] of this.ctx.storage.kv.list<OpenReservation>({ prefix: "res:" })) {
      if (value.deadline <= now) this.#releaseOpen(name.slice(4), true);
      else next = next === null ? value.deadline : Math.min(next, value.deadline);
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Test and recovery view: the open reservation of a key, if any. */
  reservationOf(orgId: string, key: string): OpenReservation | null {
    this.#claim(orgId);
    return this.ctx.storage.kv.get<OpenReservation>(`res:${key}`) ?? null;
  }

  /**
   * Counts `quantity` more of a feature the platform meters in bulk (`api_calls`, flushed by the
   * gateway in batches): never refuses, since the requests it counts were already answered, but
   * reports the usage and the limit so the caller refuses the org's next requests once it is
   * exhausted (`used >= limit`). A quantity of 0 only reads.
   */
  add(orgId: string, feature: Feature, window: string, quantity: number, limit: number | null): { used: number; limit: number | null; exhausted: boolean } {
    this.#claim(orgId);
    const used = quantity > 0 ? this.#add(feature, window, quantity) : this.#used(feature, window);
    return { used, limit, exhausted: limit !== null && used >= limit };
  }

  /**
   * Opens a reconcile of a standing total (`webhook_endpoints`, `document_storage_bytes`) against
   * its source of truth; the caller reads its rows only after this answers, then hands them to
   * {@link finishReconcile} with the id. Between the two, every commit of the feature is noted, so
   * a row written after the read is not lost. A later begin supersedes an earlier one.
   */
  beginReconcile(orgId: string, feature: Feature): string {
    this.#claim(orgId);
    for (const [name] of this.ctx.storage.kv.list({ prefix: `recon:${feature}:since:` })) this.ctx.storage.kv.delete(name);
    const id = crypto.randomUUID();
    this.ctx.storage.kv.put(`recon:${feature}`, { id, startedAt: realClock.now().getTime() });
    return id;
  }

  /**
   * Sets the standing total of `feature` from `live`, the source's rows read after
   * {@link beginReconcile} (`[key, quantity]`, keyed as the writes reserve: the endpoint or document
   * id), in one step, so no call of the meter interleaves:
   * - a live row counts, unless its key was returned since (deleted after the read); a row written
   *   before metering began (no reservation, never committed) is adopted as committed, so its delete
   *   later gives it back;
   * - a write still in flight (an open reservation the read did not see) counts, as does one that
   *   committed after the read;
   * - anything else the meter held is gone from the source and no longer counts.
   * Answers null when another reconcile superseded this one (nothing is changed; run it again).
   */
  finishReconcile(orgId: string, feature: Feature, id: string, live: [string, number][]): { before: number; after: number; adopted: number } | null {
    this.#claim(orgId);
    const kv = this.ctx.storage.kv;
    const marker = kv.get<{ id: string }>(`recon:${feature}`);
    if (!marker || marker.id !== id) return null;
    const seen = new Set<string>();
    let total = 0;
    let adopted = 0;
    for (const [key, quantity] of live) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (kv.get(`refunded:${key}`) === true) continue;
      total += quantity;
      if (kv.get(`committed:${key}`) === true || kv.get<OpenReservation>(`res:${key}`)) continue;
      // Written before metering began, or given back by the alarm although its row exists.
      kv.delete(`recovered:${key}`);
      kv.put(`committed:${key}`, true);
      adopted++;
    }
    for (const [name, open] of kv.list<OpenReservation>({ prefix: "res:" })) {
      if (open.feature === feature && open.window === "total" && !seen.has(name.slice(4))) total += open.quantity;
    }
    const sincePrefix = `recon:${feature}:since:`;
    for (const [name, quantity] of kv.list<number>({ prefix: sincePrefix })) {
      const key = name.slice(sincePrefix.length);
      if (!seen.has(key) && kv.get(`committed:${key}`) === true) total += quantity;
      kv.delete(name);
    }
    kv.delete(`recon:${feature}`);
    const before = this.#used(feature, "total");
    kv.put(`used:${feature}:total`, total);
    return { before, after: total, adopted };
  }
}
