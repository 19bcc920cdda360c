/**
 * The sandbox push log (`GET /v1/sandbox/push`): in development every push a notification would send
 * is written here instead of to FCM, so a developer (or a test) reads what a device would have
 * received. Like the sandbox email log, only the system API secret reads it, and only outside
 * production (404 there, whatever the gateway does).
 */
import type { SandboxPush } from "#contract/types.gen";
import { isProduction } from "#shared/environment";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { decodeCursor, pageSize, toPage, type Page } from "#shared/pagination";
import type { SandboxPushQuery } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";

export type { SandboxPushQuery };

interface PushRow {
  id: string;
  org_id: string;
  insured_id: string;
  notification_id: string;
  kind: string;
  push_token_id: string;
  platform: string;
  status: string;
  title: string;
  body: string;
  data: string;
  created_at: string;
}

const toPush = (r: PushRow & { createdAt: string }): SandboxPush => ({
  id: r.id,
  orgId: r.org_id,
  insuredId: r.insured_id,
  notificationId: r.notification_id,
  kind: r.kind as SandboxPush["kind"],
  pushTokenId: r.push_token_id,
  platform: r.platform as SandboxPush["platform"],
  status: r.status as SandboxPush["status"],
  title: r.title,
  body: r.body,
  data: JSON.parse(r.data) as Record<string, string>,
  createdAt: r.created_at,
});

/** Newest first (or oldest first with `sort=createdAt`), keyset-paged on (created_at, id). */
export async function listSandboxPush(env: PortalEnv, query: SandboxPushQuery = {}): Promise<Result<Page<SandboxPush>>> {
  if (isProduction(env)) return notFound("Sandbox push log");
  const limit = pageSize(query.limit);
  const ascending = query.sort === "createdAt";
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !cursor) return invalid("cursor", "format", "cursor is not a cursor this list issued");
  const insuredId = typeof query.insuredId === "string" && query.insuredId !== "" ? query.insuredId : null;
  const after = cursor ? (ascending ? `AND (d.created_at, d.id) > (?3, ?4)` : `AND (d.created_at, d.id) < (?3, ?4)`) : "";
  const order = ascending ? "ASC" : "DESC";
  const { results } = await env.PORTAL_DB.prepare(
    `SELECT d.id, d.org_id, d.insured_id, d.notification_id, n.kind, d.push_token_id, d.platform, d.status, d.title, d.body, d.data, d.created_at
     FROM push_deliveries d JOIN notifications n ON n.id = d.notification_id
     WHERE (?1 IS NULL OR d.insured_id = ?1) ${after}
     ORDER BY d.created_at ${order}, d.id ${order} LIMIT ?2`,
  )
    .bind(insuredId, limit + 1, ...(cursor ? [cursor.createdAt, cursor.id] : []))
    .all<PushRow>();
  return ok(toPage(results.map((r) => ({ ...r, createdAt: r.created_at })), limit, toPush));
}
