/**
 * Data retention: a deleted workspace's data is purged from every worker once its 30 days are over
 * (`POST /v1/workspaces/{id}/purge` and the gateway's daily cron), the workspace row staying as the
 * tombstone. The deletion is aged by writing `deleted_at` / `purge_after` through the workspace
 * database the tests see: production has no way to move retention's real clock.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { GatewayEnv } from "../../workers/gateway/src/env.ts";
import worker from "../../workers/gateway/src/index.ts";
import { registry } from "../../workers/registry.ts";
import { DAY_MS } from "../../workers/_shared/clock.ts";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

const system = { token: env.API_SECRET };
const databases = registry()
  .workers.filter((w) => w.d1)
  .map((w) => ({ worker: w.name, db: (env as unknown as Record<string, D1Database>)[w.d1!.binding]! }));

/** Rows with the org's id in every table of every worker's D1 (identity's `orgs` by `id`): `worker.table` → count, non-zero only. */
async function rowsOf(orgId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { worker: name, db } of databases) {
    const tables = (
      await db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
        .all<{ name: string }>()
    ).results;
    for (const { name: table } of tables) {
      const columns = (await db.prepare(`PRAGMA table_info("${table}")`).all<{ name: string }>()).results.map((c) => c.name);
      const column = columns.includes("org_id") ? "org_id" : name === "identity" && table === "orgs" ? "id" : null;
      if (!column) continue;
      const n = (await db.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE ${column} = ?`).bind(orgId).first<number>("n")) ?? 0;
      if (n > 0) out[`${name}.${table}`] = n;
    }
  }
  return out;
}

/**
 * Every row counted before is still there. Only additions may differ: an event relayed after the
 * snapshot (the outbox sweep, a queue retry) adds a row, and a purge of another org removes none.
 */
function expectKept(after: Record<string, number>, before: Record<string, number>) {
  for (const [table, n] of Object.entries(before)) expect(after[table] ?? 0, table).toBeGreaterThanOrEqual(n);
}

const objectsOf = async (orgId: string) => (await env.DOCUMENTS_BUCKET.list({ prefix: `orgs/${orgId}/` })).objects.length;

const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% a certificate\n%%EOF\n");

/** An org with data in many workers: a bound policy (submission, quote, invoices), a document, a webhook endpoint, an invitation, a deal room, a producer. */
async function populated(): Promise<Tenant & { submissionId: string }> {
  const t = await createTenant();
  const policy = await bindPolicy(t.apiKey, glSubmission());
  unwrap(
    await env.DOCUMENTS.storeDocument(newPrincipal(t.orgId), { kind: "coi", filename: "certificate.pdf", body: pdf, policyId: policy.id }),
  );
  expect(
    (await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url: "https://hooks.example.com/openinsure", events: ["claim.*"] } }))
      .status,
  ).toBe(201);
  // A member who accepted an invitation (identity's user), and an invitation still pending.
  const suffix = t.orgId.slice(-8).toLowerCase();
  for (const email of [`member-${suffix}@example.com`, `invitee-${suffix}@example.com`]) {
    const invited = await call("POST", "/v1/team/invite", { token: t.token, body: { email, role: "viewer" } });
    expect(invited.status).toBe(201);
    if (email.startsWith("invitee")) continue;
    const invitation = await json(invited);
    const mail = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}&limit=1`, system));
    const token = mail.data[0].body.match(/[?&]token=([A-Za-z0-9_-]+)/)[1];
    const accepted = await call("POST", `/v1/team/invitations/${invitation.id}/accept`, {
      body: { token, name: "Member", password: "correct horse battery" },
    });
    expect(accepted.status).toBe(200);
  }
  expect((await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Negotiation" } })).status).toBe(201);
  const da = await call("POST", "/v1/da-agreements", {
    apiKey: t.apiKey,
    body: { carrier: "C", program: "P", maxLimitPerRisk: 1000000, states: ["OR"], naicsPrefixes: ["23"], aggregateCap: 100000 },
  });
  expect(da.status).toBe(201);
  expect((await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: { value: false } })).status).toBe(200);
  await settled(t.orgId);
  return { ...t, submissionId: policy.submissionId };
}

/**
 * Waits for the asynchronous work of what was just done, so that no row of the org arrives after a
 * snapshot: every outbox event is in the webhooks event log (the relay and the queue's one-second
 * batches), billing wrote the invoice, and nothing changed for two seconds. A polling deadline.
 */
