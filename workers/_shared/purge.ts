/**
 * Deleting every row an org owns in one worker's D1, after its workspace's 30-day retention (the
 * gateway's purge job, workers/gateway/src/purge.ts). Generic: the tables are read from the database
 * itself (`sqlite_master`, `PRAGMA table_info`), so every table with an `org_id` column is purged,
 * including one a later migration adds, and a worker declares only what the column cannot say
 * (rows owned through a parent, the org row itself, Durable Objects named by a row).
 *
 * Bounded: each statement deletes at most {@link PURGE_BATCH} rows picked by a `LIMIT`ed subquery
 * (`DELETE … WHERE rowid IN (SELECT rowid … WHERE org_id = ? LIMIT 500)`, one bound parameter), and
 * each call runs at most `maxStatements` deletes that found rows (plus one look per empty table)
 * before answering `done: false`, so one RPC never does unbounded work; the caller calls again. Idempotent and resumable: every pass deletes
 * whatever of the org is left, so a crash half-way and a rerun finish the job, and a purged org
 * answers `done: true, deleted: 0`.
 */
import type { Principal } from "./auth.ts";
import { fail, ok, type Result } from "./errors.ts";

/** Rows one statement deletes at most. */
export const PURGE_BATCH = 500;
/** Rows whose Durable Objects are purged per statement (their keys travel as one JSON parameter). */
export const PURGE_OBJECT_BATCH = 100;
/** Deleting statements one call runs at most before it answers `done: false`. */
export const PURGE_MAX_STATEMENTS = 40;

/** What one call did: whether nothing of the org is left, and how many rows it deleted. */
export interface PurgeProgress {
  done: boolean;
  deleted: number;
}

/**
 * What a worker's purge needs beyond its `org_id` columns. Table and column names are the
 * worker's own constants (never input), quoted as identifiers.
 */
export interface PurgePlan {
  /** Tables whose org rows stay (the workspace worker's tombstone). */
  keep?: readonly string[];
  /** Tables without `org_id` whose rows belong to an org through a parent row: deleted before the parent. */
  children?: readonly { table: string; column: string; parent: string; parentColumn?: string }[];
  /** Tables keyed by the org id in another column (identity's `orgs.id`): deleted after every table that references them. */
  keyedBy?: readonly { table: string; column: string }[];
  /**
   * Rows that name a Durable Object (a deal room, a DA agreement's ledger): `purge` empties the
   * objects of up to {@link PURGE_OBJECT_BATCH} keys, then those rows are deleted, so an object is
   * always emptied before the row that finds it goes.
   */
  objects?: readonly { table: string; column: string; purge(keys: string[]): Promise<void> }[];
  /** Tables without org data (platform machinery: batch guards, sweep cursors, job runs), each with why. */
  unowned?: Readonly<Record<string, string>>;
}

interface Target {
  table: string;
  /** The WHERE of the org's rows, with `?1` the org id. */
  where: string;
  /** The row identity the subquery picks: `rowid`, or the primary key of a WITHOUT ROWID table (a row value). */
  key: { match: string; columns: string };
  /** Tables this one references (emptied after it). */
  references: Set<string>;
  objects?: { column: string; purge(keys: string[]): Promise<void> };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables of the database the purge considers: not SQLite's, D1's or the migrations'. */
const SYSTEM_TABLE = /^(sqlite_|_cf_|d1_migrations$)/;

interface TableInfo {
  name: string;
  sql: string;
  columns: { name: string; pk: number }[];
  references: string[];
}

/** Every table of the database with its columns and the tables its foreign keys reference. */
export async function describeTables(db: D1Database): Promise<TableInfo[]> {
  const tables = (
    await db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string; sql: string }>()
  ).results.filter((t) => !SYSTEM_TABLE.test(t.name));
  if (tables.length === 0) return [];
  const info = await db.batch(
    tables.flatMap((t) => [db.prepare(`PRAGMA table_info(${ident(t.name)})`), db.prepare(`PRAGMA foreign_key_list(${ident(t.name)})`)]),
  );
  return tables.map((t, i) => ({
    name: t.name,
    sql: t.sql,
    columns: (info[2 * i]!.results as { name: string; pk: number }[]).map((c) => ({ name: c.name, pk: c.pk })),
    references: (info[2 * i + 1]!.results as { table: string }[]).map((f) => f.table),
  }));
}

/** The row identity of a table: `rowid`, or for a WITHOUT ROWID table its primary key as a row value. */
function rowKey(t: TableInfo): Target["key"] {
  if (!/\bWITHOUT\s+ROWID\b/i.test(t.sql)) return { match: "rowid", columns: "rowid" };
  const pk = t.columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => ident(c.name));
  return { match: pk.length === 1 ? pk[0]! : `(${pk.join(", ")})`, columns: pk.join(", ") };
}

/**
 * The org's tables in a safe order: a table before every table it references (so no foreign key is
 * left pointing at a deleted row) and a child before its parent. Refuses a table it cannot place:
 * one with no `org_id` that the plan neither names as a child, keyed or object table nor as unowned,
 * so a new table is a decision, never a silent leftover.
 */
