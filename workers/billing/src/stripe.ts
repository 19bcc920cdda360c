/**
 * The billing worker's Stripe client: the official SDK with the fetch HTTP client and the
 * SubtleCrypto provider (the Workers runtime has neither Node's http nor its crypto). With
 * `STRIPE_API_BASE` set, the SDK's host, port and protocol point at it (the local stand-in of
 * `npm run dev` and the tests); unset, it is api.stripe.com. Every failure is classified once here,
 * so the use cases speak of an outage, a declined card or a refusal, never of SDK error classes.
 */
import Stripe from "stripe";
import type { BillingEnv } from "./env.ts";

/** Retries the SDK makes itself (with the same idempotency key) before a failure counts as an outage. */
const NETWORK_RETRIES = 1;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Stripe-Signature timestamps older than this (seconds) are refused: a replayed event. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const clients = new Map<string, Stripe>();

/** The SDK's options for `env`: the base override split into host, port and protocol. */
export function stripeConfig(env: Pick<BillingEnv, "STRIPE_API_BASE" | "STRIPE_TIMEOUT_MS">): Stripe.StripeConfig {
  const timeout = Number(env.STRIPE_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  const config: Stripe.StripeConfig = {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: NETWORK_RETRIES,
    timeout: Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
    telemetry: false,
  };
  if (env.STRIPE_API_BASE) {
    const base = new URL(env.STRIPE_API_BASE);
    const protocol = base.protocol === "http:" ? "http" : "https";
    config.host = base.hostname;
    config.port = base.port || (protocol === "http" ? "80" : "443");
    config.protocol = protocol;
  }
  return config;
}

/** One client per key and base for the isolate's life. */
export function stripeOf(env: BillingEnv): Stripe {
  if (!env.STRIPE_SECRET_KEY) throw new Error("STRIPE_SECRET_KEY is not set");
  const cacheKey = `${env.STRIPE_SECRET_KEY}|${env.STRIPE_API_BASE ?? ""}|${env.STRIPE_TIMEOUT_MS ?? ""}`;
  let client = clients.get(cacheKey);
  if (!client) clients.set(cacheKey, (client = new Stripe(env.STRIPE_SECRET_KEY, stripeConfig(env))));
  return client;
}

export const cryptoProvider = Stripe.createSubtleCryptoProvider();

/**
 * Verify a webhook's `Stripe-Signature` over the raw body (HMAC-SHA256 with the endpoint's secret,
 * at most {@link WEBHOOK_TOLERANCE_SECONDS} old) and parse it; null when anything about it is wrong.
 */
export async function verifiedEvent(env: BillingEnv, payload: string, signature: string | null): Promise<Stripe.Event | null> {
  if (!env.STRIPE_WEBHOOK_SECRET) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
  if (!signature) return null;
  try {
    return await Stripe.webhooks.constructEventAsync(payload, signature, env.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
  } catch (err) {
    if ((err as { type?: string }).type === "StripeSignatureVerificationError" || err instanceof SyntaxError) return null;
    throw err;
  }
}

/** What a failed Stripe call means for the platform. */
export type StripeFailure =
  /** 5xx, 429, a timeout or no connection: nothing can be said of the outcome; try again with the same key. */
  | { kind: "unavailable"; message: string }
  /** The card was declined; `paymentIntent` is the PaymentIntent as the failure left it. */
  | { kind: "card"; code: string; declineCode: string | null; message: string; paymentIntent: Stripe.PaymentIntent | null; paymentMethod: string | null }
  /** The same idempotency key was used with other parameters, or is still in use. */
  | { kind: "conflict"; message: string }
  /** Stripe refused the request as invalid (4xx). */
  | { kind: "rejected"; code: string | null; message: string; statusCode: number };

/** Classify an error the SDK threw; anything that is not the SDK's is rethrown (a bug). */
export function classify(err: unknown): StripeFailure {
  const e = err as { rawType?: string; statusCode?: number; code?: string; decline_code?: string; message?: string; payment_intent?: Stripe.PaymentIntent; payment_method?: { id: string }; type?: string };
  if (!e || typeof e !== "object" || typeof e.type !== "string" || !e.type.startsWith("Stripe")) throw err;
  const message = e.message ?? "Stripe request failed";
  if (e.rawType === "card_error" || e.statusCode === 402) {
    return { kind: "card", code: e.code ?? "card_declined", declineCode: e.decline_code ?? null, message, paymentIntent: e.payment_intent ?? null, paymentMethod: e.payment_method?.id ?? null };
  }
  if (e.rawType === "idempotency_error" || e.statusCode === 409) return { kind: "conflict", message };
  if (e.statusCode === undefined || e.statusCode >= 500 || e.statusCode === 429) return { kind: "unavailable", message };
  return { kind: "rejected", code: e.code ?? null, message, statusCode: e.statusCode };
}

/** Run a Stripe call, answering its value or its classified failure. */
export async function attempt<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: StripeFailure }> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    return { ok: false, failure: classify(err) };
  }
}