async function settled(orgId: string) {
  const deadline = realNow() + 30_000;
  let last = "";
  let stableSince = realNow();
  for (;;) {
    const rows = await rowsOf(orgId);
    const outboxes = Object.entries(rows)
      .filter(([table]) => table.endsWith(".events") && table !== "webhooks.events")
      .reduce((sum, [, n]) => sum + n, 0);
    const snapshot = JSON.stringify(rows);
    if (snapshot !== last) stableSince = realNow();
    last = snapshot;
    if (rows["billing.invoices"] && rows["webhooks.events"] === outboxes && realNow() - stableSince >= 2_000) return;
    if (realNow() > deadline) throw new Error(`the org's rows did not settle: ${snapshot}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Moves the workspace's deletion `days` into the past, as if deleted then. */
async function ageDeletion(orgId: string, days: number) {
  const deletedAt = new Date(realNow() - days * DAY_MS);
  await env.WORKSPACE_DB.prepare("UPDATE workspaces SET deleted_at = ?2, purge_after = ?3 WHERE org_id = ?1")
    .bind(orgId, deletedAt.toISOString(), new Date(deletedAt.getTime() + 30 * DAY_MS).toISOString())
    .run();
}

describe("purging a deleted workspace", () => {
  it("is refused while active and within 30 days of deletion; then deletes the org's rows in every worker and its files, keeps the tombstone, leaves another org alone, and a rerun does nothing", async () => {
    const t = await populated();
    const other = await populated();
    const before = await rowsOf(t.orgId);
    for (const table of [
      "identity.orgs",
      "identity.users",
      "identity.api_keys",
      "underwriting.submissions",
      "underwriting.policies",
      "documents.documents",
      "webhooks.webhook_endpoints",
      "workspace.invitations",
      "deal-rooms.rooms",
      "underwriting.da_agreements",
      "producers.flag_overrides",
      "billing.invoices",
    ]) {
      expect(before[table] ?? 0, `${table} in ${JSON.stringify(before)}`).toBeGreaterThan(0);
    }
    expect(await objectsOf(t.orgId)).toBeGreaterThan(0);
    const otherBefore = await rowsOf(other.orgId);
    const otherObjects = await objectsOf(other.orgId);

    const active = await call("POST", `/v1/workspaces/${t.orgId}/purge`, system);
    expect(active.status).toBe(422);
    expect(await json(active)).toMatchObject({ error: "invalid_state_transition", details: { status: "active" } });

    expect((await call("DELETE", `/v1/workspaces/${t.orgId}`, system)).status).toBe(204);
    const early = await call("POST", `/v1/workspaces/${t.orgId}/purge`, system);
    expect(early.status).toBe(422);
    const earlyBody = await json(early);
    expect(earlyBody).toMatchObject({ error: "invalid_state_transition", details: { status: "deleted" } });
    expect(Date.parse(earlyBody.details.purgeAfter)).toBeGreaterThan(realNow());
    await ageDeletion(t.orgId, 29);
    expect((await call("POST", `/v1/workspaces/${t.orgId}/purge`, system)).status).toBe(422);
    expect(await rowsOf(t.orgId)).toEqual({ ...before, "workspace.workspaces": 1 });

    await ageDeletion(t.orgId, 31);
    const purged = await call("POST", `/v1/workspaces/${t.orgId}/purge`, system);
    expect(purged.status).toBe(200);
    const tombstone = await json(purged);
    expect(tombstone).toMatchObject({ id: t.orgId, status: "purged" });
    expect(Date.parse(tombstone.purgedAt)).toBeGreaterThan(Date.parse(tombstone.purgeAfter));

    // Only the tombstone is left of the org, in any worker; none of its files.
    expect(await rowsOf(t.orgId)).toEqual({ "workspace.workspaces": 1 });
    expect(await objectsOf(t.orgId)).toBe(0);
    const gone = await call("GET", `/v1/workspaces/${t.orgId}`, system);
    expect(gone.status).toBe(404);
    expect(await json(gone)).toMatchObject({ error: "not_found", details: { status: "purged", purgedAt: tombstone.purgedAt } });
    expect((await call("GET", `/v1/submissions/${t.submissionId}`, { apiKey: t.apiKey })).status).toBe(401);

    // Tenancy: the other org kept every row and file, and works.
    expectKept(await rowsOf(other.orgId), otherBefore);
    expect(await objectsOf(other.orgId)).toBe(otherObjects);
    expect((await call("GET", `/v1/submissions/${other.submissionId}`, { apiKey: other.apiKey })).status).toBe(200);

    // A rerun answers the same tombstone and deletes nothing.
    const again = await call("POST", `/v1/workspaces/${t.orgId}/purge`, system);
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(tombstone);
    expectKept(await rowsOf(other.orgId), otherBefore);
  });

  it("is the API secret's alone, and an unknown workspace is 404", async () => {
    const t = await createTenant();
    expect((await call("POST", `/v1/workspaces/${t.orgId}/purge`, { apiKey: t.apiKey })).status).toBe(403);
    expect((await call("POST", `/v1/workspaces/${t.orgId}/purge`, { token: t.token })).status).toBe(403);
    expect((await call("POST", "/v1/workspaces/org_01ARZ3NDEKTSV4RRFFQ69G5FAV/purge", system)).status).toBe(404);
  });

  it("the daily cron purges every workspace past its retention, and only those", async () => {
    const due = await populated();
    const recent = await populated();
    for (const t of [due, recent]) expect((await call("DELETE", `/v1/workspaces/${t.orgId}`, system)).status).toBe(204);
    await ageDeletion(due.orgId, 45);
    const recentBefore = await rowsOf(recent.orgId);

    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ cron: "17 3 * * *", scheduledTime: realNow() }), env as unknown as GatewayEnv, ctx);
    await waitOnExecutionContext(ctx);

    expect(await rowsOf(due.orgId)).toEqual({ "workspace.workspaces": 1 });
    expect(await objectsOf(due.orgId)).toBe(0);
    expectKept(await rowsOf(recent.orgId), recentBefore);
    const ws = await json(await call("GET", `/v1/workspaces/${recent.orgId}`, system));
    expect(ws.status).toBe("deleted");
  });
});
