import type { Context } from "hono";
import { ERROR_STATUS, type AppError, type ErrorCode } from "#shared/errors";
import type { GatewayContext } from "../env.ts";

/** The one error envelope: `{error, message, details?, requestId}` with the code's status. */
export function errorResponse(
  c: Context<GatewayContext>,
  code: ErrorCode,
  message: string,
  details?: AppError["details"],
  headers?: Record<string, string>,
): Response {
  const body = details
    ? { error: code, message, details, requestId: c.get("requestId") }
    : { error: code, message, requestId: c.get("requestId") };
  return c.json(body, ERROR_STATUS[code], headers);
}

/**
 * A domain error as the envelope. A domain's own 429 (e.g. resending a verification code too soon)
 * names its wait in `details.retryAfter`; it becomes the `Retry-After` header every 429 carries.
 */
export function appErrorResponse(c: Context<GatewayContext>, e: AppError, headers?: Record<string, string>): Response {
  const retryAfter = e.details?.retryAfter;
  if (e.code === "rate_limit_exceeded" && typeof retryAfter === "number" && !headers?.["Retry-After"]) {
    headers = { ...headers, "Retry-After": String(Math.max(1, Math.ceil(retryAfter))) };
  }
  return errorResponse(c, e.code, e.message, e.details, headers);
}

/** One message for every credential failure, so a 401 is no oracle. */
export const UNAUTHORIZED_MESSAGE = "Missing or invalid credentials";
