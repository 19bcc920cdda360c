/**
 * The org as a workspace: its plan, settings (timezone, locale) and soft deletion. Identity keeps
 * the org itself (name, slug); this worker keeps what the workspace adds. No row means the defaults.
 */
import type { Plan } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { DAY_MS } from "#shared/clock";
import { fail, invalid, ok, type Result } from "#shared/errors";
import type { WorkspaceState, WorkspaceUpdate } from "#shared/rpc";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { DEFAULT_PLAN, isPlan, PLANS } from "./plans.ts";
import type { WorkspaceRow } from "./schema.ts";
import { deletedAmong, findWorkspace, findWorkspaces, upsertWorkspace } from "./workspaces.repo.ts";

export const DEFAULT_TIMEZONE = "UTC";
export const DEFAULT_LOCALE = "en-US";
/** How long a deleted workspace's data is kept. */
export const RETENTION_DAYS = 30;

function toState(orgId: string, row: WorkspaceRow | undefined): WorkspaceState {
  return {
    orgId,
    plan: row?.plan ?? DEFAULT_PLAN,
    settings: { timezone: row?.timezone ?? DEFAULT_TIMEZONE, locale: row?.locale ?? DEFAULT_LOCALE },
    status: row?.deletedAt ? "deleted" : "active",
    deletedAt: row?.deletedAt ?? null,
    purgeAfter: row?.purgeAfter ?? null,
    updatedAt: row?.updatedAt ?? null,
    purgedAt: row?.purgedAt ?? null,
  };
}

/** The time zone as sent, when the runtime knows it as an IANA zone; else null. Kept as sent: nothing is rewritten. */
function timezoneOf(value: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return value;
  } catch {
    return null;
  }
}

/** The locale as sent, when it is BCP 47 (the seed's `en_GB` spelling included); else null. */
function localeOf(value: string): string | null {
  try {
    return Intl.getCanonicalLocales(value.replace(/_/g, "-")).length === 1 ? value : null;
  } catch {
    return null;
  }
}

export async function workspaceOf(db: DrizzleD1Database, orgId: string): Promise<WorkspaceState> {
  return toState(orgId, await findWorkspace(db, orgId));
}

export async function workspacesOf(db: DrizzleD1Database, orgIds: string[]): Promise<WorkspaceState[]> {
  const rows = new Map((await findWorkspaces(db, orgIds)).map((r) => [r.orgId, r]));
  return orgIds.map((id) => toState(id, rows.get(id)));
}

/** Validated changes: a plan of the table, a time zone and a locale the runtime knows. */
export function validUpdate(input: WorkspaceUpdate): Result<{ plan?: Plan; timezone?: string; locale?: string }> {
  if (input === null || typeof input !== "object") return invalid("body", "type", "The body must be a JSON object");
  const out: { plan?: Plan; timezone?: string; locale?: string } = {};
  if (input.plan !== undefined) {
    if (!isPlan(input.plan)) return invalid("plan", "enum", `plan must be one of ${PLANS.join(", ")}`);
    out.plan = input.plan;
  }
  if (input.settings !== undefined) {
    if (input.settings === null || typeof input.settings !== "object") return invalid("settings", "type", "settings must be an object");
    if (input.settings.timezone !== undefined) {
      const tz = typeof input.settings.timezone === "string" ? timezoneOf(input.settings.timezone) : null;
      if (!tz) return invalid("settings.timezone", "timezone", "settings.timezone must be an IANA time zone, such as Europe/London");
      out.timezone = tz;
    }
    if (input.settings.locale !== undefined) {
      const locale = typeof input.settings.locale === "string" ? localeOf(input.settings.locale) : null;
      if (!locale) return invalid("settings.locale", "locale", "settings.locale must be a BCP 47 locale, such as en-GB");
      out.locale = locale;
    }
  }
  return ok(out);
}

/** Plan and settings of `orgId` (the system principal: the gateway checks). A deleted workspace is 422. */
export async function updateWorkspace(db: DrizzleD1Database, principal: Principal, orgId: string, input: WorkspaceUpdate): Promise<Result<WorkspaceState>> {
  const change = validUpdate(input);
  if (!change.ok) return change;
  const row = await findWorkspace(db, orgId);
  if (row?.deletedAt) return fail("invalid_state_transition", "The workspace is deleted; its settings can no longer change", { status: "deleted", deletedAt: row.deletedAt });
  if (Object.keys(change.value).length === 0) return ok(toState(orgId, row));
  const now = new Date().toISOString();
  const state = toState(orgId, row);
  const written = await upsertWorkspace(db, {
    orgId,
    plan: change.value.plan ?? state.plan,
    timezone: change.value.timezone ?? state.settings.timezone,
    locale: change.value.locale ?? state.settings.locale,
    deletedAt: null,
    purgeAfter: null,
    createdAt: row?.createdAt ?? now,
    updatedAt: now,
    updatedBy: principal.actorId,
    purgedAt: null,
  });
  return ok(toState(orgId, written));
}

/** Soft delete: the org's credentials are refused from now on; its data is kept {@link RETENTION_DAYS} days. Idempotent. */
export async function deleteWorkspace(db: DrizzleD1Database, principal: Principal, orgId: string): Promise<Result<WorkspaceState>> {
  const row = await findWorkspace(db, orgId);
  if (row?.deletedAt) return ok(toState(orgId, row));
  const now = new Date();
  const at = now.toISOString();
  const state = toState(orgId, row);
  const written = await upsertWorkspace(db, {
    orgId,
    plan: state.plan,
    timezone: state.settings.timezone,
    locale: state.settings.locale,
    deletedAt: at,
    purgeAfter: new Date(now.getTime() + RETENTION_DAYS * DAY_MS).toISOString(),
    createdAt: row?.createdAt ?? at,
    updatedAt: at,
    updatedBy: principal.actorId,
    purgedAt: null,
  });
  return ok(toState(orgId, written));
}

/** Whether the org's credentials may act: false once its workspace is deleted. */
export async function orgActive(db: DrizzleD1Database, orgId: string): Promise<boolean> {
  return !(await deletedAmong(db, [orgId])).has(orgId);
}
