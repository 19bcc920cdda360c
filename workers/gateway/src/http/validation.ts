import type { z } from "zod";
import type { AppError } from "#shared/errors";

/**
 * A zod failure as the platform's `validation_failed`: the first issue names the field and
 * rule (as in the seed's example), and every issue is listed for clients fixing several at once.
 */
export function toValidationError(part: "body" | "query" | "path", error: z.ZodError, input: unknown): AppError {
  const issues = error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join(".") : part;
    const missing = valueAt(input, issue.path) === undefined && issue.code !== "unrecognized_keys";
    return {
      in: part,
      field,
      rule: missing ? "required" : issue.code,
      message: missing ? `Missing required field: ${field}` : `${field}: ${issue.message}`,
    };
  });
  const first = issues[0] ?? { field: "body", rule: "invalid", message: "Request is invalid", in: "body" };
  return {
    code: "validation_failed",
    message: first.message,
    details: { field: first.field, rule: first.rule, issues },
  };
}

/** The value at `path` inside `input`, or undefined when any step is absent. */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
