/**
 * Clients: prospects before they become submissions, confined to the principal's org, and the
 * terms and conditions a principal accepted (per version, with the time). Duplicates are judged on
 * the normalised name (lower case, punctuation and legal suffixes dropped) with the state, or on the
 * domain (the host, without scheme or `www.`).
 */
import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Client, ClientDuplicateCheck, CreateClientRequest, TermsStatus, UpdateClientRequest, UsState } from "#contract/types.gen";
import { principalIdOf, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isUniqueViolation } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import { toCents } from "#shared/money";
import type { Page } from "#shared/pagination";
import { acceptanceOf, duplicatesOf, findClient, listClientRows, toClient, type ClientFilters } from "./clients.repo.ts";
import { naicsIssue, STATES } from "./market.service.ts";
import { clients, termsAcceptances } from "./schema.ts";

/** The terms and conditions in force; accepting another version is refused. */
export const TERMS_VERSION = "2026-01";

const LEGAL_SUFFIXES = new Set(["inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "co", "corp", "corporation", "company", "pllc", "pc", "the"]);

/** `"The Acme Roofing Co., LLC"` → `"acme roofing"`. */
export function normalizeName(name: string): string {
  const words = name.toLowerCase().normalize("NFKD").replace(/&/g, " and ").split(/[^a-z0-9]+/).filter(Boolean);
  const kept = words.filter((w) => !LEGAL_SUFFIXES.has(w));
  return (kept.length ? kept : words).join(" ");
}

/** `"https://WWW.Acme.com/about"` → `"acme.com"`; null when it is no host. */
export function normalizeDomain(domain: string): string | null {
  const host = domain.trim().toLowerCase().replace(/^[a-z]+:\/\//, "").split(/[/?#:]/)[0]!.replace(/^www\./, "").replace(/\.$/, "");
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(host) ? host : null;
}

type ClientFields = Partial<Record<keyof UpdateClientRequest, unknown>>;

/** The stored form of the fields sent, or the validation failure. */
function columnsOf(body: ClientFields): Result<Partial<typeof clients.$inferInsert>> {
  const out: Partial<typeof clients.$inferInsert> = {};
  if (body.name !== undefined) {
    if (typeof body.name !== "string" || !body.name) return invalid("name", "required", "name must not be blank");
    out.name = body.name;
    out.normalizedName = normalizeName(body.name);
  }
  if (body.domain !== undefined) {
    if (body.domain === null) out.domain = null;
    else {
      const d = typeof body.domain === "string" ? normalizeDomain(body.domain) : null;
      if (!d) return invalid("domain", "domain", "domain must be a host name such as acme.com");
      out.domain = d;
    }
  }
  if (body.state !== undefined) {
    if (body.state !== null && !STATES.includes(body.state as UsState)) return invalid("state", "enum", "state must be a US state");
    out.state = body.state as UsState | null;
  }
  if (body.naicsCode !== undefined) {
    if (body.naicsCode !== null) {
      const bad = naicsIssue(body.naicsCode);
      if (bad) return bad;
    }
    out.naicsCode = body.naicsCode as string | null;
  }
  if (body.annualRevenue !== undefined) out.annualRevenue = body.annualRevenue === null ? null : toCents(body.annualRevenue as number);
  for (const f of ["contactName", "contactEmail", "notes"] as const) if (body[f] !== undefined) out[f] = body[f] as string | null;
  return ok(out);
}

export async function createClient(db: DrizzleD1Database, principal: Principal, input: CreateClientRequest): Promise<Result<Client>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today(), ["name"]);
  if (!checked.ok) return checked;
  const columns = columnsOf(checked.value);
  if (!columns.ok) return columns;
  const at = clock.now().toISOString();
  const row = {
    id: newId("cli"),
    orgId: principal.orgId,
    name: checked.value.name,
    normalizedName: normalizeName(checked.value.name),
    domain: null,
    state: null,
    naicsCode: null,
    annualRevenue: null,
    contactName: null,
    contactEmail: null,
    notes: null,
    ...columns.value,
    status: "prospect" as const,
    submissionId: null,
    conversionClaim: null,
    conversionClaimedAt: null,
    convertedAt: null,
    createdBy: principalIdOf(principal),
    createdAt: at,
    updatedAt: at,
  };
  await db.insert(clients).values(row).run();
  return ok(toClient(row));
}

export async function getClient(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Client>> {
  const row = await findClient(db, principal.orgId, id);
  return row ? ok(toClient(row)) : notFound("Client");
}

export async function updateClient(db: DrizzleD1Database, principal: Principal, id: string, input: UpdateClientRequest): Promise<Result<Client>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today());
  if (!checked.ok) return checked;
  const columns = columnsOf(checked.value);
  if (!columns.ok) return columns;
  const existing = await findClient(db, principal.orgId, id);
  if (!existing) return notFound("Client");
  const updatedAt = clock.now().toISOString();
  await db.update(clients).set({ ...columns.value, updatedAt }).where(and(eq(clients.orgId, principal.orgId), eq(clients.id, id))).run();
  return getClient(db, principal, id);
}

