/**
 * The billing tests' side of the local Stripe stand-in (test/support/stripe-standin.setup.ts): its
 * test controls (faults, events, requests), delivering its signed events to BillingService as the
 * gateway would, and signing events of a test's own making with the webhook secret.
 */
import Stripe from "stripe";
import { expect } from "vitest";
import { billingEnv, rpc } from "./harness.ts";
import { realUnixSeconds } from "../support/clock.ts";

export { rpc };

export interface StandInEvent {
  id: string;
  type: string;
  paymentIntent: string | null;
  payload: string;
  signature: string;
  created: number;
}

export async function standIn<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${billingEnv.STRIPE_API_BASE}${path}`, init);
  if (!res.ok) throw new Error(`stand-in ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** The next requests matching `match` (an invoice id) fail as `mode` says, until cleared. */
export const fault = (mode: "error" | "hang" | "lost_answer", match: string) =>
  standIn("/_standin/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode, match }) });
export const clearFault = (match: string) => standIn(`/_standin/faults?match=${encodeURIComponent(match)}`, { method: "DELETE" });

export const requestsTo = async (match: string) =>
  (await standIn<{ data: { method: string; path: string; body: string; idempotencyKey: string | null }[] }>(`/_standin/requests?match=${encodeURIComponent(match)}`)).data;

/** The stand-in's events of `paymentIntent` (waiting until there are at least `count`). */
export async function eventsOf(paymentIntent: string, count = 1): Promise<StandInEvent[]> {
  for (let i = 0; i < 50; i++) {
    const { data } = await standIn<{ data: StandInEvent[] }>(`/_standin/events?paymentIntent=${paymentIntent}`);
    if (data.length >= count) return data;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect.fail(`the stand-in made fewer than ${count} events for ${paymentIntent}`);
}

export const eventOf = async (paymentIntent: string, type: string) => {
  const found = (await eventsOf(paymentIntent)).filter((e) => e.type === type);
  expect(found, `${type} of ${paymentIntent}`).not.toHaveLength(0);
  return found[found.length - 1]!;
};

/** Deliver an event as the gateway forwards it: the raw body and its Stripe-Signature. */
export const deliverStripe = (event: { payload: string; signature: string | null }) => rpc.receiveStripeEvent(event.payload, event.signature);

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A Stripe event of the test's making, signed (by default with the endpoint's secret, now). */
export async function signedEvent(type: string, object: Record<string, unknown>, options: { created?: number; timestamp?: number; secret?: string; id?: string } = {}) {
  const created = options.created ?? realUnixSeconds();
  const payload = JSON.stringify({ id: options.id ?? `evt_test_${crypto.randomUUID().replace(/-/g, "")}`, object: "event", api_version: "2026-10-28.endive", created, type, data: { object }, livemode: false });
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? billingEnv.STRIPE_WEBHOOK_SECRET!,
    timestamp: options.timestamp ?? realUnixSeconds(),
    cryptoProvider,
  });
  return { payload, signature, id: JSON.parse(payload).id as string };
}

/** The PaymentIntent as the stand-in holds it now. */
export const intentAtStripe = (id: string) =>
  standIn<Record<string, unknown>>(`/v1/payment_intents/${id}`, { headers: { authorization: `Bearer ${billingEnv.STRIPE_SECRET_KEY}` } });

/** Confirm a PaymentIntent at Stripe as Stripe.js would in the payer's browser. */
export const confirmAtStripe = (id: string, paymentMethod: string) =>
  fetch(`${billingEnv.STRIPE_API_BASE}/v1/payment_intents/${id}/confirm`, {
    method: "POST",
    headers: { authorization: `Bearer ${billingEnv.STRIPE_SECRET_KEY}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ payment_method: paymentMethod }),
  });
