/**
 * The test clock: the one place a test file may read the date (test/contract/test-clock.guard.test.ts
 * enforces it). Two kinds of time, kept apart on purpose:
 *
 * - The **test calendar** dates business data: effective dates, cancellations, `asOf`, anything a
 *   date rule compares with today. It stands at {@link TEST_NOW} whatever day the suite runs, because
 *   each test org's sandbox clock is set there (the gateway harness calls `POST /v1/sandbox/clock`;
 *   underwriting principals carry {@link testClockOffsetMs}). So a test written today still passes
 *   in 2028: nothing it dates drifts into the past.
 * - **Real time** ({@link realNow}) is for what the platform deliberately keeps on real time:
 *   credential, token and session expiry, rate-limit windows, idempotency records, webhook retries and
 *   signatures, and polling deadlines.
 */
import { addYears, daysBetween, formatDate, parseDate } from "../../workers/_shared/dates.ts";

/** Where the test calendar stands: noon UTC, so a run never crosses midnight on it. */
export const TEST_NOW = "2026-12-01T12:00:00.000Z";

/** Today on the test calendar (`YYYY-MM-DD`). */
export const TEST_TODAY = TEST_NOW.slice(0, 10);

/** The test calendar's day `days` from today (negative: before), `YYYY-MM-DD`. */
export function testDay(days: number): string {
  return formatDate(new Date(parseDate(TEST_TODAY).getTime() + days * 86_400_000));
}

/** The test calendar's instant `offsetMs` from {@link TEST_NOW}, ISO 8601 (e.g. a `createdAfter` bound). */
export function testInstant(offsetMs: number): string {
  return new Date(Date.parse(TEST_NOW) + offsetMs).toISOString();
}

/** The same day `years` after `date` (see `addYears`), for terms and renewals. */
export const yearsAfter = (date: string, years: number): string => addYears(date, years);

/** Whole days from the test calendar's today to `date`. */
export const daysFromTestToday = (date: string): number => daysBetween(TEST_TODAY, date);

/**
 * The first year after the test calendar's year that is not a leap year: a policy written Jan 1 of
 * it runs 365 days and lies wholly ahead of the test calendar, so the worked figures hold.
 */
export const PLAIN_YEAR = (() => {
  let year = Number(TEST_TODAY.slice(0, 4)) + 1;
  while ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0) year += 1;
  return year;
})();

/** Milliseconds since the epoch, real time. Only for what the platform keeps on real time (see above). */
export function realNow(): number {
  return Date.now();
}

/** Real time `offsetMs` from now, as an ISO 8601 timestamp (e.g. an API key's `expiresAt`). */
export function realIso(offsetMs = 0): string {
  return new Date(realNow() + offsetMs).toISOString();
}

/** Real time in unix seconds (JWT `exp`, `X-RateLimit-Reset`, webhook timestamps). */
export function realUnixSeconds(): number {
  return Math.floor(realNow() / 1000);
}

/**
 * The sandbox-clock offset that puts an org's clock at {@link TEST_NOW} right now: what a principal
 * handed straight to a domain worker carries as `clockOffsetMs`, as the gateway would stamp it.
 */
export function testClockOffsetMs(at: string = TEST_NOW): number {
  return Date.parse(at) - realNow();
}
