import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import { sha256Hex } from "#shared/crypto";
import type { GatewayContext } from "../env.ts";
import { errorResponse } from "../http/errors.ts";
import { LEASE_RENEW_MS } from "../idempotency.do.ts";

const MAX_KEY_LENGTH = 255;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Run `handler` at most once per (org, credential, Idempotency-Key) for 24 h
 * (DECISIONS.md): a completed request replays byte for byte with `Idempotent-Replayed: true`,
 * the same key with another method, path or body is 422, and a duplicate while the first is
 * still running is 409. Requests without the header run as they are.
 */
export async function withIdempotency(
  c: Context<GatewayContext>,
  principal: Principal,
  body: Uint8Array,
  handler: () => Promise<Response>,
): Promise<Response> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return handler();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !PRINTABLE.test(key)) {
    return errorResponse(c, "invalid_idempotency_key", `Idempotency-Key must be 1-${MAX_KEY_LENGTH} printable ASCII characters`, {
      field: "Idempotency-Key",
      rule: "format",
    });
  }
  const url = new URL(c.req.url);
  const fingerprint = `${c.req.method} ${url.pathname}${url.search} ${await sha256Hex(body)}`;
  const store = c.env.IDEMPOTENCY.getByName(`${principal.orgId}:${principal.credentialId}:${key}`);
  const outcome = await store.begin(fingerprint);
  switch (outcome.kind) {
    case "replay": {
      const { status, contentType, body } = outcome.response;
      c.header("Idempotent-Replayed", "true");
      if (contentType) c.header("Content-Type", contentType);
      return status === 204 ? c.body(null, 204) : c.body(body, status as 200);
    }
    case "in_flight":
      return errorResponse(c, "idempotency_request_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly");
    case "mismatch":
      return errorResponse(c, "idempotency_key_reused", "This Idempotency-Key was used with a different request", { field: "Idempotency-Key", rule: "same_request" });
    case "proceed":
      break;
  }
  const { attempt } = outcome;
  // Keep the lease while the handler runs, so a slow request is never taken over by a retry: only a
  // request whose isolate died stops renewing, and its record expires by the store's alarm.
  const renewal = setInterval(() => {
    store.renew(attempt).then(
      (held) => {
        if (!held) console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), message: "idempotency lease lost while the request ran" }));
      },
      (error: unknown) => console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), message: "idempotency lease not renewed", error: String(error) })),
    );
  }, LEASE_RENEW_MS);
  let response: Response;
  try {
    response = await handler();
  } catch (error) {
    clearInterval(renewal);
    await store.release(attempt);
    throw error;
  }
  clearInterval(renewal);
  try {
    await store.complete(attempt, {
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: await response.clone().text(),
    });
  } catch (error) {
    // The work is done; failing to record it must not turn its answer into a 500. A retry within
    // the lease sees 409, after it runs afresh.
    console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), message: "idempotency record not stored", error: String(error) }));
  }
  return response;
}
