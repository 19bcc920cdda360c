import { rawRoute, route } from "../http/route.ts";
import { receiveStripeWebhook } from "../stripe-webhooks.ts";

/** Invoices: the billing worker behind `BILLING`. */
export const billingRoutes = [
  route("listInvoices", ({ env, principal, input }) => env.BILLING.listInvoices(principal, input.query)),
  route("getInvoice", ({ env, principal, input }) => env.BILLING.getInvoice(principal, input.path.id)),
  route("payInvoice", ({ env, principal, input }) => env.BILLING.payInvoice(principal, input.path.id, input.body)),
  route("voidInvoice", ({ env, principal, input }) => env.BILLING.voidInvoice(principal, input.path.id)),
  route("refundInvoice", ({ env, principal, input }) => env.BILLING.refundInvoice(principal, input.path.id, input.body)),
  route("createPaymentIntent", ({ env, principal, input }) => env.BILLING.createPaymentIntent(principal, input.path.id, input.body)),
  route("retryPayment", ({ env, principal, input }) => env.BILLING.retryPayment(principal, input.path.id, input.body)),
  route("getBillingSettings", ({ env, principal }) => env.BILLING.getBillingSettings(principal)),
  route("updateBillingSettings", ({ env, principal, input }) => env.BILLING.updateBillingSettings(principal, input.body)),
  // A sandbox route: app.ts answers route_not_found for /v1/sandbox/* outside development.
  route("runDelinquency", ({ env, principal, input }) => env.BILLING.runDelinquency(principal, input.body ?? {})),
  // Stripe's events: the raw body and its signature, forwarded to billing, which verifies them.
  rawRoute("receiveStripeWebhook", receiveStripeWebhook),
];
