/**
 * The delinquency rules of DECISIONS.md ("Billing"), as dates. Pure.
 *
 * - An open invoice is delinquent once it has been unpaid `graceDays` after its due date: on day
 *   `dueDate + graceDays` (`delinquentOn`) the job emits `invoice.overdue` and the policy goes
 *   `pending_cancellation`, with a notice to the insured dated the day the job gives it.
 * - The policy is cancelled pro rata for `non_payment` as of `noticeDate + 10` (`cancellationDate`)
 *   unless every overdue invoice is paid first. Counting from the notice, not from the due date,
 *   means a job that missed days still gives the insured ten days' notice; on a job that runs every
 *   day the notice is given on `delinquentOn` itself, so the cancellation falls on `due + grace + 10`.
 */
import { addDays } from "#shared/dates";

export const DEFAULT_GRACE_DAYS = 15;
export const MIN_GRACE_DAYS = 1;
export const MAX_GRACE_DAYS = 90;
/** Days from the notice of pending cancellation to the cancellation. */
export const CANCELLATION_NOTICE_DAYS = 10;

/** The day an invoice due `dueDate` becomes delinquent under `graceDays`. */
export const delinquentOn = (dueDate: string, graceDays: number): string => addDays(dueDate, graceDays);

/** The day a policy noticed on `noticeDate` is cancelled unless paid. */
export const cancellationDate = (noticeDate: string): string => addDays(noticeDate, CANCELLATION_NOTICE_DAYS);

/** Whether `graceDays` is a setting the org may choose. */
export const isGraceDays = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= MIN_GRACE_DAYS && value <= MAX_GRACE_DAYS;

/** How long after its `failures`-th failed attempt a job is due again: a minute, doubling, at most an hour. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 60 * 60_000);
}
