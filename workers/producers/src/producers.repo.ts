/** Producers and appointments in D1 (drizzle only), and their API shapes. */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Appointment, Producer, UsState } from "#contract/types.gen";
import { listKeyset } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { toPage, type Page, type PageQuery } from "#shared/pagination";
import type { ListProducersQuery } from "#shared/rpc";
import { appointments, producers, type AppointmentRow, type ProducerRow } from "./schema.ts";

export function toProducer(row: ProducerRow): Producer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    npn: row.npn,
    agency: row.agency,
    status: row.status,
    licenses: row.licenses,
    commissionRates: row.commissionRates,
    userId: row.userId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toAppointment(row: AppointmentRow): Appointment {
  return {
    id: row.id,
    producerId: row.producerId,
    carrier: row.carrier,
    state: row.state,
    lines: row.lines,
    status: row.status,
    requestedOn: row.requestedOn,
    activatedOn: row.activatedOn,
    terminatedOn: row.terminatedOn,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function findProducer(db: DrizzleD1Database, orgId: string, id: string): Promise<ProducerRow | undefined> {
  return db.select().from(producers).where(and(eq(producers.orgId, orgId), eq(producers.id, id))).get();
}

export function findProducerByNpn(db: DrizzleD1Database, orgId: string, npn: string): Promise<{ id: string } | undefined> {
  return db.select({ id: producers.id }).from(producers).where(and(eq(producers.orgId, orgId), eq(producers.npn, npn))).get();
}

export function findAppointment(db: DrizzleD1Database, orgId: string, producerId: string, id: string): Promise<AppointmentRow | undefined> {
  return db
    .select()
    .from(appointments)
    .where(and(eq(appointments.orgId, orgId), eq(appointments.producerId, producerId), eq(appointments.id, id)))
    .get();
}

/** The producer's appointments in `state` (any status), for the authority check. */
export function appointmentsIn(db: DrizzleD1Database, orgId: string, producerId: string, state: UsState): Promise<AppointmentRow[]> {
  return db
    .select()
    .from(appointments)
    .where(and(eq(appointments.orgId, orgId), eq(appointments.producerId, producerId), eq(appointments.state, state)))
    .all();
}

/** `%term%` for LIKE, with the wildcards of the term itself escaped. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A license in `state` (any, when undefined) covering `line` (any, when undefined). */
function holdsLicense(state: string | undefined, line: string | undefined): SQL {
  const stateCheck = state ? sql`AND json_extract(l.value, '$.state') = ${state}` : sql``;
  const lineCheck = line ? sql`AND EXISTS (SELECT 1 FROM json_each(json_extract(l.value, '$.lines')) AS x WHERE x.value = ${line})` : sql``;
  return sql`EXISTS (SELECT 1 FROM json_each(${producers.licenses}) AS l WHERE 1 = 1 ${stateCheck} ${lineCheck})`;
}

export async function listProducerRows(db: DrizzleD1Database, orgId: string, query: ListProducersQuery | undefined): Promise<Result<Page<Producer>>> {
  const keyset = listKeyset(producers, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const term = q.search?.trim();
  const pattern = term ? likePattern(term) : undefined;
  const filters: (SQL | undefined)[] = [
    eq(producers.orgId, orgId),
    keyset.value.where,
    q.status ? eq(producers.status, q.status) : undefined,
    q.state || q.line ? holdsLicense(q.state, q.line) : undefined,
    pattern
      ? sql`(${producers.name} LIKE ${pattern} ESCAPE '\\' OR ${producers.email} LIKE ${pattern} ESCAPE '\\' OR ${producers.npn} LIKE ${pattern} ESCAPE '\\' OR ${producers.agency} LIKE ${pattern} ESCAPE '\\')`
      : undefined,
  ];
  const rows = await db
    .select()
    .from(producers)
    .where(and(...filters))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toProducer));
}

export async function listAppointmentRows(db: DrizzleD1Database, orgId: string, producerId: string, query: PageQuery | undefined): Promise<Result<Page<Appointment>>> {
  const keyset = listKeyset(appointments, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(appointments)
    .where(and(eq(appointments.orgId, orgId), eq(appointments.producerId, producerId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toAppointment));
}
