/**
 * Webhook endpoints: create (the secret is shown once), list, read, update, delete and rotate the
 * signing secret. Every read and write is confined to `principal.orgId`; another org's id is `not_found`.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { atomically, type ListQuery } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import { abandonEndpointDeliveries } from "./deliveries.repo.ts";
import type { WebhooksDeps } from "./deps.ts";
import { findOrgEndpoint, insertEndpoint, listEndpointRows } from "./endpoints.repo.ts";
import { webhookEndpoints, type EndpointRow } from "./schema.ts";
import { sealSecret } from "./secret-box.ts";
import { generateSecret } from "./signing.ts";
import { parseSubscriptions } from "./subscriptions.ts";
import type {
  CreatedWebhookEndpoint,
  CreateEndpointInput,
  DeletedEndpoint,
  RotatedSecret,
  UpdateEndpointInput,
  WebhookEndpoint,
} from "./types.ts";
import { checkEndpointUrl } from "./url-policy.ts";

/** A rotated-out secret keeps signing for this long. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
const MAX_DESCRIPTION = 500;

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  const graceOpen = row.previousSecretExpiresAt !== null && Date.parse(row.previousSecretExpiresAt) > Date.now();
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt,
    successCount: row.successCount,
    failureCount: row.failureCount,
    consecutiveFailures: row.consecutiveFailures,
    failingSince: row.failingSince,
    lastDeliveryAt: row.lastDeliveryAt,
    previousSecretExpiresAt: graceOpen ? row.previousSecretExpiresAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function parseUrl(deps: WebhooksDeps, url: unknown): Result<string> {
  const verdict = checkEndpointUrl(url, deps.urlPolicy);
  if (verdict.ok) return ok(verdict.href);
  return invalid("url", verdict.rule, verdict.rule === "ssrf" ? `url is not allowed: ${verdict.reason}` : verdict.reason);
}

function parseDescription(description: unknown): Result<string | null> {
  if (description === undefined || description === null) return ok(null);
  if (typeof description !== "string") return invalid("description", "string", "description must be a string");
  const trimmed = description.trim();
  if (trimmed.length > MAX_DESCRIPTION) return invalid("description", "max_length", `description must be at most ${MAX_DESCRIPTION} characters`);
  return ok(trimmed === "" ? null : trimmed);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export async function createEndpoint(deps: WebhooksDeps, principal: Principal, input: CreateEndpointInput): Promise<Result<CreatedWebhookEndpoint>> {
  if (!isObject(input)) return invalid("body", "object", "body must be an object");
  const url = parseUrl(deps, input.url);
  if (!url.ok) return url;
  const events = parseSubscriptions(input.events);
  if (!events.ok) return events;
  const description = parseDescription(input.description);
  if (!description.ok) return description;

  const id = newId("whk");
  const secret = generateSecret();
  const at = new Date().toISOString();
  const row: EndpointRow = {
    id,
    orgId: principal.orgId,
    url: url.value,
    description: description.value,
    events: events.value,
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    secretCiphertext: await sealSecret(deps.env.WEBHOOK_ENCRYPTION_KEY, id, secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    successCount: 0,
    failureCount: 0,
    consecutiveFailures: 0,
    failingSince: null,
    lastDeliveryAt: null,
    createdBy: principal.actorId,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
  };
  // The plan's webhook_endpoints, counted in the org's usage meter before anything is written: past
  // the limit the create is refused (403 feature_limit_reached) having created nothing. Keyed by the
  // endpoint id, so it is counted once, committed with the row and returned when it is deleted.
  const metered = await deps.env.WORKSPACE.reserveUsage(principal, "webhook_endpoints", id);
  if (!metered.ok) return metered;
  try {
    await insertEndpoint(deps.db, row);
  } catch (error) {
    await deps.env.WORKSPACE.releaseUsage(principal.orgId, id);
    throw error;
  }
  await deps.env.WORKSPACE.commitUsage(principal.orgId, id);
  return ok({ ...toEndpoint(row), secret });
}

export async function listEndpoints(deps: WebhooksDeps, principal: Principal, query: ListQuery | undefined): Promise<Result<Page<WebhookEndpoint>>> {
  const listed = await listEndpointRows(deps.db, principal.orgId, query);
  if (!listed.ok) return listed;
  return ok(toPage(listed.value.rows, listed.value.pageSize, toEndpoint));
}

export async function getEndpoint(deps: WebhooksDeps, principal: Principal, id: string): Promise<Result<WebhookEndpoint>> {
  const row = typeof id === "string" ? await findOrgEndpoint(deps.db, principal.orgId, id) : undefined;
  return row ? ok(toEndpoint(row)) : notFound("Webhook endpoint");
}

export async function updateEndpoint(deps: WebhooksDeps, principal: Principal, id: string, input: UpdateEndpointInput): Promise<Result<WebhookEndpoint>> {
  if (!isObject(input)) return invalid("body", "object", "body must be an object");
  const existing = typeof id === "string" ? await findOrgEndpoint(deps.db, principal.orgId, id) : undefined;
  if (!existing) return notFound("Webhook endpoint");

  const at = new Date().toISOString();
  const patch: Partial<EndpointRow> = { updatedAt: at };
  if (input.url !== undefined) {
    const url = parseUrl(deps, input.url);
    if (!url.ok) return url;
    patch.url = url.value;
  }
  if (input.events !== undefined) {
    const events = parseSubscriptions(input.events);
    if (!events.ok) return events;
    patch.events = events.value;
  }
  if (input.description !== undefined) {
    const description = parseDescription(input.description);
    if (!description.ok) return description;
    patch.description = description.value;
  }
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== "boolean") return invalid("enabled", "boolean", "enabled must be a boolean");
    if (input.enabled && !existing.enabled) {
      // Re-enabling starts afresh: no disabled state and no failure run carried over.
      Object.assign(patch, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null, consecutiveFailures: 0 });
    } else if (!input.enabled && existing.enabled) {
      // A user's pause: no platform reason.
      Object.assign(patch, { enabled: false, disabledReason: null, disabledAt: at });
    }
  }
  const updated = await deps.db
    .update(webhookEndpoints)
    .set(patch)
    .where(and(eq(webhookEndpoints.id, existing.id), eq(webhookEndpoints.orgId, principal.orgId), isNull(webhookEndpoints.deletedAt)))
    .returning()
    .get();
  return updated ? ok(toEndpoint(updated)) : notFound("Webhook endpoint");
}

/**
 * Soft delete: the row stays so its delivery log remains readable internally, but the endpoint is
 * gone from every list and lookup, its secrets are erased, and its scheduled deliveries stop.
 */
