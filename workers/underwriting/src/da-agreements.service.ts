import { and, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { listKeyset } from "#shared/db";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { CURRENCY, fromCents, toCents } from "#shared/money";
import { pageSize, toPage, type Page, type PageQuery } from "#shared/pagination";
import { daAgreementUsage, daAgreements, type DaAgreementRow } from "./schema.ts";
import type { CreateDaAgreementInput, DaAgreement } from "./types.ts";

/**
 * Net written premium of each of the agreements `ids` (of `orgId`), from the usage row every bind
 * and premium-bearing policy transaction keeps in its own batch (the ledger object holds the live
 * gate): one primary-key row per agreement, however many policies; ids not asked for are not read.
 */
export async function writtenByAgreement(db: DrizzleD1Database, orgId: string, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: daAgreementUsage.agreementId, written: daAgreementUsage.writtenCents })
    .from(daAgreementUsage)
    .where(and(eq(daAgreementUsage.orgId, orgId), sql`${daAgreementUsage.agreementId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`))
    .all();
  for (const row of rows) out.set(row.id, Number(row.written));
  return out;
}

export async function createDaAgreement(db: DrizzleD1Database, principal: Principal, input: CreateDaAgreementInput): Promise<Result<DaAgreement>> {
  const maxLimit = toCents(input.maxLimitPerRisk);
  if (maxLimit === null || maxLimit <= 0) return invalid("maxLimitPerRisk", "money", "maxLimitPerRisk must be a positive amount with at most two decimals");
  const cap = toCents(input.aggregateCap);
  if (cap === null || cap <= 0) return invalid("aggregateCap", "money", "aggregateCap must be a positive amount with at most two decimals");
  const row: DaAgreementRow = {
    id: newId("da"),
    orgId: principal.orgId,
    carrier: input.carrier.trim(),
    program: input.program.trim(),
    lineOfBusiness: input.lineOfBusiness ?? null,
    maxLimitPerRiskCents: maxLimit,
    states: [...new Set(input.states)],
    naicsPrefixes: [...new Set(input.naicsPrefixes)],
    aggregateCapCents: cap,
    createdAt: clockOf(principal).now().toISOString(),
  };
  await db.insert(daAgreements).values(row);
  return ok(toDaAgreement(row, 0));
}

export async function getDaAgreement(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<DaAgreement>> {
  const row = await db.select().from(daAgreements).where(and(eq(daAgreements.orgId, principal.orgId), eq(daAgreements.id, id))).get();
  if (!row) return notFound("Delegated authority agreement");
  const written = await writtenByAgreement(db, principal.orgId, [row.id]);
  return ok(toDaAgreement(row, written.get(row.id) ?? 0));
}

export async function listDaAgreements(db: DrizzleD1Database, principal: Principal, query: PageQuery): Promise<Result<Page<DaAgreement>>> {
  const keyset = listKeyset(daAgreements, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(daAgreements)
    .where(and(eq(daAgreements.orgId, principal.orgId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  const written = await writtenByAgreement(db, principal.orgId, rows.map((r) => r.id));
  return ok(toPage(rows, pageSize(query.limit), (r) => toDaAgreement(r, written.get(r.id) ?? 0)));
}

/**
 * Utilisation of every agreement of the org, with when `da.limit_approaching` was first recorded:
 * both kept per agreement in `da_agreement_usage` by the bind that changed them, so this reads one
 * row per agreement and no policies or events.
 */
export async function daUtilization(db: DrizzleD1Database, principal: Principal) {
  const rows = await db
    .select({ agreement: daAgreements, written: daAgreementUsage.writtenCents, approachingAt: daAgreementUsage.limitApproachingAt })
    .from(daAgreements)
    .leftJoin(daAgreementUsage, eq(daAgreementUsage.agreementId, daAgreements.id))
    .where(eq(daAgreements.orgId, principal.orgId))
    .orderBy(daAgreements.createdAt)
    .all();
  return ok({
    orgId: principal.orgId,
    data: rows.map(({ agreement: r, written, approachingAt }) => {
      const w = Number(written ?? 0);
      return {
        agreementId: r.id,
        carrier: r.carrier,
        program: r.program,
        aggregateCap: fromCents(r.aggregateCapCents),
        writtenPremium: fromCents(w),
        remaining: fromCents(r.aggregateCapCents - w),
        utilization: w / r.aggregateCapCents,
        currency: CURRENCY,
        limitApproachingAt: approachingAt ?? null,
      };
    }),
  });
}

export function toDaAgreement(row: DaAgreementRow, writtenCents: number): DaAgreement {
  return {
    id: row.id,
    carrier: row.carrier,
    program: row.program,
    lineOfBusiness: row.lineOfBusiness,
    maxLimitPerRisk: fromCents(row.maxLimitPerRiskCents),
    states: row.states,
    naicsPrefixes: row.naicsPrefixes,
    aggregateCap: fromCents(row.aggregateCapCents),
    writtenPremium: fromCents(writtenCents),
    utilization: writtenCents / row.aggregateCapCents,
    currency: CURRENCY,
    createdAt: row.createdAt,
  };
}
