/**
 * A local Stripe stand-in: a small HTTP server holding its state in memory that answers the part of
 * Stripe's API the billing worker calls through the official SDK (customers, PaymentIntents with
 * confirm and cancel, refunds), in Stripe's shapes (form-encoded bodies, `Idempotency-Key` replays,
 * 402 `card_error` for a declined card), and sends Stripe's events, signed with its own webhook
 * secret in Stripe's scheme (`Stripe-Signature: t=…,v1=<hex HMAC-SHA256 of "t.body">`), to the
 * platform's `/webhooks/stripe`. `npm run dev` and the tests start it; nothing leaves the machine.
 *
 * Test payment methods: `pm_card_visa` (succeeds), `pm_card_chargeDeclined` (`card_declined`,
 * `generic_decline`), `pm_card_chargeDeclinedInsufficientFunds` (`card_declined`, `insufficient_funds`).
 *
 * Test controls under `/_standin/` (not Stripe's): `POST /_standin/faults {mode, match?, count?}`
 * makes the next `count` API requests whose path or body contains `match` answer 500 (`error`),
 * never answer (`hang`), or be processed and then never answered (`lost_answer`);
 * `DELETE /_standin/faults` clears them; `GET /_standin/events?paymentIntent=pi_…` lists the events
 * made (with the exact signed bytes); `POST /_standin/disputes {paymentIntent}` opens a dispute;
 * `GET /_standin/requests?match=` lists the API requests received.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const STANDIN_API_VERSION = "2026-10-28.endive";

export interface StandInOptions {
  /** Default 0: a free port. */
  port?: number;
  /** The secret key the SDK must send (`Authorization: Bearer …`). */
  secretKey: string;
  /** The webhook signing secret (`whsec_…`), the platform's STRIPE_WEBHOOK_SECRET. */
  webhookSecret: string;
  /** Where events are POSTed; none: they are only kept (tests read them from `/_standin/events`). */
  webhookUrl?: string;
  /** Print each delivery failure (dev). */
  log?: (line: string) => void;
}

export interface StandInEvent {
  id: string;
  type: string;
  paymentIntent: string | null;
  /** The exact bytes signed and sent. */
  payload: string;
  /** The `Stripe-Signature` header sent with it. */
  signature: string;
  created: number;
  deliveries: { status: number | null; at: string }[];
}

export interface StripeStandIn {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Sign `payload` as the stand-in signs its events (at `timestamp`, unix seconds). */
  sign(payload: string, timestamp?: number): string;
  events(paymentIntent?: string): StandInEvent[];
  setWebhookUrl(url: string | undefined): void;
}

type Obj = Record<string, unknown>;
type Fault = { mode: "error" | "hang" | "lost_answer"; match?: string; remaining: number };

const CARDS: Record<string, { brand: string; last4: string; decline?: { code: string; decline_code: string; message: string } }> = {
  pm_card_visa: { brand: "visa", last4: "4242" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444" },
  pm_card_chargeDeclined: { brand: "visa", last4: "0002", decline: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." } },
  pm_card_chargeDeclinedInsufficientFunds: { brand: "visa", last4: "9995", decline: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." } },
};

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;

/** `a[b][c]=v` form bodies, as the SDK encodes them, into nested objects. */
export function parseForm(body: string): Obj {
  const out: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, "").split("[");
    let at: Obj = out;
    path.forEach((key, i) => {
      if (i === path.length - 1) at[key] = value;
      else at = (at[key] ??= {}) as Obj;
    });
  }
  return out;
}

class StandInError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(String(body.message));
  }
}

