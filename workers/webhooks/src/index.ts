/**
 * The webhooks worker: endpoints, the org's event log, and signed at-least-once delivery with retries.
 * The gateway reaches {@link WebhooksService} over a service binding, having authenticated the caller
 * and checked scopes; domain workers reach it through the `WEBHOOK_EVENTS` queue. Expected failures
 * are `Result` values; only bugs throw.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { EventEnvelope } from "#shared/events";
import type { Page, PageQuery } from "#shared/pagination";
import * as deliveries from "./deliveries.service.ts";
import { createDeps, type WebhooksDeps } from "./deps.ts";
import * as endpoints from "./endpoints.service.ts";
import type { WebhooksEnv } from "./env.ts";
import * as events from "./events.service.ts";
import { handleQueue } from "./queue.consumer.ts";
import { reconcileAllEndpointUsage, reconcileEndpointUsage } from "./usage-reconcile.job.ts";
import type { UsageReconciled } from "#shared/rpc";
import type {
  CreatedWebhookEndpoint,
  CreateEndpointInput,
  DeletedEndpoint,
  Delivery,
  ListDeliveriesQuery,
  ListEventsQuery,
  RotatedSecret,
  UpdateEndpointInput,
  WebhookEndpoint,
  WebhooksRpc,
} from "./types.ts";
import { WEBHOOKS_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type * from "./types.ts";
export type { WebhooksEnv, EventSourceRpc } from "./env.ts";

export class WebhooksService extends WorkerEntrypoint<WebhooksEnv> implements WebhooksRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.WEBHOOKS_DB, WEBHOOKS_PURGE);
  }

  private get deps(): WebhooksDeps {
    return createDeps(this.env);
  }

  // Endpoints

  /** The answer carries the signing secret; it is never shown again. */
  createEndpoint(principal: Principal, input: CreateEndpointInput): Promise<Result<CreatedWebhookEndpoint>> {
    return endpoints.createEndpoint(this.deps, principal, input);
  }

  listEndpoints(principal: Principal, query?: PageQuery): Promise<Result<Page<WebhookEndpoint>>> {
    return endpoints.listEndpoints(this.deps, principal, query);
  }

  getEndpoint(principal: Principal, id: string): Promise<Result<WebhookEndpoint>> {
    return endpoints.getEndpoint(this.deps, principal, id);
  }

  updateEndpoint(principal: Principal, id: string, input: UpdateEndpointInput): Promise<Result<WebhookEndpoint>> {
    return endpoints.updateEndpoint(this.deps, principal, id, input);
  }

  deleteEndpoint(principal: Principal, id: string): Promise<Result<DeletedEndpoint>> {
    return endpoints.deleteEndpoint(this.deps, principal, id);
  }

  /** The old secret keeps signing for 24 hours beside the new one. */
  rotateSecret(principal: Principal, id: string): Promise<Result<RotatedSecret>> {
    return endpoints.rotateSecret(this.deps, principal, id);
  }

  // Deliveries

  /** One signed `webhook.test` attempt, now; answers the logged delivery. */
  sendTest(principal: Principal, id: string): Promise<Result<Delivery>> {
    return deliveries.sendTest(this.deps, principal, id);
  }

  listDeliveries(principal: Principal, endpointId: string, query?: ListDeliveriesQuery): Promise<Result<Page<Delivery>>> {
    return deliveries.listDeliveries(this.deps, principal, endpointId, query);
  }

  retryDelivery(principal: Principal, endpointId: string, deliveryId: string): Promise<Result<Delivery>> {
    return deliveries.retryDelivery(this.deps, principal, endpointId, deliveryId);
  }

  // Event log

  listEvents(principal: Principal, query?: ListEventsQuery): Promise<Result<Page<EventEnvelope>>> {
    return events.listEvents(this.deps, principal, query);
  }

  getEvent(principal: Principal, id: string): Promise<Result<EventEnvelope>> {
    return events.getEvent(this.deps, principal, id);
  }

  // Usage

  /** The org's `webhook_endpoints` set from its live endpoints (the system principal's reconcile). */
  reconcileEndpointUsage(orgId: string): Promise<Result<UsageReconciled>> {
    return reconcileEndpointUsage(this.deps.db, this.env, orgId);
  }
}

/** No public HTTP (only the gateway speaks HTTP); the queue consumer for both webhook queues; the daily usage reconcile. */
export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  queue: (batch, env) => handleQueue(batch, env),
  /** The daily reconcile of every org's `webhook_endpoints` with its live endpoints (usage-reconcile.job.ts). */
  scheduled: (_controller, env, ctx) => {
    ctx.waitUntil(reconcileAllEndpointUsage(createDeps(env).db, env));
  },
} satisfies ExportedHandler<WebhooksEnv, unknown>;