export function listClients(db: DrizzleD1Database, principal: Principal, query?: Parameters<typeof listClientRows>[2]): Promise<Result<Page<Client>>> {
  return listClientRows(db, principal.orgId, query);
}

export function searchClients(db: DrizzleD1Database, principal: Principal, query?: Parameters<typeof listClientRows>[2] & ClientFilters): Promise<Result<Page<Client>>> {
  if (query?.naicsCode !== undefined && !/^[0-9]{2,6}$/.test(query.naicsCode)) return Promise.resolve(invalid("naicsCode", "pattern", "naicsCode must be 2 to 6 digits"));
  return listClientRows(db, principal.orgId, { ...query, status: undefined, state: undefined });
}

export async function checkDuplicate(db: DrizzleD1Database, principal: Principal, query: { name?: string; state?: string; domain?: string } = {}): Promise<Result<ClientDuplicateCheck>> {
  const name = query.name?.trim();
  const domain = query.domain?.trim() ? normalizeDomain(query.domain) : undefined;
  if (!name && !query.domain?.trim()) return fail("validation_failed", "Give a name or a domain to check", { field: "name", rule: "required" });
  if (domain === null) return invalid("domain", "domain", "domain must be a host name such as acme.com");
  if (query.state !== undefined && !STATES.includes(query.state as UsState)) return invalid("state", "enum", "state must be a US state");
  const rows = await duplicatesOf(db, principal.orgId, { normalizedName: name ? normalizeName(name) : undefined, state: query.state, domain });
  return ok({ duplicate: rows.length > 0, matches: rows.map(toClient) });
}

export async function termsStatus(db: DrizzleD1Database, principal: Principal): Promise<Result<TermsStatus>> {
  const row = await acceptanceOf(db, principal.orgId, principalIdOf(principal), TERMS_VERSION);
  return ok({ currentVersion: TERMS_VERSION, accepted: !!row, acceptedAt: row?.acceptedAt ?? null });
}

/** Record the acceptance once per principal and version; accepting again keeps the first time. */
export async function acceptTerms(db: DrizzleD1Database, principal: Principal, input: { version?: unknown }): Promise<Result<TermsStatus>> {
  if (input?.version !== TERMS_VERSION) {
    return fail("validation_failed", `version must be the current terms version, ${TERMS_VERSION}`, { field: "version", rule: "current_version", currentVersion: TERMS_VERSION });
  }
  try {
    await db
      .insert(termsAcceptances)
      .values({ id: newId("tac"), orgId: principal.orgId, principalId: principalIdOf(principal), version: TERMS_VERSION, acceptedAt: clockOf(principal).now().toISOString() })
      .run();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  return termsStatus(db, principal);
}
