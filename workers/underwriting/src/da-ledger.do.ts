import { DurableObject } from "cloudflare:workers";
import { realClock } from "#shared/clock";
import type { UnderwritingEnv } from "./env.ts";

/** Share of the aggregate cap past which `da.limit_approaching` is recorded, once. */
export const APPROACHING_THRESHOLD = { numerator: 85, denominator: 100 };

/**
 * How long a reservation may stay open before the recovery alarm reconciles it against D1. Far
 * longer than any bind or policy transaction takes (one D1 batch), so the alarm only ever meets a
 * writer that crashed; if it does meet a slow one, {@link DaLedger.commit} still counts its premium.
 * Real time, not an org's sandbox clock: this is delivery machinery, not a business date.
 */
export const RESERVATION_TTL_MS = 5 * 60_000;

interface OpenReservation {
  /** Premium held (positive) or to be credited on commit (negative: return premium). */
  premiumCents: number;
  crossed: boolean;
  /** Epoch ms (real time) after which the alarm reconciles the reservation against D1. */
  deadline: number;
}

interface LedgerState {
  writtenCents: number;
  /** Set by the reservation whose bind crossed the threshold; cleared if that bind is released. */
  approachingBy: string | null;
  /** Open reservations by key (a submission id for a bind, a transaction id for a policy transaction). */
  reservations: Record<string, OpenReservation>;
}

export type Reservation =
  | { ok: true; writtenCents: number; capCents: number; crossedThreshold: boolean }
  | { ok: false; writtenCents: number; capCents: number };

/** What the recovery alarm did with one reservation past its deadline. */
export interface Reconciled {
  key: string;
  outcome: "committed" | "released";
}

/**
 * The aggregate written premium of one delegated-authority agreement. One object per agreement
 * serialises every premium change against its cap: `reserve` checks and adds in one step, so two
 * binds (or endorsements) can never both squeeze under the cap, and the 85% crossing is claimed by
 * exactly one of them, once per agreement.
 *
 * A reservation is keyed by what writes the premium: a submission id (`sub_…`) for a bind, a
 * transaction id (`txn_…`) for an endorsement, cancellation or reinstatement. So a retried bind
 * does not count twice, and a committed key is remembered, so a bind that loses the race to it
 * does not count it again. Additional premium counts from the moment it is reserved (the cap is
 * never overrun while a write is in flight); return premium (a negative reservation) counts only
 * when it commits, so space is never handed out on a credit that might not happen. Net written
 * premium is what the cap limits: return premium gives space back.
 *
 * Recovery: every reservation has a deadline ({@link RESERVATION_TTL_MS}) and an alarm. A
 * reservation still open at its deadline belongs to a writer that crashed between reserve and
 * commit/release; the alarm asks D1 whether that write exists (the policy bound from the
 * submission, or the transaction) and commits or releases it, so a crash never holds the cap forever.
 */
export class DaLedger extends DurableObject<UnderwritingEnv> {
  private load(): LedgerState {
    return this.ctx.storage.kv.get<LedgerState>("ledger") ?? { writtenCents: 0, approachingBy: null, reservations: {} };
  }

  private save(state: LedgerState): void {
    this.ctx.storage.kv.put("ledger", state);
  }

