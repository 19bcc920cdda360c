/** The rule studio's rules and their versions in D1 (drizzle only), and their API shapes. */
import { and, asc, desc, eq, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Rule, RuleVersion } from "#contract/types.gen";
import { listKeyset, type ListQuery } from "#shared/db";
import { fail, ok, type Result } from "#shared/errors";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { RuleAction } from "#shared/rule-context";
import { rules, ruleVersions, type RuleRow } from "../schema.ts";

/** What a version records of its rule (rule_versions.snapshot). */
export interface RuleSnapshot {
  name: string;
  description: string | null;
  condition: unknown;
  action: RuleAction;
  priority: number;
  enabled: boolean;
  deleted?: boolean;
}

export const snapshotOf = (row: Pick<RuleRow, "name" | "description" | "condition" | "action" | "priority" | "enabled">, deleted = false): RuleSnapshot => ({
  name: row.name,
  description: row.description,
  condition: row.condition,
  action: row.action as RuleAction,
  priority: row.priority,
  enabled: row.enabled,
  ...(deleted ? { deleted: true } : {}),
});

export function toRule(row: RuleRow): Rule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    condition: row.condition,
    action: row.action as RuleAction,
    priority: row.priority,
    enabled: row.enabled,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The org's rule, unless deleted. */
export const findRule = (db: DrizzleD1Database, orgId: string, id: string): Promise<RuleRow | undefined> =>
  db.select().from(rules).where(and(eq(rules.orgId, orgId), eq(rules.id, id), isNull(rules.deletedAt))).get();

/** The org's enabled rules in the order they judge: priority, then age, then id. */
export const enabledRules = (db: DrizzleD1Database, orgId: string): Promise<RuleRow[]> =>
  db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, orgId), isNull(rules.deletedAt), eq(rules.enabled, true)))
    .orderBy(asc(rules.priority), asc(rules.createdAt), asc(rules.id))
    .all();

export interface RuleFilters {
  enabled?: boolean;
  actionType?: string;
}

export async function listRuleRows(db: DrizzleD1Database, orgId: string, query: (ListQuery & RuleFilters & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<Page<Rule>>> {
  const keyset = listKeyset(rules, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const filters: (SQL | undefined)[] = [
    eq(rules.orgId, orgId),
    isNull(rules.deletedAt),
    keyset.value.where,
    q.enabled === undefined ? undefined : eq(rules.enabled, q.enabled),
    q.actionType ? sql`json_extract(${rules.action}, '$.type') = ${q.actionType}` : undefined,
  ];
  const rows = await db.select().from(rules).where(and(...filters)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit).all();
  return ok(toPage(rows, keyset.value.pageSize, toRule));
}

/** A version page's cursor: the last version shown (opaque to callers). */
const versionCursor = (version: number) => btoa(JSON.stringify({ v: version }));
function versionFromCursor(cursor: string): number | null {
  try {
    const parsed = JSON.parse(atob(cursor)) as { v?: unknown };
    return Number.isSafeInteger(parsed.v) ? (parsed.v as number) : null;
  } catch {
    return null;
  }
}

/** A rule's versions, newest first, in cursor pages. */
export async function listVersionRows(db: DrizzleD1Database, orgId: string, ruleId: string, query: { limit?: number; cursor?: string } = {}): Promise<Result<Page<RuleVersion>>> {
  const size = pageSize(query.limit);
  const before = query.cursor === undefined ? null : versionFromCursor(query.cursor);
  if (query.cursor !== undefined && before === null) return fail("validation_failed", "cursor is not one this list issued", { field: "cursor", rule: "cursor" });
  const rows = await db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.orgId, orgId), eq(ruleVersions.ruleId, ruleId), before === null ? undefined : lt(ruleVersions.version, before)))
    .orderBy(desc(ruleVersions.version))
    .limit(size + 1)
    .all();
  const page = rows.slice(0, size);
  return ok({
    data: page.map((r) => {
      const s = r.snapshot as unknown as RuleSnapshot;
      return {
        ruleId: r.ruleId,
        version: r.version,
        name: s.name,
        description: s.description,
        condition: s.condition,
        action: s.action,
        priority: s.priority,
        enabled: s.enabled,
        deleted: s.deleted === true,
        changedBy: r.changedBy,
        createdAt: r.createdAt,
      };
    }),
    nextCursor: rows.length > size ? versionCursor(page[page.length - 1]!.version) : null,
  });
}
