import type { z } from "zod";
import type { AppError } from "#shared/errors";
import { INPUT_RULES } from "#shared/input";

/**
 * A zod failure as the platform's `validation_failed`: the first issue names the field and
 * rule (as in the seed's example), and every issue is listed for clients fixing several at once.
 * `input` is the value as cleaned by #shared/input, so a blank required string reads `required`.
 */
export function toValidationError(part: "body" | "query" | "path", error: z.ZodError, input: unknown): AppError {
  const issues = error.issues.flatMap(unionBranch).flatMap((issue) => {
    // A strict object's unknown keys, one issue each, worded as Stripe words them.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const field = [...issue.path.map(String), key].join(".");
        return { in: part, field, rule: "unknown_field", message: `Received unknown parameter: ${field}` };
      });
    }
    const field = issue.path.length ? issue.path.map(String).join(".") : part;
    const missing = valueAt(input, issue.path) === undefined;
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
    details: { field: first.field, rule: first.rule, issues: issues.slice(0, INPUT_RULES.maxIssues) },
  };
}

/**
 * A body that may take one of several shapes (`createSubmission`: its fields, or `{documentId}`)
 * fails as one `invalid_union` issue; the client meant the shape whose keys it sent, so that
 * branch's issues are reported: the one with the fewest unknown keys, the first on a tie.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const unknownKeys = (branch: z.core.$ZodIssue[]) => branch.reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 0), 0);
  const best = issue.errors.reduce((a, b) => (unknownKeys(b) < unknownKeys(a) ? b : a));
  return best.flatMap((i) => unionBranch({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
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
