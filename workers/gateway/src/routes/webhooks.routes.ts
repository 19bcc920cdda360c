import { route } from "../http/route.ts";

/** Webhook endpoints, their delivery log and the event log: the webhooks worker behind `WEBHOOKS`. */
export const webhookRoutes = [
  route("listWebhooks", ({ env, principal, input }) => env.WEBHOOKS.listEndpoints(principal, input.query)),
  route("createWebhook", ({ env, principal, input }) => env.WEBHOOKS.createEndpoint(principal, input.body)),
  route("getWebhook", ({ env, principal, input }) => env.WEBHOOKS.getEndpoint(principal, input.path.id)),
  route("updateWebhook", ({ env, principal, input }) => env.WEBHOOKS.updateEndpoint(principal, input.path.id, input.body)),
  route("deleteWebhook", ({ env, principal, input }) => env.WEBHOOKS.deleteEndpoint(principal, input.path.id)),
  route("testWebhook", ({ env, principal, input }) => env.WEBHOOKS.sendTest(principal, input.path.id)),
  route("listWebhookDeliveries", ({ env, principal, input }) => env.WEBHOOKS.listDeliveries(principal, input.path.id, input.query)),
  route("retryWebhookDelivery", ({ env, principal, input }) => env.WEBHOOKS.retryDelivery(principal, input.path.id, input.path.deliveryId)),
  route("rotateWebhookSecret", ({ env, principal, input }) => env.WEBHOOKS.rotateSecret(principal, input.path.id)),
  route("listEvents", ({ env, principal, input }) => env.WEBHOOKS.listEvents(principal, input.query)),
  route("getEvent", ({ env, principal, input }) => env.WEBHOOKS.getEvent(principal, input.path.id)),
];
