import { DurableObject } from "cloudflare:workers";

/** Share of the aggregate cap past which `da.limit_approaching` is recorded, once. */
export const APPROACHING_THRESHOLD = { numerator: 85, denominator: 100 };

interface LedgerState {
  writtenCents: number;
  /** Set by the reservation whose bind crossed the threshold; cleared if that bind is released. */
  approachingBy: string | null;
  /** Open reservations by submission id: premium held until the bind commits or is released. */
  reservations: Record<string, { premiumCents: number; crossed: boolean }>;
}

export type Reservation =
  | { ok: true; writtenCents: number; capCents: number; crossedThreshold: boolean }
  | { ok: false; writtenCents: number; capCents: number };

/**
 * The aggregate written premium of one delegated-authority agreement. One object per agreement
 * serialises every bind against its cap: `reserve` checks and adds in one step, so two binds can
 * never both squeeze under the cap, and the 85% crossing is claimed by exactly one bind.
 * Reservations are keyed by submission, so a retried bind does not count twice, and a committed
 * submission is remembered, so a bind that loses the race to it does not count it again.
 */
export class DaLedger extends DurableObject {
  private load(): LedgerState {
    return this.ctx.storage.kv.get<LedgerState>("ledger") ?? { writtenCents: 0, approachingBy: null, reservations: {} };
  }

  private save(state: LedgerState): void {
    this.ctx.storage.kv.put("ledger", state);
  }

  /**
   * What {@link reserve} would answer, without reserving: a bind preview's cap check. A submission
   * already reserved or committed adds nothing, so it always fits.
   */
  check(submissionId: string, premiumCents: number, capCents: number): Reservation {
    const state = this.load();
    if (state.reservations[submissionId] || this.isCommitted(submissionId)) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: false };
    return state.writtenCents + premiumCents > capCents
      ? { ok: false, writtenCents: state.writtenCents, capCents }
      : { ok: true, writtenCents: state.writtenCents + premiumCents, capCents, crossedThreshold: false };
  }

  reserve(submissionId: string, premiumCents: number, capCents: number): Reservation {
    const state = this.load();
    const existing = state.reservations[submissionId];
    if (existing) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: existing.crossed };
    // Bound already (a concurrent bind of the same submission committed first): its premium is counted.
    if (this.isCommitted(submissionId)) return { ok: true, writtenCents: state.writtenCents, capCents, crossedThreshold: false };
    const after = state.writtenCents + premiumCents;
    if (after > capCents) return { ok: false, writtenCents: state.writtenCents, capCents };
    const threshold = (capCents * APPROACHING_THRESHOLD.numerator) / APPROACHING_THRESHOLD.denominator;
    const crossed = state.approachingBy === null && after > threshold;
    state.writtenCents = after;
    if (crossed) state.approachingBy = submissionId;
    state.reservations[submissionId] = { premiumCents, crossed };
    this.save(state);
    return { ok: true, writtenCents: after, capCents, crossedThreshold: crossed };
  }

  /** The bind committed: the premium stays written, and the submission never reserves again. */
  commit(submissionId: string): void {
    const state = this.load();
    if (!state.reservations[submissionId]) return;
    delete state.reservations[submissionId];
    this.save(state);
    this.ctx.storage.kv.put(`committed:${submissionId}`, true);
  }

  private isCommitted(submissionId: string): boolean {
    return this.ctx.storage.kv.get(`committed:${submissionId}`) === true;
  }

  /** The bind did not commit: give the premium back (and the threshold crossing, if it was this bind's). */
  release(submissionId: string): void {
    const state = this.load();
    const reservation = state.reservations[submissionId];
    if (!reservation) return;
    state.writtenCents -= reservation.premiumCents;
    if (state.approachingBy === submissionId) state.approachingBy = null;
    delete state.reservations[submissionId];
    this.save(state);
  }

  snapshot(): { writtenCents: number; approachingBy: string | null } {
    const { writtenCents, approachingBy } = this.load();
    return { writtenCents, approachingBy };
  }
}
