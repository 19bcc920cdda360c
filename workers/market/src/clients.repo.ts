/** Clients and terms acceptances in D1 (drizzle only), and their API shapes. */
import { and, asc, eq, or, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Client } from "#contract/types.gen";
import { listKeyset, type ListQuery } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import { toPage, type Page } from "#shared/pagination";
import { clients, termsAcceptances, type ClientRow } from "./schema.ts";

export function toClient(row: ClientRow): Client {
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    state: row.state,
    naicsCode: row.naicsCode,
    annualRevenue: row.annualRevenue === null ? null : fromCents(row.annualRevenue),
    contactName: row.contactName,
    contactEmail: row.contactEmail,
    notes: row.notes,
    status: row.status,
    submissionId: row.submissionId,
    convertedAt: row.convertedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export const findClient = (db: DrizzleD1Database, orgId: string, id: string): Promise<ClientRow | undefined> =>
  db.select().from(clients).where(and(eq(clients.orgId, orgId), eq(clients.id, id))).get();

/** `%term%` for LIKE, with the wildcards of the term itself escaped. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface ClientFilters {
  status?: string;
  state?: string;
  q?: string;
  naicsCode?: string;
}

export async function listClientRows(db: DrizzleD1Database, orgId: string, query: (ListQuery & ClientFilters & { createdAfter?: string; createdBefore?: string }) | undefined): Promise<Result<Page<Client>>> {
  const keyset = listKeyset(clients, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const pattern = q.q?.trim() ? likePattern(q.q.trim().toLowerCase()) : undefined;
  const filters: (SQL | undefined)[] = [
    eq(clients.orgId, orgId),
    keyset.value.where,
    q.status ? eq(clients.status, q.status as ClientRow["status"]) : undefined,
    q.state ? eq(clients.state, q.state as NonNullable<ClientRow["state"]>) : undefined,
    q.naicsCode ? sql`substr(${clients.naicsCode}, 1, ${q.naicsCode.length}) = ${q.naicsCode}` : undefined,
    pattern ? sql`(lower(${clients.name}) LIKE ${pattern} ESCAPE '\\' OR ${clients.domain} LIKE ${pattern} ESCAPE '\\')` : undefined,
  ];
  const rows = await db.select().from(clients).where(and(...filters)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit).all();
  return ok(toPage(rows, keyset.value.pageSize, toClient));
}

/** The org's clients with the same normalised name in the same state, or the same domain; oldest first. */
export function duplicatesOf(db: DrizzleD1Database, orgId: string, key: { normalizedName?: string; state?: string; domain?: string }): Promise<ClientRow[]> {
  const byName = key.normalizedName ? and(eq(clients.normalizedName, key.normalizedName), key.state ? eq(clients.state, key.state as NonNullable<ClientRow["state"]>) : undefined) : undefined;
  const byDomain = key.domain ? eq(clients.domain, key.domain) : undefined;
  const match = or(byName, byDomain);
  if (!match) return Promise.resolve([]);
  return db.select().from(clients).where(and(eq(clients.orgId, orgId), match)).orderBy(asc(clients.createdAt), asc(clients.id)).limit(20).all();
}

export const acceptanceOf = (db: DrizzleD1Database, orgId: string, principalId: string, version: string) =>
  db
    .select()
    .from(termsAcceptances)
    .where(and(eq(termsAcceptances.orgId, orgId), eq(termsAcceptances.principalId, principalId), eq(termsAcceptances.version, version)))
    .get();
