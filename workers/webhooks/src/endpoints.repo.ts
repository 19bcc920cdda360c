import { and, eq, isNull, lte, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { listKeyset, type ListQuery } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { webhookEndpoints, type DisabledReason, type EndpointRow } from "./schema.ts";

const live = isNull(webhookEndpoints.deletedAt);

/** An endpoint of `orgId` that has not been deleted. */
export function findOrgEndpoint(db: DrizzleD1Database, orgId: string, id: string): Promise<EndpointRow | undefined> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id), live))
    .get();
}

/** Any endpoint by id, deleted ones included (the delivery path decides what a deleted endpoint means). */
export function findEndpointById(db: DrizzleD1Database, id: string): Promise<EndpointRow | undefined> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
}

export async function listEndpointRows(db: DrizzleD1Database, orgId: string, query: ListQuery | undefined): Promise<Result<{ rows: EndpointRow[]; pageSize: number }>> {
  const keyset = listKeyset(webhookEndpoints, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), live, keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return ok({ rows, pageSize: keyset.value.pageSize });
}

/** The org's endpoints that receive events now: enabled and not deleted. Subscriptions are matched by the caller. */
export function listReceivingEndpoints(db: DrizzleD1Database, orgId: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.enabled, true), live));
}

export function insertEndpoint(db: DrizzleD1Database, row: typeof webhookEndpoints.$inferInsert) {
  return db.insert(webhookEndpoints).values(row);
}

/** Counters after a successful attempt: the failure run ends. */
export function recordEndpointSuccess(db: DrizzleD1Database, id: string, at: string) {
  return db
    .update(webhookEndpoints)
    .set({
      successCount: sql`${webhookEndpoints.successCount} + 1`,
      consecutiveFailures: 0,
      failingSince: null,
      lastDeliveryAt: at,
      updatedAt: at,
    })
    .where(eq(webhookEndpoints.id, id));
}

/**
 * Counters after a failed attempt: the failure run starts now unless one is under way, and when the
 * attempt ended its delivery (`final`), one more delivery failed for good.
 */
export function recordEndpointFailure(db: DrizzleD1Database, id: string, at: string, final: boolean) {
  return db
    .update(webhookEndpoints)
    .set({
      failureCount: final ? sql`${webhookEndpoints.failureCount} + 1` : webhookEndpoints.failureCount,
      consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at})`,
      lastDeliveryAt: at,
      updatedAt: at,
    })
    .where(eq(webhookEndpoints.id, id));
}

/**
 * Disable an enabled endpoint. Guarded on `enabled`, so of two racing disablers exactly one
 * changes the row (and only that one announces `webhook.disabled`). With `failingBefore`, only
 * when the failure run began at or before it.
 */
export function disableEndpoint(db: DrizzleD1Database, id: string, reason: DisabledReason, at: string, failingBefore?: string) {
  return db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, disabledAt: at, updatedAt: at })
    .where(
      and(
        eq(webhookEndpoints.id, id),
        eq(webhookEndpoints.enabled, true),
        live,
        failingBefore === undefined ? undefined : lte(webhookEndpoints.failingSince, failingBefore),
      ),
    );
}
