/**
 * The webhooks worker's RPC vocabulary: the contract's shapes and, re-exported from the platform's one
 * RPC module (workers/_shared/rpc.ts), the inputs and `WebhooksRpc`, the method set of `WebhooksService`.
 * Timestamps are ISO-8601 UTC strings; every method answers a plain `Result`.
 */
import type { EventEnvelope } from "#shared/events";
import type { DeliveryStatus, DisabledReason } from "./schema.ts";

export type { DeliveryStatus, DisabledReason };
export type { EventEnvelope };

/**
 * The shapes integrators see are the contract's own (typespec/webhooks), so the worker cannot drift
 * from `/openapi.json`: an endpoint (its signing secret never part of it after creation), the create
 * answer (the only time the secret is shown), a rotated secret, a delivery and its attempts.
 */
export type {
  CreatedWebhookEndpoint,
  RotatedWebhookSecret as RotatedSecret,
  WebhookAttempt as DeliveryAttempt,
  WebhookDelivery as Delivery,
  WebhookEndpoint,
} from "#contract/types.gen";
/** The inputs and the method set cross the binding: the platform's one RPC module (workers/_shared/rpc.ts). */
export type { CreateEndpointInput, DeletedEndpoint, ListDeliveriesQuery, ListEventsQuery, UpdateEndpointInput, WebhooksRpc } from "#shared/rpc";
