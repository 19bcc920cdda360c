/**
 * The producers domain's own rules beyond the contract's shapes, applied to RPC input whatever path
 * it came by: NPN digits, US state codes, lines, one license per state, commission rates of 0–50%
 * with at most two decimals, no license already expired; the producer and appointment
 * transitions; and distribution authority on a day (license, expiry, appointment, status).
 */
import type { AppointmentStatus, CommissionRates, LineOfBusiness, ProducerLicense, ProducerStatus } from "#contract/types.gen";
import { US_STATES } from "#shared/acord125";
import { isValidDate } from "#shared/dates";
import { invalid, type AppError } from "#shared/errors";

export const LINES: readonly LineOfBusiness[] = ["GL", "PROP", "CA"];
const NPN = /^[0-9]{1,10}$/;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
export const MAX_COMMISSION_RATE = 50;

type Refusal = { ok: false; error: AppError };

export function npnIssue(npn: unknown, field = "npn"): Refusal | null {
  return typeof npn === "string" && NPN.test(npn) ? null : invalid(field, "pattern", `${field} must be 1 to 10 digits`);
}

export function stateIssue(state: unknown, field: string): Refusal | null {
  return typeof state === "string" && Object.hasOwn(US_STATES, state) ? null : invalid(field, "enum", `${field} must be a US state code (two capital letters, DC included)`);
}

export function linesIssue(lines: unknown, field: string): Refusal | null {
  if (!Array.isArray(lines) || lines.length === 0) return invalid(field, "required", `${field} must name at least one line`);
  for (const [i, line] of lines.entries()) {
    if (!LINES.includes(line as LineOfBusiness)) return invalid(`${field}.${i}`, "enum", `${field}.${i} must be one of GL, PROP, CA`);
    if (lines.indexOf(line) !== i) return invalid(`${field}.${i}`, "unique", `${field} names ${String(line)} twice`);
  }
  return null;
}

/** Licenses: valid states and lines, one per state, none already expired on `today`. */
export function licensesIssue(licenses: readonly ProducerLicense[], today: string): Refusal | null {
  const seen = new Set<string>();
  for (const [i, license] of licenses.entries()) {
    const at = `licenses.${i}`;
    const bad =
      stateIssue(license.state, `${at}.state`) ??
      linesIssue(license.lines, `${at}.lines`) ??
      (typeof license.number === "string" && license.number.length > 0 ? null : invalid(`${at}.number`, "required", `Missing required field: ${at}.number`));
    if (bad) return bad;
    if (typeof license.expiresOn !== "string" || !DAY.test(license.expiresOn) || !isValidDate(license.expiresOn)) {
      return invalid(`${at}.expiresOn`, "date", `${at}.expiresOn must be a date, YYYY-MM-DD`);
    }
    if (license.expiresOn < today) return invalid(`${at}.expiresOn`, "not_past", `${at}.expiresOn (${license.expiresOn}) is already past (today is ${today})`);
    if (seen.has(license.state)) return invalid(`${at}.state`, "unique", `Only one license per state: ${license.state} is listed twice`);
    seen.add(license.state);
  }
  return null;
}

/** Rates are percentages from 0 to 50 with at most two decimals, never rounded. */
export function ratesIssue(rates: CommissionRates): Refusal | null {
  for (const [line, rate] of Object.entries(rates)) {
    if (!LINES.includes(line as LineOfBusiness)) return invalid(`commissionRates.${line}`, "unknown_field", `Received unknown parameter: commissionRates.${line}`);
    if (rate === undefined) continue;
    for (const kind of ["newBusiness", "renewal"] as const) {
      const field = `commissionRates.${line}.${kind}`;
      const value = (rate as Record<string, unknown>)[kind];
      if (typeof value !== "number" || !Number.isFinite(value)) return invalid(field, "required", `${field} must be a number`);
      if (value < 0) return invalid(field, "too_small", `${field} must be from 0 to ${MAX_COMMISSION_RATE} (percent)`);
      if (value > MAX_COMMISSION_RATE) return invalid(field, "too_big", `${field} must be from 0 to ${MAX_COMMISSION_RATE} (percent)`);
      if (Math.abs(Math.round(value * 100) - value * 100) > 1e-6) return invalid(field, "percent_precision", `${field} must be a percentage with at most two decimals (it is never rounded)`);
    }
  }
  return null;
}

/** `terminated` is final; `active` and `suspended` move either way. */
export function producerMoveAllowed(from: ProducerStatus, to: ProducerStatus): boolean {
  return from === to || from !== "terminated";
}

const APPOINTMENT_MOVES: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  pending: ["active", "terminated"],
  active: ["terminated"],
  terminated: [],
};

export const appointmentMoveAllowed = (from: AppointmentStatus, to: AppointmentStatus): boolean => APPOINTMENT_MOVES[from].includes(to);
