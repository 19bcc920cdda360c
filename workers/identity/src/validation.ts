/**
 * Input checks for RPC arguments. The gateway validates shapes against the contract first;
 * these guard the invariants the identity data relies on, answering `validation_failed` with field and rule.
 */
import { fail, ok, type Result } from "#shared/errors";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A trimmed, non-empty string of at most `max` characters. */
export function requireText(value: unknown, field: string, max: number): Result<string> {
  if (typeof value !== "string" || value.trim() === "") {
    return fail("validation_failed", `${field} is required`, { field, rule: "required" });
  }
  const text = value.trim();
  if (text.length > max) {
    return fail("validation_failed", `${field} must be at most ${max} characters`, { field, rule: "max_length", max });
  }
  return ok(text);
}

/** Emails are compared and stored trimmed and lowercased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function requireEmail(value: unknown, field = "email"): Result<string> {
  if (typeof value !== "string") return fail("validation_failed", `${field} is required`, { field, rule: "required" });
  const email = normalizeEmail(value);
  if (email.length > 254 || !EMAIL.test(email)) {
    return fail("validation_failed", `${field} must be an email address`, { field, rule: "email" });
  }
  return ok(email);
}

/** An ISO-8601 date-time with an explicit offset, normalised to UTC `toISOString()` form. */
export function parseDateTime(value: unknown, field: string): Result<Date> {
  const date = typeof value === "string" && ISO_DATETIME.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    return fail("validation_failed", `${field} must be an ISO-8601 date-time`, { field, rule: "datetime" });
  }
  return ok(date);
}
