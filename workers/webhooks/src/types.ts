/**
 * The webhooks worker's RPC contract: every type crossing the service binding, plus {@link WebhooksRpc},
 * the method set of `WebhooksService`. The gateway imports this file type-only.
 * Timestamps are ISO-8601 UTC strings; every method answers a plain `Result`.
 */
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { EventEnvelope } from "#shared/events";
import type { Page, PageQuery } from "#shared/pagination";
import type { DeliveryStatus, DisabledReason } from "./schema.ts";

export type { DeliveryStatus, DisabledReason };
export type { EventEnvelope };

/** A webhook endpoint as integrators see it. The signing secret is never part of it after creation. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** Subscriptions: exact event types, `family.*` or `*`. */
  events: string[];
  enabled: boolean;
  /** Why the platform disabled it: `gone` (the receiver answered 410) or `failing` (5 days of failures); null while enabled or when a user disabled it. */
  disabledReason: DisabledReason | null;
  disabledAt: string | null;
  /** Deliveries that succeeded. */
  successCount: number;
  /** Deliveries that failed for good (retries exhausted, 410, or the endpoint disabled for failing). */
  failureCount: number;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  /** Start of the current run of failures; the endpoint is disabled when it is 5 days old. */
  failingSince: string | null;
  lastDeliveryAt: string | null;
  /** While a rotated-out secret still signs (24 h after rotation), when it stops. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The create answer: the only time the signing secret is shown. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  /** `whsec_` + base64 of 32 random bytes. */
  secret: string;
}

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

export interface RotatedSecret {
  /** The new secret, shown once. */
  secret: string;
  /** Until then deliveries also carry a signature with the old secret. */
  previousSecretExpiresAt: string;
}

export interface DeliveryAttempt {
  /** 1-based; continues across manual retries. */
  attempt: number;
  /** The receiver's HTTP status; null when no response arrived (timeout, network error, refused URL). */
  statusCode: number | null;
  durationMs: number;
  /** At most 512 characters of the response body. */
  responseExcerpt: string | null;
  error: string | null;
  attemptedAt: string;
  /** When the next attempt was scheduled after this one; null when this one ended the delivery. */
  nextAttemptAt: string | null;
}

/** One event sent to one endpoint, with every attempt. */
export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  attempts: DeliveryAttempt[];
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
