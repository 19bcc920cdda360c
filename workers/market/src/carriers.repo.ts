/** Carriers, their products and appetites in D1 (drizzle only), and their API shapes. */
import { and, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Appetite, Carrier, CarrierProduct, ListAppetitesData, ListCarrierProductsData, ListCarriersData } from "#contract/types.gen";
import { listKeyset } from "#shared/db";
import { ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import { toPage, type Page } from "#shared/pagination";
import { appetites, carrierProducts, carriers, type AppetiteRow, type CarrierProductRow, type CarrierRow } from "./schema.ts";

export type ListCarriersQuery = NonNullable<ListCarriersData["query"]>;
export type ListProductsQuery = NonNullable<ListCarrierProductsData["query"]>;
export type ListAppetitesQuery = NonNullable<ListAppetitesData["query"]>;

const ownerOf = (orgId: string | null) => (orgId === null ? "platform" : "org");

export function toCarrier(row: CarrierRow): Carrier {
  return {
    id: row.id,
    name: row.name,
    naicNumber: row.naicNumber,
    amBestRating: row.amBestRating,
    marketType: row.marketType,
    states: row.states,
    owner: ownerOf(row.orgId),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toProduct(row: CarrierProductRow): CarrierProduct {
  return {
    id: row.id,
    carrierId: row.carrierId,
    name: row.name,
    lineOfBusiness: row.lineOfBusiness,
    states: row.states,
    minLimit: fromCents(row.minLimit),
    maxLimit: fromCents(row.maxLimit),
    minPremium: fromCents(row.minPremium),
    currency: "USD",
    owner: ownerOf(row.orgId),
    createdAt: row.createdAt,
  };
}

export function toAppetite(row: AppetiteRow): Appetite {
  return {
    id: row.id,
    carrierId: row.carrierId,
    lineOfBusiness: row.lineOfBusiness,
    naicsPrefixes: row.naicsPrefixes,
    states: row.states,
    minRevenue: fromCents(row.minRevenue),
    maxRevenue: row.maxRevenue === null ? null : fromCents(row.maxRevenue),
    minLimit: fromCents(row.minLimit),
    maxLimit: fromCents(row.maxLimit),
    minYearsInBusiness: row.minYearsInBusiness,
    appetite: row.appetite,
    owner: ownerOf(row.orgId),
    createdAt: row.createdAt,
  };
}

/** Rows the org sees: the platform's (org_id NULL) and its own. */
const visibleTo = (column: SQLiteColumn, orgId: string): SQL => or(isNull(column), eq(column, orgId))!;

/** Rows of one owner as the org sees them. */
function ownedBy(column: SQLiteColumn, orgId: string, owner: "platform" | "org" | undefined): SQL {
  if (owner === "platform") return isNull(column);
  if (owner === "org") return eq(column, orgId);
  return visibleTo(column, orgId);
}

/** `value` is an element of the JSON array in `column`. */
const jsonHas = (column: SQLiteColumn, value: string): SQL => sql`EXISTS (SELECT 1 FROM json_each(${column}) AS j WHERE j.value = ${value})`;

/** `%term%` for LIKE, with the wildcards of the term itself escaped. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function findCarrier(db: DrizzleD1Database, orgId: string, id: string): Promise<CarrierRow | undefined> {
  return db.select().from(carriers).where(and(eq(carriers.id, id), visibleTo(carriers.orgId, orgId))).get();
}

export function productsOf(db: DrizzleD1Database, orgId: string, carrierId: string): Promise<CarrierProductRow[]> {
  return db
    .select()
    .from(carrierProducts)
    .where(and(eq(carrierProducts.carrierId, carrierId), visibleTo(carrierProducts.orgId, orgId)))
    .orderBy(carrierProducts.createdAt, carrierProducts.id)
    .all();
}

export async function listCarrierRows(db: DrizzleD1Database, orgId: string, query: ListCarriersQuery | undefined): Promise<Result<Page<Carrier>>> {
  const keyset = listKeyset(carriers, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const term = q.search?.trim();
  const pattern = term ? likePattern(term) : undefined;
  const rows = await db
    .select()
    .from(carriers)
    .where(
      and(
        ownedBy(carriers.orgId, orgId, q.owner),
        keyset.value.where,
        q.state ? jsonHas(carriers.states, q.state) : undefined,
        q.marketType ? eq(carriers.marketType, q.marketType) : undefined,
        q.lineOfBusiness
          ? sql`EXISTS (SELECT 1 FROM carrier_products p WHERE p.carrier_id = ${carriers.id} AND p.line_of_business = ${q.lineOfBusiness} AND (p.org_id IS NULL OR p.org_id = ${orgId}))`
          : undefined,
        pattern ? sql`(${carriers.name} LIKE ${pattern} ESCAPE '\\' OR ${carriers.naicNumber} = ${term})` : undefined,
      ),
    )
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toCarrier));
}

export async function listProductRows(db: DrizzleD1Database, orgId: string, query: ListProductsQuery | undefined): Promise<Result<Page<CarrierProduct>>> {
  const keyset = listKeyset(carrierProducts, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const rows = await db
    .select()
    .from(carrierProducts)
    .where(
      and(
        visibleTo(carrierProducts.orgId, orgId),
        keyset.value.where,
        q.carrierId ? eq(carrierProducts.carrierId, q.carrierId) : undefined,
        q.lineOfBusiness ? eq(carrierProducts.lineOfBusiness, q.lineOfBusiness) : undefined,
        q.state ? jsonHas(carrierProducts.states, q.state) : undefined,
      ),
    )
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toProduct));
}

export async function listAppetiteRows(db: DrizzleD1Database, orgId: string, query: ListAppetitesQuery | undefined): Promise<Result<Page<Appetite>>> {
  const keyset = listKeyset(appetites, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  // A prefix of the code given, or the code given a prefix of the appetite's (`23` finds `2381` and `2381` finds `23`).
  const naics = q.naicsCode
    ? sql`EXISTS (SELECT 1 FROM json_each(${appetites.naicsPrefixes}) AS n WHERE substr(${q.naicsCode}, 1, length(n.value)) = n.value OR substr(n.value, 1, length(${q.naicsCode})) = ${q.naicsCode})`
    : undefined;
  const rows = await db
    .select()
    .from(appetites)
    .where(
      and(
        ownedBy(appetites.orgId, orgId, q.owner),
        keyset.value.where,
        q.carrierId ? eq(appetites.carrierId, q.carrierId) : undefined,
        q.lineOfBusiness ? eq(appetites.lineOfBusiness, q.lineOfBusiness) : undefined,
        q.appetite ? eq(appetites.appetite, q.appetite) : undefined,
        q.state ? sql`(json_array_length(${appetites.states}) = 0 OR ${jsonHas(appetites.states, q.state)})` : undefined,
        naics,
      ),
    )
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toAppetite));
}

/** Everything the org's matching reads: its visible carriers, products and appetites. */
export async function marketOf(db: DrizzleD1Database, orgId: string): Promise<{ carriers: CarrierRow[]; products: CarrierProductRow[]; appetites: AppetiteRow[] }> {
  const [c, p, a] = await Promise.all([
    db.select().from(carriers).where(visibleTo(carriers.orgId, orgId)).all(),
    db.select().from(carrierProducts).where(visibleTo(carrierProducts.orgId, orgId)).all(),
    db.select().from(appetites).where(visibleTo(appetites.orgId, orgId)).all(),
  ]);
  return { carriers: c, products: p, appetites: a };
}