export function purgeTargets(tables: TableInfo[], plan: PurgePlan): Result<Target[]> {
  const keep = new Set(plan.keep ?? []);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const targets = new Map<string, Target>();
  for (const t of tables) {
    if (keep.has(t.name) || !t.columns.some((c) => c.name === "org_id")) continue;
    targets.set(t.name, { table: t.name, where: "org_id = ?1", key: rowKey(t), references: new Set(t.references) });
  }
  for (const c of plan.children ?? []) {
    const t = byName.get(c.table);
    if (!t || !byName.has(c.parent)) continue;
    const parentWhere = targets.get(c.parent)?.where ?? "org_id = ?1";
    targets.set(c.table, {
      table: c.table,
      where: `${ident(c.column)} IN (SELECT ${ident(c.parentColumn ?? "id")} FROM ${ident(c.parent)} WHERE ${parentWhere})`,
      key: rowKey(t),
      references: new Set([...t.references, c.parent]),
    });
  }
  for (const k of plan.keyedBy ?? []) {
    const t = byName.get(k.table);
    if (t) targets.set(k.table, { table: k.table, where: `${ident(k.column)} = ?1`, key: rowKey(t), references: new Set(t.references) });
  }
  for (const o of plan.objects ?? []) {
    const target = targets.get(o.table);
    if (target) target.objects = { column: o.column, purge: o.purge };
  }
  const unplaced = tables
    .filter((t) => !targets.has(t.name) && !keep.has(t.name) && !(plan.unowned && t.name in plan.unowned))
    .map((t) => t.name);
  if (unplaced.length) return fail("internal_error", `Tables the purge cannot place (no org_id, not declared): ${unplaced.join(", ")}`);
  // Referencing tables first: repeatedly take a table no remaining table references.
  const remaining = [...targets.values()];
  const ordered: Target[] = [];
  while (remaining.length) {
    const i = remaining.findIndex((t) => !remaining.some((o) => o !== t && o.references.has(t.table)));
    if (i === -1)
      return fail("internal_error", `The org's tables reference each other in a cycle: ${remaining.map((t) => t.table).join(", ")}`);
    ordered.push(remaining.splice(i, 1)[0]!);
  }
  return ok(ordered);
}

/**
 * Deletes up to `maxStatements` batches of the org's rows, in the order of {@link purgeTargets}.
 * `done` once a pass found nothing left in any table.
 */
export async function purgeOrgRows(
  db: D1Database,
  orgId: string,
  plan: PurgePlan,
  options: { batch?: number; maxStatements?: number } = {},
): Promise<Result<PurgeProgress>> {
  const batch = options.batch ?? PURGE_BATCH;
  let budget = options.maxStatements ?? PURGE_MAX_STATEMENTS;
  const targets = purgeTargets(await describeTables(db), plan);
  if (!targets.ok) return targets;
  let deleted = 0;
  for (const t of targets.value) {
    for (;;) {
      if (budget <= 0) return ok({ done: false, deleted });
      const table = ident(t.table);
      let changes: number;
      let more: boolean;
      if (t.objects) {
        const column = ident(t.objects.column);
        const keys = (
          await db
            .prepare(`SELECT ${column} AS k FROM ${table} WHERE ${t.where} LIMIT ${PURGE_OBJECT_BATCH}`)
            .bind(orgId)
            .all<{ k: string }>()
        ).results.map((r) => r.k);
        if (keys.length === 0) break;
        await t.objects.purge(keys);
        changes = (
          await db
            .prepare(`DELETE FROM ${table} WHERE ${t.where} AND ${column} IN (SELECT value FROM json_each(?2))`)
            .bind(orgId, JSON.stringify(keys))
            .run()
        ).meta.changes;
        more = keys.length === PURGE_OBJECT_BATCH;
      } else {
        const picked = `SELECT ${t.key.columns} FROM ${table} WHERE ${t.where} LIMIT ${batch}`;
        changes = (await db.prepare(`DELETE FROM ${table} WHERE ${t.key.match} IN (${picked})`).bind(orgId).run()).meta.changes;
        more = changes === batch;
      }
      deleted += changes;
      // Only a statement that deleted rows spends the budget: finding a table empty costs one
      // statement per table, so every call either deletes something or reaches the end.
      if (changes > 0) budget--;
      if (!more) break;
    }
  }
  return ok({ done: true, deleted });
}

/**
 * A worker's `purgeOrg`: the system principal's alone (the gateway calls it only for a workspace the
 * workspace worker found past its retention), confined to `principal.orgId`.
 */
export async function purgeOrgOf(
  principal: Principal,
  db: D1Database,
  plan: PurgePlan,
  options?: { batch?: number; maxStatements?: number },
): Promise<Result<PurgeProgress>> {
  if (principal.kind !== "system") return fail("insufficient_scope", "Only the platform purges an org's data", { requiredScope: "system" });
  if (!principal.orgId) return fail("validation_failed", "The org to purge is missing", { field: "orgId", rule: "required" });
  return purgeOrgRows(db, principal.orgId, plan, options);
}