export async function deleteEndpoint(deps: WebhooksDeps, principal: Principal, id: string): Promise<Result<DeletedEndpoint>> {
  if (typeof id !== "string") return notFound("Webhook endpoint");
  const at = new Date().toISOString();
  const [deleted] = await atomically(deps.db, [
    deps.db
      .update(webhookEndpoints)
      .set({ deletedAt: at, enabled: false, secretCiphertext: null, previousSecretCiphertext: null, previousSecretExpiresAt: null, updatedAt: at })
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, principal.orgId), isNull(webhookEndpoints.deletedAt))),
    abandonEndpointDeliveries(deps.db, principal.orgId, id, at),
  ]);
  if ((deleted?.meta.changes ?? 0) === 0) return notFound("Webhook endpoint");
  // Only the delete that changed the row gets here, and the meter returns a key once: one endpoint, one back.
  const returned = await deps.env.WORKSPACE.returnUsage(principal.orgId, "webhook_endpoints", id);
  if (!returned.ok) throw new Error(`webhook_endpoints could not be returned: ${returned.error.message}`);
  return ok({ id, deleted: true });
}

/**
 * A new secret, shown once. The old one keeps signing for 24 hours beside it, so receivers can roll
 * over without dropping a delivery. Rotating again inside the grace period retires the older one.
 */
export async function rotateSecret(deps: WebhooksDeps, principal: Principal, id: string): Promise<Result<RotatedSecret>> {
  const existing = typeof id === "string" ? await findOrgEndpoint(deps.db, principal.orgId, id) : undefined;
  if (!existing || !existing.secretCiphertext) return notFound("Webhook endpoint");
  const secret = generateSecret();
  const now = Date.now();
  const previousSecretExpiresAt = new Date(now + ROTATION_GRACE_MS).toISOString();
  const rotated = await deps.db
    .update(webhookEndpoints)
    .set({
      secretCiphertext: await sealSecret(deps.env.WEBHOOK_ENCRYPTION_KEY, existing.id, secret),
      previousSecretCiphertext: existing.secretCiphertext,
      previousSecretExpiresAt,
      updatedAt: new Date(now).toISOString(),
    })
    // Compare-and-set on the sealed secret: of two concurrent rotations one wins, the other is told.
    .where(and(eq(webhookEndpoints.id, existing.id), eq(webhookEndpoints.secretCiphertext, existing.secretCiphertext), isNull(webhookEndpoints.deletedAt)))
    .returning({ id: webhookEndpoints.id })
    .get();
  if (!rotated) return fail("conflict", "The secret was rotated concurrently; retry");
  return ok({ secret, previousSecretExpiresAt });
}