const invalid = (message: string, param?: string, code = "parameter_invalid") => new StandInError(400, { type: "invalid_request_error", code, message, ...(param ? { param } : {}) });
const missing = (what: string, id: string, param?: string) => new StandInError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such ${what}: '${id}'`, ...(param ? { param } : {}) });

export async function startStripeStandIn(options: StandInOptions): Promise<StripeStandIn> {
  const customers = new Map<string, Obj>();
  const intents = new Map<string, Obj>();
  const charges = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  const events: StandInEvent[] = [];
  const requests: { method: string; path: string; body: string; idempotencyKey: string | null; at: string }[] = [];
  let faults: Fault[] = [];
  let webhookUrl = options.webhookUrl;
  const hung = new Set<Socket>();

  const sign = (payload: string, timestamp = now()) => `t=${timestamp},v1=${createHmac("sha256", options.webhookSecret).update(`${timestamp}.${payload}`).digest("hex")}`;

  async function deliver(event: StandInEvent): Promise<void> {
    // Stripe retries for days; the stand-in a few times over about half a minute.
    for (let attempt = 0; attempt < 6 && webhookUrl; attempt++) {
      let status: number | null = null;
      try {
        const res = await fetch(webhookUrl, { method: "POST", headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event.signature, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" }, body: event.payload, signal: AbortSignal.timeout(10_000) });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = null;
      }
      event.deliveries.push({ status, at: new Date().toISOString() });
      if (status !== null && status >= 200 && status < 300) return;
      options.log?.(`stripe stand-in: delivering ${event.type} ${event.id} to ${webhookUrl} answered ${status ?? "nothing"}; retrying`);
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }

  function emit(type: string, object: Obj, paymentIntent: string | null): void {
    const created = now();
    const body = { id: newId("evt"), object: "event", api_version: STANDIN_API_VERSION, created, data: { object: structuredClone(object) }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type };
    const payload = JSON.stringify(body, null, 2);
    const event: StandInEvent = { id: body.id, type, paymentIntent, payload, signature: sign(payload, created), created, deliveries: [] };
    events.push(event);
    // After the API answer, as Stripe does.
    setTimeout(() => void deliver(event), 5);
  }

  function intentOf(id: string): Obj {
    const pi = intents.get(id);
    if (!pi) throw missing("payment_intent", id);
    return pi;
  }

  function confirmIntent(pi: Obj, paymentMethod: string | undefined): { status: number; body: Obj } {
    if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(String(pi.status))) {
      throw new StandInError(400, { type: "invalid_request_error", code: "payment_intent_unexpected_state", message: `This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`, payment_intent: pi });
    }
    const pm = paymentMethod ?? (pi.payment_method as string | null) ?? undefined;
    if (!pm) throw invalid("You cannot confirm this PaymentIntent because it's missing a payment method.", "payment_method", "payment_intent_unexpected_state");
    const card = CARDS[pm];
    if (!card) throw missing("PaymentMethod", pm, "payment_method");
    const paymentMethodObject = { id: pm, object: "payment_method", type: "card", card: { brand: card.brand, last4: card.last4 } };
    const charge: Obj = {
      id: newId("ch"),
      object: "charge",
      amount: pi.amount,
      amount_captured: card.decline ? 0 : pi.amount,
      amount_refunded: 0,
      currency: pi.currency,
      customer: pi.customer,
      paid: !card.decline,
      captured: !card.decline,
      refunded: false,
      status: card.decline ? "failed" : "succeeded",
      payment_intent: pi.id,
      payment_method: pm,
      failure_code: card.decline?.code ?? null,
      failure_message: card.decline?.message ?? null,
      metadata: pi.metadata,
      refunds: { object: "list", data: [], has_more: false },
      created: now(),
    };
    charges.set(String(charge.id), charge);
    pi.latest_charge = charge.id;
    if (card.decline) {
      const error = { type: "card_error", ...card.decline, charge: charge.id, payment_method: paymentMethodObject, doc_url: "https://stripe.com/docs/error-codes/card-declined" };
      pi.status = "requires_payment_method";
      pi.payment_method = null;
      pi.last_payment_error = error;
      emit("payment_intent.payment_failed", pi, String(pi.id));
      return { status: 402, body: { error: { ...error, payment_intent: structuredClone(pi) } } };
    }
    pi.status = "succeeded";
    pi.payment_method = pm;
    pi.amount_received = pi.amount;
    pi.last_payment_error = null;
    emit("payment_intent.succeeded", pi, String(pi.id));
    return { status: 200, body: pi };
  }

  function api(method: string, path: string, params: Obj): { status: number; body: Obj } {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/customers") {
      const customer = { id: newId("cus"), object: "customer", created: now(), name: params.name ?? null, email: params.email ?? null, metadata: params.metadata ?? {}, livemode: false };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === "GET" && (m = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      const c = customers.get(m[1]!);
      if (!c) throw missing("customer", m[1]!);
      return { status: 200, body: c };
    }
    if (method === "POST" && path === "/v1/payment_intents") {
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount < 50) throw invalid("Amount must be at least 50 cents", "amount", "amount_too_small");
      if (typeof params.currency !== "string") throw invalid("Missing required param: currency.", "currency", "parameter_missing");
      if (params.customer !== undefined && !customers.has(String(params.customer))) throw missing("customer", String(params.customer), "customer");
      const id = newId("pi");
      const pi: Obj = {
        id,
        object: "payment_intent",
        amount,
        amount_received: 0,
        currency: params.currency,
        customer: params.customer ?? null,
        description: params.description ?? null,
        metadata: params.metadata ?? {},
        status: params.payment_method ? "requires_confirmation" : "requires_payment_method",
        payment_method: params.payment_method ?? null,
        client_secret: `${id}_secret_${randomBytes(12).toString("hex")}`,
        last_payment_error: null,
        latest_charge: null,
        automatic_payment_methods: params.automatic_payment_methods ? { enabled: true, allow_redirects: "never" } : null,
        created: now(),
        livemode: false,
      };
      if (params.payment_method && !CARDS[String(params.payment_method)]) throw missing("PaymentMethod", String(params.payment_method), "payment_method");
      intents.set(id, pi);
      if (params.confirm === "true") return confirmIntent(pi, params.payment_method as string | undefined);
      return { status: 200, body: pi };
    }
    if (method === "GET" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) return { status: 200, body: intentOf(m[1]!) };
    if (method === "POST" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/confirm$/))) return confirmIntent(intentOf(m[1]!), params.payment_method as string | undefined);
    if (method === "POST" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/cancel$/))) {
      const pi = intentOf(m[1]!);
      if (pi.status === "succeeded" || pi.status === "canceled") {
        throw new StandInError(400, { type: "invalid_request_error", code: "payment_intent_unexpected_state", message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.` });
      }
      pi.status = "canceled";
      pi.canceled_at = now();
      pi.cancellation_reason = params.cancellation_reason ?? "requested_by_customer";
      emit("payment_intent.canceled", pi, String(pi.id));
      return { status: 200, body: pi };
    }
    if (method === "POST" && path === "/v1/refunds") {
      const pi = intentOf(String(params.payment_intent ?? ""));
      if (pi.status !== "succeeded") throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent", "charge_not_refundable");
      const charge = charges.get(String(pi.latest_charge))!;
      const refundable = Number(charge.amount_captured) - Number(charge.amount_refunded);
      const amount = params.amount === undefined ? refundable : Number(params.amount);
      if (!Number.isInteger(amount) || amount <= 0) throw invalid("Invalid positive integer", "amount");
      if (amount > refundable) throw invalid(`Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(refundable / 100).toFixed(2)})`, "amount", "amount_too_large");
      const refund = { id: newId("re"), object: "refund", amount, currency: charge.currency, charge: charge.id, payment_intent: pi.id, metadata: params.metadata ?? {}, reason: params.reason ?? null, status: "succeeded", created: now() };
      refunds.set(refund.id, refund);
      charge.amount_refunded = Number(charge.amount_refunded) + amount;
      charge.refunded = charge.amount_refunded === charge.amount_captured;
      (charge.refunds as { data: Obj[] }).data.unshift(refund);
      emit("charge.refunded", charge, String(pi.id));
      return { status: 200, body: refund };
    }
    throw new StandInError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}). The local Stripe stand-in answers customers, payment_intents and refunds.` });
  }

  function control(method: string, path: string, url: URL, raw: string): { status: number; body: unknown } {
    if (path === "/_standin/faults" && method === "POST") {
      const f = JSON.parse(raw || "{}") as { mode?: Fault["mode"]; match?: string; count?: number };
      if (!f.mode || !["error", "hang", "lost_answer"].includes(f.mode)) return { status: 400, body: { error: "mode must be error, hang or lost_answer" } };
      faults.push({ mode: f.mode, match: f.match, remaining: f.count ?? 1_000_000 });
      return { status: 200, body: { faults } };
    }
    if (path === "/_standin/faults" && method === "DELETE") {
      const match = url.searchParams.get("match");
      faults = match ? faults.filter((f) => f.match !== match) : [];
      return { status: 200, body: { faults } };
    }
    if (path === "/_standin/events" && method === "GET") {
      const pi = url.searchParams.get("paymentIntent") ?? undefined;
      return { status: 200, body: { data: events.filter((e) => pi === undefined || e.paymentIntent === pi) } };
    }
    if (path === "/_standin/requests" && method === "GET") {
      const match = url.searchParams.get("match") ?? "";
      return { status: 200, body: { data: requests.filter((r) => `${r.path} ${r.body}`.includes(match)) } };
    }
    if (path === "/_standin/disputes" && method === "POST") {
      const { paymentIntent } = JSON.parse(raw || "{}") as { paymentIntent?: string };
      const pi = intents.get(String(paymentIntent));
      if (!pi || pi.status !== "succeeded") return { status: 400, body: { error: "paymentIntent must name a succeeded PaymentIntent" } };
      const charge = charges.get(String(pi.latest_charge))!;
      const dispute = { id: newId("dp"), object: "dispute", amount: charge.amount_captured, currency: charge.currency, charge: charge.id, payment_intent: pi.id, reason: "fraudulent", status: "needs_response", created: now() };
      charge.disputed = true;
      emit("charge.dispute.created", dispute, String(pi.id));
      return { status: 200, body: dispute };
    }
    return { status: 404, body: { error: "no such stand-in control" } };
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
    res.writeHead(status, { "content-type": "application/json", "request-id": newId("req"), "stripe-version": STANDIN_API_VERSION, ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://stand-in");
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (path.startsWith("/_standin/")) {
      const out = control(method, path, url, raw);
      return send(res, out.status, out.body);
    }
    requests.push({ method, path, body: raw, idempotencyKey: typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null, at: new Date().toISOString() });
    if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
      return send(res, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    }
    const fault = faults.find((f) => f.remaining > 0 && (f.match === undefined || `${path} ${raw}`.includes(f.match)));
    if (fault) fault.remaining--;
    if (fault?.mode === "error") return send(res, 500, { error: { type: "api_error", message: "The local Stripe stand-in is simulating an outage." } });
    if (fault?.mode === "hang") {
      hung.add(req.socket);
      return;
    }
    const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : undefined;
    const fingerprint = `${method} ${path} ${raw}`;
    let status: number;
    let body: string;
    let replayed = false;
    const seen = key && method === "POST" ? idempotent.get(key) : undefined;
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        return send(res, 400, { error: { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } });
      }
      ({ status, body } = seen);
      replayed = true;
    } else {
      try {
        const out = api(method, path, method === "POST" ? parseForm(raw) : Object.fromEntries(url.searchParams));
        status = out.status;
        body = JSON.stringify(out.body, null, 2);
      } catch (err) {
        if (!(err instanceof StandInError)) throw err;
        status = err.status;
        body = JSON.stringify({ error: err.body }, null, 2);
      }
      // Stripe keeps the first answer of a key (errors included, but not 500s) for 24 h.
      if (key && method === "POST" && status < 500) idempotent.set(key, { fingerprint, status, body });
    }
    if (fault?.mode === "lost_answer") {
      hung.add(req.socket);
      return;
    }
    send(res, status, body, { ...(key ? { "idempotency-key": key } : {}), ...(replayed ? { "idempotent-replayed": "true" } : {}) });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { error: { type: "api_error", message: `stand-in bug: ${String(err)}` } }));
  });
  await new Promise<void>((done, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => done());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sign,
    events: (pi) => events.filter((e) => pi === undefined || e.paymentIntent === pi),
    setWebhookUrl: (u) => (webhookUrl = u),
    close: () =>
      new Promise<void>((done) => {
        for (const socket of hung) socket.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
