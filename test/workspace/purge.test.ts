/**
 * The generic purge (#shared/purge) against a real D1: the workspace worker's own tables plus
 * scratch tables of every shape a worker has (a plain `org_id` table, a WITHOUT ROWID one, a child
 * keyed by its parent, a foreign key, the org row itself, rows naming Durable Objects), and the
 * workspace worker's share behind its eligibility check.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "../../workers/_shared/clock.ts";
import { purgeOrgOf, purgeOrgRows, purgeTargets, describeTables, type PurgePlan } from "../../workers/_shared/purge.ts";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { meterOf, workspaceRpc } from "./harness.ts";

const db = env.WORKSPACE_DB;
const ORG = "org_01PURGETEST00000000000001";
const OTHER = "org_01PURGETEST00000000000002";
const purgedObjects: string[] = [];

const PLAN: PurgePlan = {
  keep: ["workspaces"],
  children: [{ table: "scratch_lines", column: "parent_id", parent: "scratch_parents" }],
  keyedBy: [{ table: "scratch_orgs", column: "id" }],
  objects: [{ table: "scratch_rooms", column: "id", purge: async (keys) => void purgedObjects.push(...keys) }],
};

const count = async (table: string, where = "1 = 1", ...params: unknown[]) =>
  (await db
    .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<number>("n")) ?? 0;

/** `n` rows of each table for `org`, inserted with one bound parameter per statement. */
async function seed(org: string, n: number) {
  const series = `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  await db.batch([
    db.prepare("INSERT INTO scratch_orgs (id, name) VALUES (?1, 'Org')").bind(org),
    db.prepare(`${series} INSERT INTO scratch_parents (id, org_id) SELECT ?1 || '-p' || i, ?1 FROM s`).bind(org),
    db.prepare(`${series} INSERT INTO scratch_lines (parent_id, n) SELECT ?1 || '-p' || i, i FROM s`).bind(org),
    db.prepare(`${series} INSERT INTO scratch_members (id, org_id) SELECT ?1 || '-m' || i, ?1 FROM s`).bind(org),
    db.prepare(`${series} INSERT INTO scratch_totals (org_id, day, cents) SELECT ?1, i, i * 100 FROM s`).bind(org),
    db.prepare(`${series} INSERT INTO scratch_rooms (id, org_id) SELECT ?1 || '-r' || i, ?1 FROM s WHERE i <= 250`).bind(org),
    db
      .prepare(
        "INSERT INTO usage_records (id, org_id, feature, quantity, period, actor, created_at) VALUES (?1 || '-u', ?1, 'api_calls', 1, '2026-12', 'system', '2026-12-01T00:00:00.000Z')",
      )
      .bind(org),
  ]);
}

describe("the generic purge of an org's rows", () => {
  beforeAll(async () => {
    await db.batch([
      db.prepare("CREATE TABLE scratch_orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL)"),
      db.prepare("CREATE TABLE scratch_parents (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES scratch_orgs (id))"),
      db.prepare(
        "CREATE TABLE scratch_lines (parent_id TEXT NOT NULL REFERENCES scratch_parents (id), n INTEGER NOT NULL, PRIMARY KEY (parent_id, n))",
      ),
      db.prepare("CREATE TABLE scratch_members (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES scratch_orgs (id))"),
      db.prepare(
        "CREATE TABLE scratch_totals (org_id TEXT NOT NULL, day INTEGER NOT NULL, cents INTEGER NOT NULL, PRIMARY KEY (org_id, day)) WITHOUT ROWID",
      ),
      db.prepare("CREATE TABLE scratch_rooms (id TEXT PRIMARY KEY, org_id TEXT NOT NULL)"),
      db.prepare("CREATE TABLE scratch_machinery (name TEXT PRIMARY KEY)"),
    ]);
    await seed(ORG, 1200);
    await seed(OTHER, 30);
  });

  // The workspace worker's own purge (below) must meet only its own tables.
  afterAll(async () => {
    await db.batch(
      ["scratch_lines", "scratch_parents", "scratch_members", "scratch_totals", "scratch_rooms", "scratch_machinery", "scratch_orgs"].map(
        (t) => db.prepare(`DROP TABLE ${t}`),
      ),
    );
  });

  it("orders referencing tables and children before what they reference, and refuses a table it cannot place", async () => {
    const tables = await describeTables(db);
    const refused = purgeTargets(tables, PLAN);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain("scratch_machinery");

    const placed = purgeTargets(tables, { ...PLAN, unowned: { scratch_machinery: "platform state" } });
    if (!placed.ok) throw new Error(placed.error.message);
    const order = placed.value.map((t) => t.table);
    expect(order).not.toContain("workspaces");
    expect(order.indexOf("scratch_lines")).toBeLessThan(order.indexOf("scratch_parents"));
    expect(order.indexOf("scratch_parents")).toBeLessThan(order.indexOf("scratch_orgs"));
    expect(order.indexOf("scratch_members")).toBeLessThan(order.indexOf("scratch_orgs"));
    expect(order).toEqual(expect.arrayContaining(["usage_records", "invitations", "member_removals", "scratch_totals", "scratch_rooms"]));
  });

  it("deletes in bounded batches across calls, objects before their rows, resumes where it stopped, and leaves other orgs alone", async () => {
    const plan = { ...PLAN, unowned: { scratch_machinery: "platform state" } };
    // Four statements a call: the job takes many calls, each deleting at most 4 × 500 rows.
    const calls: { done: boolean; deleted: number }[] = [];
    for (let i = 0; i < 100; i++) {
      const step = await purgeOrgRows(db, ORG, plan, { maxStatements: 4 });
      if (!step.ok) throw new Error(step.error.message);
      calls.push(step.value);
      if (step.value.done) break;
      expect(step.value.deleted).toBeLessThanOrEqual(4 * 500);
    }
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.at(-1)!.done).toBe(true);
    // 1 org + 1200 parents, lines, members and totals + 250 rooms + 1 usage record.
    expect(calls.reduce((sum, c) => sum + c.deleted, 0)).toBe(1 + 4 * 1200 + 250 + 1);

    const others = { scratch_parents: 30, scratch_members: 30, scratch_totals: 30, scratch_rooms: 30, usage_records: 1 };
    for (const [table, left] of Object.entries(others)) {
      expect(await count(table, "org_id = ?", ORG), table).toBe(0);
      expect(await count(table, "org_id = ?", OTHER), table).toBe(left);
    }
    expect(await count("scratch_lines", "parent_id LIKE ?", `${ORG}-%`)).toBe(0);
    expect(await count("scratch_lines", "parent_id LIKE ?", `${OTHER}-%`)).toBe(30);
    expect(await count("scratch_orgs", "id = ?", ORG)).toBe(0);
    expect(await count("scratch_orgs", "id = ?", OTHER)).toBe(1);
    expect(new Set(purgedObjects).size).toBe(250);
    expect(purgedObjects.every((k) => k.startsWith(`${ORG}-r`))).toBe(true);

    // A rerun is a no-op.
    expect(await purgeOrgRows(db, ORG, plan)).toEqual({ ok: true, value: { done: true, deleted: 0 } });
  });

  it("is the system principal's alone", async () => {
    const res = await purgeOrgOf(newPrincipal(OTHER), db, PLAN);
    expect(res.ok ? null : res.error.code).toBe("insufficient_scope");
    expect(await count("scratch_members", "org_id = ?", OTHER)).toBe(30);
  });
});

describe("the workspace worker's share", () => {
  const system = (orgId: string) => ({
    ...newPrincipal(orgId),
    kind: "system" as const,
    credentialId: "system",
    actorId: "system",
    principalId: "system",
  });

  async function deletedWorkspace(orgId: string, deletedDaysAgo: number) {
    const deletedAt = new Date(realNow() - deletedDaysAgo * DAY_MS);
    await db
      .prepare(
        "INSERT INTO workspaces (org_id, plan, timezone, locale, deleted_at, purge_after, created_at, updated_at, updated_by) VALUES (?1, 'pro', 'UTC', 'en-US', ?2, ?3, ?2, ?2, 'system')",
      )
      .bind(orgId, deletedAt.toISOString(), new Date(deletedAt.getTime() + 30 * DAY_MS).toISOString())
      .run();
    await db
      .prepare(
        "INSERT INTO usage_records (id, org_id, feature, quantity, period, actor, created_at) VALUES (?1 || '-u', ?1, 'api_calls', 1, '2026-12', 'system', ?2)",
      )
      .bind(orgId, deletedAt.toISOString())
      .run();
    await meterOf(orgId).admit(orgId, "api_calls", "2026-12", 3, null);
  }

  it("refuses before the 30 days, then purges rows and the usage meter and keeps the tombstone", async () => {
    const early = "org_01PURGETEST00000000000003";
    await deletedWorkspace(early, 29);
    const refused = await workspaceRpc.purgeOrg(system(early));
    expect(refused.ok ? null : refused.error).toMatchObject({ code: "invalid_state_transition", details: { status: "deleted" } });
    expect(await count("usage_records", "org_id = ?", early)).toBe(1);
    expect(await workspaceRpc.purgesDue(100)).not.toContain(early);

    const due = "org_01PURGETEST00000000000004";
    await deletedWorkspace(due, 31);
    expect(await workspaceRpc.purgesDue(100)).toContain(due);
    const active = await workspaceRpc.purgeTicket(OTHER);
    expect(active.ok ? null : active.error.code).toBe("not_found");
    expect(await workspaceRpc.purgeOrg(system(due))).toMatchObject({ ok: true, value: { done: true } });
    expect(await count("usage_records", "org_id = ?", due)).toBe(0);
    expect(await meterOf(due).usage(due, { api_calls: "2026-12" })).toEqual({ api_calls: 0 });

    const marked = await workspaceRpc.markPurged(due);
    if (!marked.ok) throw new Error(marked.error.message);
    expect(marked.value.purgedAt).not.toBeNull();
    expect(await workspaceRpc.purgesDue(100)).not.toContain(due);
    expect((await workspaceRpc.workspaceOf(due)).purgedAt).toBe(marked.value.purgedAt);
    // Marking again keeps the first stamp.
    expect(await workspaceRpc.markPurged(due)).toEqual(marked);
    expect(await workspaceRpc.markPurged(early)).toMatchObject({ ok: false, error: { code: "invalid_state_transition" } });
  });
});
