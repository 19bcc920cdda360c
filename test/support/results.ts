import { expect } from "vitest";

type AnyResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The value of an ok Result, failing the test (with the error) otherwise. */
export function unwrap<R extends AnyResult>(result: R): Extract<R, { ok: true }>["value"] {
  if (!result.ok) expect.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/**
 * The error of a failed Result, failing the test otherwise. Typed from the RPC stub's own return
 * type, so if Workers' RPC typings ever erased the error branch, using the error would not compile.
 */
export function errorOf<R extends AnyResult>(result: R): Extract<R, { ok: false }>["error"] {
  if (result.ok) expect.fail(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}
