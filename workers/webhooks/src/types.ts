/**
 * The webhooks worker's RPC contract: every type crossing the service binding, plus {@link WebhooksRpc},
 * the method set of `WebhooksService`. The gateway imports this file type-only.
 * Timestamps are ISO-8601 UTC strings; every method answers a plain `Result`.
 */
import type { CreatedWebhookEndpoint, RotatedWebhookSecret as RotatedSecret, WebhookDelivery as Delivery, WebhookEndpoint } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { EventEnvelope } from "#shared/events";
import type { Page, PageQuery } from "#shared/pagination";
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
export interface CreateEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
}

/** Absent fields are unchanged. `enabled: true` clears a disabled state and the failure run. */
export interface UpdateEndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export interface DeletedEndpoint {
  id: string;
  deleted: true;
}

export interface ListDeliveriesQuery extends PageQuery {
  status?: DeliveryStatus;
}

export interface ListEventsQuery extends PageQuery {
  type?: string;
}

/** The method set of `WebhooksService`: every method is confined to `principal.orgId`. */
export interface WebhooksRpc {
  createEndpoint(principal: Principal, input: CreateEndpointInput): Promise<Result<CreatedWebhookEndpoint>>;
  listEndpoints(principal: Principal, query?: PageQuery): Promise<Result<Page<WebhookEndpoint>>>;
  getEndpoint(principal: Principal, id: string): Promise<Result<WebhookEndpoint>>;
  updateEndpoint(principal: Principal, id: string, input: UpdateEndpointInput): Promise<Result<WebhookEndpoint>>;
  deleteEndpoint(principal: Principal, id: string): Promise<Result<DeletedEndpoint>>;
  rotateSecret(principal: Principal, id: string): Promise<Result<RotatedSecret>>;
  sendTest(principal: Principal, id: string): Promise<Result<Delivery>>;
  listDeliveries(principal: Principal, endpointId: string, query?: ListDeliveriesQuery): Promise<Result<Page<Delivery>>>;
  retryDelivery(principal: Principal, endpointId: string, deliveryId: string): Promise<Result<Delivery>>;
  listEvents(principal: Principal, query?: ListEventsQuery): Promise<Result<Page<EventEnvelope>>>;
  getEvent(principal: Principal, id: string): Promise<Result<EventEnvelope>>;
}
