/**
 * Drizzle helpers shared by every D1-backed worker: keyset pagination over (created_at, id)
 * and recognising unique-constraint violations (conflicts detected by the database, race-free).
 */
import { and, asc, desc, eq, gt, gte, is, lt, lte, or, sql, SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteSyncDialect, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { fail, ok, type Result } from "./errors.ts";
import { decodeCursor, pageSize, type Cursor, type PageQuery } from "./pagination.ts";

export type SortDirection = "asc" | "desc";

/** A {@link PageQuery} as it may arrive over RPC (sort not yet checked). */
export type ListQuery = Omit<PageQuery, "sort"> & { sort?: string };

/** A validated {@link PageQuery}: newest first unless `sort: "createdAt"`. */
export interface KeysetPage {
  limit: number;
  cursor: Cursor | null;
  direction: SortDirection;
}

/** Validates limit, sort and cursor; a malformed one is a `validation_failed` naming the field. */
export function parsePageQuery(query: ListQuery | undefined): Result<KeysetPage> {
  const q = query ?? {};
  if (q.limit !== undefined && !Number.isInteger(q.limit)) {
    return fail("validation_failed", "limit must be an integer", { field: "limit", rule: "integer" });
  }
  if (q.sort !== undefined && q.sort !== "createdAt" && q.sort !== "-createdAt") {
    return fail("validation_failed", "sort must be createdAt or -createdAt", { field: "sort", rule: "enum" });
  }
  let cursor: Cursor | null = null;
  if (q.cursor !== undefined && q.cursor !== "") {
    cursor = decodeCursor(q.cursor);
    if (!cursor) return fail("validation_failed", "cursor is not valid", { field: "cursor", rule: "cursor" });
  }
  return ok({ limit: pageSize(q.limit), cursor, direction: q.sort === "createdAt" ? "asc" : "desc" });
}

/** Rows strictly after `cursor` in the page order; undefined (no condition) on the first page. */
export function keysetAfter(
  createdAt: SQLiteColumn,
  id: SQLiteColumn,
  page: Pick<KeysetPage, "cursor" | "direction">,
): SQL | undefined {
  const c = page.cursor;
  if (!c) return undefined;
  const beyond = page.direction === "desc" ? lt : gt;
  return or(beyond(createdAt, c.createdAt), and(eq(createdAt, c.createdAt), beyond(id, c.id)));
}

/** ORDER BY matching {@link keysetAfter}: (created_at, id) both in the page direction. */
export function keysetOrder(createdAt: SQLiteColumn, id: SQLiteColumn, direction: SortDirection): SQL[] {
  const by = direction === "desc" ? desc : asc;
  return [by(createdAt), by(id)];
}

/**
 * A statement that aborts the batch it runs in unless `condition` holds at that moment. A D1 batch
 * is one transaction run in order, so a guard placed first turns "read, decide, write" into a
 * check-and-write that no concurrent writer can slip between: if the state read earlier has
 * changed, every statement of the batch rolls back and {@link isGuardFailure} recognises the error.
 * The database needs the `batch_guards` table (its CHECK refuses every row); `name` labels the
 * guard in the statement's text.
 */
export function guard(name: string, condition: SQL): SQL {
  return sql`INSERT INTO batch_guards (name) SELECT ${name} WHERE NOT (${condition})`;
}

/** True when `err` is a {@link guard} refusing its batch. */
export function isGuardFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes("CHECK constraint failed: batch_guard")) return true;
  }
  return false;
}

/**
 * True when `err` (or its cause chain: drizzle wraps driver errors) is a SQLite UNIQUE violation,
 * optionally on a given `table.column` (as SQLite names it, e.g. `orgs.slug`).
 */
export function isUniqueViolation(err: unknown, target?: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.message.includes("UNIQUE constraint failed")) return target === undefined || e.message.includes(target);
  }
  return false;
}

/** A table listable by keyset: ULID `id` plus ISO `created_at`. */
export interface KeysetTable {
  createdAt: SQLiteColumn;
  id: SQLiteColumn;
}

/** What {@link listKeyset} hands a repository: WHERE, ORDER BY, rows to fetch, and the page size. */
export interface ListKeyset {
  where: SQL | undefined;
  orderBy: SQL[];
  /** Page size + 1: the extra row tells whether there is a next page. */
  limit: number;
  pageSize: number;
}

/**
 * Everything a list query needs from a {@link PageQuery}: the "after the cursor" condition plus the
 * `createdAfter` / `createdBefore` filters every list accepts (undefined when there are none), the
 * ORDER BY, and `limit` = page size + 1, ready for `toPage(rows, pageSize, …)`.
 */
export function listKeyset(table: KeysetTable, query: (ListQuery & { createdAfter?: string; createdBefore?: string }) | undefined): Result<ListKeyset> {
  const page = parsePageQuery(query);
  if (!page.ok) return page;
  const conditions = [keysetAfter(table.createdAt, table.id, page.value)];
  for (const [field, compare] of [["createdAfter", gte], ["createdBefore", lte]] as const) {
    const value = query?.[field];
    if (value === undefined) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return fail("validation_failed", `${field} must be an ISO 8601 timestamp`, { field, rule: "datetime" });
    conditions.push(compare(table.createdAt, at.toISOString()));
  }
  return ok({
    where: and(...conditions),
    orderBy: keysetOrder(table.createdAt, table.id, page.value.direction),
    limit: page.value.limit + 1,
    pageSize: page.value.limit,
  });
}

const sqliteDialect = new SQLiteSyncDialect();

/** A drizzle query builder or a raw `sql` statement. */
export type Statement = SQL | { toSQL(): { sql: string; params: unknown[] } };

/**
 * Run drizzle queries and raw `sql` statements as ONE D1 batch, which D1 executes as a single
 * transaction. (drizzle's own `db.batch` cannot take raw statements such as INSERT … SELECT,
 * which the guarded, race-free writes need.) Each statement must stay under 100 bound parameters.
 */
export function atomically(db: DrizzleD1Database, statements: Statement[]): Promise<D1Result[]> {
  // drizzle() returns the database with its D1 client attached; the exported type omits it.
  const d1 = (db as DrizzleD1Database & { $client: D1Database }).$client;
  return d1.batch(
    statements.map((statement) => {
      const query = is(statement, SQL) ? sqliteDialect.sqlToQuery(statement) : statement.toSQL();
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}
