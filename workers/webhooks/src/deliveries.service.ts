/**
 * The delivery log of an endpoint, manual retries and test sends. A delivery is one event sent to one
 * endpoint; every attempt is a row of it (attempt, status code, duration, response excerpt, next attempt).
 */
import type { Principal } from "#shared/auth";
import { atomically } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import type { EventEnvelope } from "#shared/events";
import { newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import { attemptDelivery } from "./attempt.service.ts";
import {
  attemptsByDelivery,
  findDeliveryById,
  findOrgDelivery,
  insertDeliveryIfAbsent,
  listDeliveryRows,
  markDeadLettered,
  requeueDelivery,
} from "./deliveries.repo.ts";
import type { WebhooksDeps } from "./deps.ts";
import { findOrgEndpoint } from "./endpoints.repo.ts";
import { deliveryRow, enqueueDeliveries, eventRow } from "./events.service.ts";
import { insertEventIfAbsent } from "./events.repo.ts";
import { subjectOf } from "./subject.ts";
import type { DeliveryAttemptRow, DeliveryRow, DeliveryStatus } from "./schema.ts";
import type { Delivery, ListDeliveriesQuery } from "./types.ts";

const STATUSES: readonly DeliveryStatus[] = ["pending", "retrying", "succeeded", "failed"];

export function toDelivery(row: DeliveryRow, attempts: DeliveryAttemptRow[]): Delivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attemptCount: row.attemptCount,
    nextAttemptAt: row.status === "pending" || row.status === "retrying" ? row.nextAttemptAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      responseExcerpt: a.responseExcerpt,
      error: a.error,
      attemptedAt: a.attemptedAt,
      nextAttemptAt: a.nextAttemptAt,
    })),
  };
}

async function deliveryView(deps: WebhooksDeps, id: string): Promise<Delivery> {
  const row = await findDeliveryById(deps.db, id);
  if (!row) throw new Error(`delivery ${id} vanished`);
  const attempts = await attemptsByDelivery(deps.db, [id]);
  return toDelivery(row, attempts.get(id) ?? []);
}

export async function listDeliveries(
  deps: WebhooksDeps,
  principal: Principal,
  endpointId: string,
  query: ListDeliveriesQuery | undefined,
): Promise<Result<Page<Delivery>>> {
  const endpoint = typeof endpointId === "string" ? await findOrgEndpoint(deps.db, principal.orgId, endpointId) : undefined;
  if (!endpoint) return notFound("Webhook endpoint");
  const status = query?.status;
  if (status !== undefined && !STATUSES.includes(status)) {
    return invalid("status", "enum", `status must be one of ${STATUSES.join(", ")}`);
  }
  const listed = await listDeliveryRows(deps.db, endpoint.id, query, status);
  if (!listed.ok) return listed;
  const page = listed.value.rows.slice(0, listed.value.pageSize);
  const attempts = await attemptsByDelivery(deps.db, page.map((r) => r.id));
  return ok(toPage(listed.value.rows, listed.value.pageSize, (row) => toDelivery(row, attempts.get(row.id) ?? [])));
}

/**
 * Send a delivery again, whatever its state: a fresh retry schedule, the same event id (so the same
 * `webhook-id`), attempt numbers continuing. Messages of the schedule it replaces are ignored.
 */
export async function retryDelivery(deps: WebhooksDeps, principal: Principal, endpointId: string, deliveryId: string): Promise<Result<Delivery>> {
  const endpoint = typeof endpointId === "string" ? await findOrgEndpoint(deps.db, principal.orgId, endpointId) : undefined;
  if (!endpoint) return notFound("Webhook endpoint");
  const delivery = typeof deliveryId === "string" ? await findOrgDelivery(deps.db, principal.orgId, endpoint.id, deliveryId) : undefined;
  if (!delivery) return notFound("Delivery");
  if (!endpoint.enabled) {
    return fail("invalid_state_transition", "The endpoint is disabled; enable it before retrying its deliveries", { endpointId: endpoint.id, disabledReason: endpoint.disabledReason });
  }
  await requeueDelivery(deps.db, delivery.id, new Date().toISOString());
  // Read back: an attempt recorded since the first read moved the count, and the new schedule's
  // first message is for the attempt after the last one recorded.
  const current = await findDeliveryById(deps.db, delivery.id);
  await enqueueDeliveries(deps, [{ deliveryId: delivery.id, attempt: (current?.attemptCount ?? delivery.attemptCount) + 1 }]);
  return ok(await deliveryView(deps, delivery.id));
}

/**
 * Send a signed `webhook.test` event to the endpoint now: one attempt, no retry, logged as a delivery
 * (and the event in the org's event log). It works on a disabled endpoint, so an integrator can check
 * a receiver before re-enabling it, and it leaves the endpoint's counters and health untouched.
 */
export async function sendTest(deps: WebhooksDeps, principal: Principal, endpointId: string): Promise<Result<Delivery>> {
  const endpoint = typeof endpointId === "string" ? await findOrgEndpoint(deps.db, principal.orgId, endpointId) : undefined;
  if (!endpoint) return notFound("Webhook endpoint");
  const at = new Date().toISOString();
  const envelope: EventEnvelope = {
    id: newId("evt"),
    type: "webhook.test",
    orgId: principal.orgId,
    timestamp: at,
    data: { endpointId: endpoint.id, message: "A test event from OpenInsure. Your endpoint received and can verify it." },
  };
  const event = eventRow(envelope, "webhooks", at);
  // webhook.test has no subject: a test send is never held behind the endpoint's other deliveries.
  const delivery = deliveryRow(endpoint, event, at, subjectOf(envelope.type, envelope.data));
  await atomically(deps.db, [insertEventIfAbsent(deps.db, event), insertDeliveryIfAbsent(deps.db, delivery)]);
  await attemptDelivery(deps, delivery.id, { test: true });
  return ok(await deliveryView(deps, delivery.id));
}

/** The dead-letter consumer's record of a delivery that will not be attempted again. */
export async function recordDeadLetter(deps: WebhooksDeps, deliveryId: string): Promise<boolean> {
  const [result] = await atomically(deps.db, [markDeadLettered(deps.db, deliveryId, new Date().toISOString())]);
  return (result?.meta.changes ?? 0) > 0;
}