  /**
   * What {@link reserve} would answer, without reserving: a preview's cap check. A key already
   * reserved or committed adds nothing, so it always fits; so does return premium.
   */
  check(key: string, premiumCents: number, capCents: number): Reservation {
    const state = this.load();
    if (premiumCents <= 0 || state.reservations[key] || this.isCommitted(key)) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: false };
    return state.writtenCents + premiumCents > capCents
      ? { ok: false, writtenCents: state.writtenCents, capCents }
      : { ok: true, writtenCents: state.writtenCents + premiumCents, capCents, crossedThreshold: false };
  }

  async reserve(key: string, premiumCents: number, capCents: number): Promise<Reservation> {
    const state = this.load();
    const existing = state.reservations[key];
    if (existing) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: existing.crossed };
    // Written already (a concurrent bind of the same submission committed first): its premium is counted.
    if (this.isCommitted(key)) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: false };
    const deadline = realClock.now().getTime() + RESERVATION_TTL_MS;
    if (premiumCents < 0) {
      // Return premium: held until it commits, never checked against the cap.
      state.reservations[key] = { premiumCents, crossed: false, deadline };
      this.save(state);
      await this.scheduleRecovery(state);
      return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: false };
    }
    const after = state.writtenCents + premiumCents;
    if (after > capCents) return { ok: false, writtenCents: state.writtenCents, capCents };
    const threshold = (capCents * APPROACHING_THRESHOLD.numerator) / APPROACHING_THRESHOLD.denominator;
    const crossed = state.approachingBy === null && after > threshold;
    state.writtenCents = after;
    if (crossed) state.approachingBy = key;
    state.reservations[key] = { premiumCents, crossed, deadline };
    this.save(state);
    await this.scheduleRecovery(state);
    return { ok: true, writtenCents: after, capCents, crossedThreshold: crossed };
  }

  /**
   * The write committed: the premium stays written (a credit is taken off now), and the key never
   * reserves again. If the recovery alarm had already released it (a writer slower than the
   * deadline), its premium is counted back: D1 holds it, so the ledger must too.
   */
  commit(key: string): void {
    const state = this.load();
    const reservation = state.reservations[key];
    if (!reservation) {
      const recovered = this.ctx.storage.kv.get<number>(`recovered:${key}`);
      if (recovered === undefined || this.isCommitted(key)) return;
      state.writtenCents += recovered;
      this.ctx.storage.kv.delete(`recovered:${key}`);
      this.save(state);
      this.ctx.storage.kv.put(`committed:${key}`, true);
      return;
    }
    if (reservation.premiumCents < 0) state.writtenCents += reservation.premiumCents;
    delete state.reservations[key];
    this.save(state);
    this.ctx.storage.kv.put(`committed:${key}`, true);
  }

  private isCommitted(key: string): boolean {
    return this.ctx.storage.kv.get(`committed:${key}`) === true;
  }

  /** The write did not commit: give the premium back (and the threshold crossing, if it was this one's). */
  release(key: string): void {
    this.releaseOpen(key, false);
  }

  private releaseOpen(key: string, recovered: boolean): void {
    const state = this.load();
    const reservation = state.reservations[key];
    if (!reservation) return;
    if (reservation.premiumCents > 0) state.writtenCents -= reservation.premiumCents;
    if (state.approachingBy === key) state.approachingBy = null;
    delete state.reservations[key];
    this.save(state);
    // Remembered so that a writer that was only slow, not dead, still counts on commit.
    if (recovered) this.ctx.storage.kv.put(`recovered:${key}`, reservation.premiumCents);
  }

  snapshot(): { writtenCents: number; approachingBy: string | null } {
    const { writtenCents, approachingBy } = this.load();
    return { writtenCents, approachingBy };
  }

  /** Keys of the reservations still open (neither committed nor released). */
  openReservations(): string[] {
    return Object.keys(this.load().reservations);
  }

  /** The alarm stands at the earliest open deadline (none when nothing is open). */
  private async scheduleRecovery(state: LedgerState): Promise<void> {
    const deadlines = Object.values(state.reservations).map((r) => r.deadline);
    if (deadlines.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const earliest = Math.min(...deadlines);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > earliest) await this.ctx.storage.setAlarm(earliest);
  }

  /** Reconcile every reservation past its deadline against D1, then wait for the next deadline. */
  /** The org's data purged (retention over): the ledger, its reservations and the alarm go. Idempotent. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.reconcile();
  }

  /**
   * Each reservation open past its deadline: committed if D1 holds the write it reserved for,
   * released if not. Returns what it did (the alarm's own record; tests read it).
   */
  async reconcile(): Promise<Reconciled[]> {
    const now = realClock.now().getTime();
    const due = Object.entries(this.load().reservations).filter(([, r]) => r.deadline <= now).map(([key]) => key);
    const done: Reconciled[] = [];
    for (const key of due) {
      const held = await this.heldInD1(key);
      // The writer may have committed or released while D1 answered: only a still-open key is settled here.
      if (!this.load().reservations[key]) continue;
      if (held) this.commit(key);
      else this.releaseOpen(key, true);
      done.push({ key, outcome: held ? "committed" : "released" });
    }
    await this.scheduleRecovery(this.load());
    return done;
  }

  /** Whether the write a reservation was made for exists: the policy bound from a submission, or the transaction. */
  private async heldInD1(key: string): Promise<boolean> {
    const db = this.env.UNDERWRITING_DB;
    const row = key.startsWith("sub_")
      ? await db.prepare("SELECT 1 AS held FROM policies WHERE submission_id = ? LIMIT 1").bind(key).first()
      : await db.prepare("SELECT 1 AS held FROM policy_transactions WHERE id = ? LIMIT 1").bind(key).first();
    return row !== null;
  }
}
