/**
 * The one error vocabulary of the platform (shared/spec/DECISIONS.md, "Errors").
 * Domain code returns these as values; the gateway maps them to HTTP with {@link ERROR_STATUS}.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_idempotency_key: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_request_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** A download's `Range` lies wholly past the end of the document. */
  range_not_satisfiable: 416,
  invalid_state_transition: 422,
  da_limit_exceeded: 422,
  quote_expired: 422,
  idempotency_key_reused: 422,
  business_rule_violation: 422,
  /** Segregation of duties: the principal that created a quote or referral decided it. */
  self_approval: 422,
  /** A quote asked of a submission whose readiness has a blocking check failed. */
  submission_not_ready: 422,
  /** A certificate asked of a policy that is not in force on the org's today (cancelled, expired, or starting more than 60 days out). */
  policy_not_in_force: 422,
  /** A certificate's additional-insured or waiver flag without the matching endorsement on the policy. */
  endorsement_required: 422,
  /** An ingested PDF that cannot be parsed (damaged, truncated, not really a PDF); nothing is stored. */
  unreadable_document: 422,
  /** A claim whose loss date falls outside the policy's cover: before inception, at or after expiry, after a cancellation or in a lapse. */
  loss_outside_coverage: 422,
  /** A claim payment that would take indemnity paid past the policy's per-occurrence limit. */
  limit_exceeded: 422,
  /** A bind through a producer who lacks authority on the effective date: not active, unlicensed, expired or not appointed for the risk's state and line. */
  producer_not_authorized: 422,
  rate_limit_exceeded: 429,
  internal_error: 500,
  /** The payment provider (Stripe) failed or timed out; nothing was recorded, and a retry with the same Idempotency-Key is safe. */
  payment_provider_unavailable: 502,
  /** A quote that one of the org's underwriting rules (the rule studio) declines; the submission is declined and `details` names the rule and its version. */
  declined_by_rule: 422,
  /** Quoting could not read the org's underwriting rules (the market worker did not answer): nothing was quoted (fail closed). */
  rules_unavailable: 503,
  /** A scanned website that could not be read: no answer within 5 s, a non-2xx answer, too many redirects, or not HTML or text. */
  website_unreachable: 422,
  /** An action past a hard limit of the org's plan (`details {feature, limit, used, upgradeUrl}`): the plan must change first. */
  feature_limit_reached: 403,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

type DetailScalar = string | number | boolean | null;
type DetailObject = { [key: string]: DetailScalar | DetailScalar[] };
/**
 * What an error's `details` may hold: JSON, two levels deep. Spelled out (not `unknown`) because
 * Workers RPC typings drop union members that are not serializable, which would erase the error
 * branch of every {@link Result} a service binding returns.
 */
export type ErrorDetailValue = DetailScalar | DetailScalar[] | DetailObject | DetailObject[];

/** An expected failure, safe to cross an RPC boundary (plain data only). */
export interface AppError {
  code: ErrorCode;
  message: string;
  details?: { [key: string]: ErrorDetailValue };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (
  code: ErrorCode,
  message: string,
  details?: { [key: string]: ErrorDetailValue },
): { ok: false; error: AppError } => ({
  ok: false,
  error: details ? { code, message, details } : { code, message },
});

/** The public 404 for a resource: identical for "missing" and "another org's". */
export const notFound = (resource: string) => fail("not_found", `${resource} not found`);

/** A failed validation naming the field and the rule, as integrators expect. */
export const invalid = (field: string, rule: string, message: string) =>
  fail("validation_failed", message, { field, rule });
