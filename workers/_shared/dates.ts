/** Coverage dates are `YYYY-MM-DD` calendar dates in UTC; arithmetic is on whole days. */

const DAY_MS = 86_400_000;

export function parseDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The same calendar day `years` later; 29 February falls back to 28 February. */
export function addYears(date: string, years: number): string {
  const d = parseDate(date);
  const target = new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
  if (target.getUTCMonth() !== d.getUTCMonth()) target.setUTCDate(0);
  return formatDate(target);
}

/** The same day of month `months` later, clamped to the month's last day. */
export function addMonths(date: string, months: number): string {
  const d = parseDate(date);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return formatDate(first);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDate(to).getTime() - parseDate(from).getTime()) / DAY_MS);
}

export function isValidDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const parsed = parseDate(date);
  return !Number.isNaN(parsed.getTime()) && formatDate(parsed) === date;
}

/** The calendar day `days` after `date` (before, when negative). */
export function addDays(date: string, days: number): string {
  return formatDate(new Date(parseDate(date).getTime() + days * DAY_MS));
}
