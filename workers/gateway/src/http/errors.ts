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

export const appErrorResponse = (c: Context<GatewayContext>, e: AppError, headers?: Record<string, string>) =>
  errorResponse(c, e.code, e.message, e.details, headers);

/** One message for every credential failure, so a 401 is no oracle. */
export const UNAUTHORIZED_MESSAGE = "Missing or invalid credentials";
