/**
 * `POST /webhooks/stripe`: Stripe's events, outside the JSON and credential pipeline of `/v1`.
 * Stripe signs the exact bytes it sends (`Stripe-Signature: t=…,v1=…`), so the body is read raw
 * (bounded like every body) and forwarded untouched, with the header, to the billing worker, which
 * alone holds the signing secret and verifies it. A body that fails verification is 400 and
 * nothing is recorded; repeated failures from one IP spend its failed-authentication budget (429).
 */
import type { Context } from "hono";
import { readCapped } from "#shared/streams";
import type { GatewayContext } from "./env.ts";
import { appErrorResponse, errorResponse } from "./http/errors.ts";
import { isJson, MAX_BODY_BYTES } from "./http/route.ts";
import { limitFailedAttempts } from "./middleware/authenticate.ts";

/** The route of the contract's `receiveStripeWebhook` (billing.routes.ts mounts it raw). */
export async function receiveStripeWebhook(c: Context<GatewayContext>): Promise<Response> {
  if (!isJson(c.req.header("content-type"))) {
    return errorResponse(c, "unsupported_media_type", "Stripe events are application/json (charset utf-8)", { field: "Content-Type", rule: "media_type" });
  }
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) {
    return errorResponse(c, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, { rule: "max_body_bytes", limit: MAX_BODY_BYTES });
  }
  const bytes = await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  if (!bytes) return errorResponse(c, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, { rule: "max_body_bytes", limit: MAX_BODY_BYTES });
  let payload: string;
  try {
    payload = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return errorResponse(c, "validation_failed", "Request body is not valid UTF-8", { field: "body", rule: "encoding" });
  }
  const signature = c.req.header("stripe-signature") ?? null;
  if (!signature || payload === "") {
    return errorResponse(c, "validation_failed", "A Stripe event needs its body and its Stripe-Signature header", { field: "Stripe-Signature", rule: "required" });
  }
  const result = await limitFailedAttempts(c, () => c.env.BILLING.receiveStripeEvent(payload, signature));
  if (!result.ok) return appErrorResponse(c, result.error);
  return c.json(result.value, 200);
}
