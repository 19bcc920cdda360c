/**
 * The one clock every business date rule reads: quote readiness and validity, policy expiry, the
 * reinstatement window, renewal, analytics' "as of today", and every later rule of the same kind
 * (invoice delinquency, producer licence expiry). Domain code never asks `new Date()` for a
 * business date; it takes a {@link Clock} from its caller, normally `clockOf(principal)`.
 *
 * In a sandbox an org can run its own clock, as Stripe's test clocks do: `POST /v1/sandbox/clock`
 * moves it to an instant or a number of days ahead, and from there it keeps running. Identity stores
 * the org's offset from real time; the gateway reads it once per request (only where
 * {@link sandboxClockEnabled}) and hands it on as `principal.clockOffsetMs`, so every domain worker
 * sees the org's clock without a call of its own. Outside those environments the gateway never sets
 * it and identity never stores or returns one, so the clock is real time whatever the database holds.
 *
 * The security and delivery machinery stays on real time on purpose: credentials, sessions, JWTs,
 * rate-limit windows, idempotency records, webhook retries and deal-room messages. A sandbox clock
 * moves the book's calendar, not the key that reads it.
 */
import type { Principal } from "./auth.ts";
import { formatDate } from "./dates.ts";
import { isDevelopment } from "./environment.ts";

export const DAY_MS = 86_400_000;

/** A source of "now". */
export interface Clock {
  /** The current instant on this clock. */
  now(): Date;
  /** The current calendar day on this clock, `YYYY-MM-DD` in UTC: what date rules call today. */
  today(): string;
}

/** A clock running `offsetMs` ahead of real time (behind when negative); 0 is real time. */
export function offsetClock(offsetMs: number): Clock {
  const now = () => new Date(Date.now() + offsetMs);
  return { now, today: () => formatDate(now()) };
}

/** Real time. */
export const realClock: Clock = offsetClock(0);

/** The clock of the principal's org: its sandbox offset when the gateway set one, real time otherwise. */
export function clockOf(principal: Pick<Principal, "clockOffsetMs">): Clock {
  const offset = principal.clockOffsetMs;
  return typeof offset === "number" && Number.isFinite(offset) && offset !== 0 ? offsetClock(offset) : realClock;
}

/**
 * An org's sandbox clock is honoured only in development (see #shared/environment): anything else,
 * including an unset or misspelt ENVIRONMENT, is production and runs on real time.
 */
export const sandboxClockEnabled = (environment: string | undefined): boolean => isDevelopment({ ENVIRONMENT: environment });

/** How far a sandbox clock may run from real time, either way (ten years): enough for any term, renewal or window. */
export const MAX_CLOCK_OFFSET_MS = 3_653 * DAY_MS;
