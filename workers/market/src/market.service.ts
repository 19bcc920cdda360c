/**
 * The market finder's use cases: carriers, products and appetites (the platform's reference rows
 * and the org's own, its own seen by it alone), and matching a risk against them. Confined to
 * `principal.orgId`; input is checked again here after the gateway's contract validation.
 */
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type {
  Appetite,
  Carrier,
  CarrierMatchResult,
  CarrierProduct,
  CarrierSearchResult,
  CreateAppetiteRequest,
  CreateCarrierRequest,
  JurisdictionsRequest,
  JurisdictionsResult,
  LineOfBusiness,
  MarketProfile,
  ProductLinesRequest,
  ProductLinesResult,
  SimilarBusinessesRequest,
  SimilarBusinessesResult,
  UsState,
} from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { atomically } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import { fromCents, toCents } from "#shared/money";
import type { Page } from "#shared/pagination";
import type { SimilarSubmissionFacts } from "#shared/rpc";
import { US_STATES } from "#shared/acord125";
import {
  findCarrier,
  listAppetiteRows,
  listCarrierRows,
  listProductRows,
  marketOf,
  productsOf,
  toAppetite,
  toCarrier,
  toProduct,
  type ListAppetitesQuery,
  type ListCarriersQuery,
  type ListProductsQuery,
} from "./carriers.repo.ts";
import { matchAll, type RiskProfile } from "./matching.ts";
import { isNaicsCode, isNaicsPrefix, naicsEntry, sharedPrefix } from "./naics.ts";
import { appetites, carrierProducts, carriers } from "./schema.ts";

export const LINES: readonly LineOfBusiness[] = ["GL", "PROP", "CA"];
export const STATES = Object.keys(US_STATES) as UsState[];
const RATINGS = ["A++", "A+", "A", "A-", "B++", "B+", "B", "B-"] as const;
const LEVELS = ["preferred", "acceptable", "decline"] as const;

const enumIssue = (value: unknown, allowed: readonly string[], field: string) =>
  value === undefined || allowed.includes(value as string) ? null : invalid(field, "enum", `${field} must be one of ${allowed.join(", ")}`);

const statesIssue = (value: unknown, field: string) => {
  if (value === undefined) return null;
  if (!Array.isArray(value)) return invalid(field, "type", `${field} must be a list of states`);
  const bad = value.findIndex((s) => !STATES.includes(s as UsState));
  if (bad >= 0) return invalid(`${field}.${bad}`, "enum", `${field}.${bad} is not a US state`);
  if (new Set(value).size !== value.length) return invalid(field, "unique", `${field} lists a state twice`);
  return null;
};

/** A NAICS code that must be on the official list: 400 naming the field otherwise. */
export const naicsIssue = (code: unknown, field = "naicsCode") =>
  isNaicsCode(code) ? null : invalid(field, "naics_code", `${field} ${typeof code === "string" ? code : ""} is not a code of the 2017 NAICS list`.replace("  ", " "));

/** A matcher's risk from an API profile (major units → cents); the NAICS code checked against the official list. */
export function toRisk(input: Partial<MarketProfile> | null | undefined, today: string): Result<RiskProfile> {
  const checked = checkInput(input ?? {}, today, ["naicsCode", "state", "lineOfBusiness", "annualRevenue", "requestedLimit"]);
  if (!checked.ok) return checked;
  const p = checked.value as MarketProfile;
  const bad =
    naicsIssue(p.naicsCode) ??
    enumIssue(p.state, STATES, "state") ??
    enumIssue(p.lineOfBusiness, LINES, "lineOfBusiness") ??
    (p.yearsInBusiness !== undefined && (!Number.isInteger(p.yearsInBusiness) || p.yearsInBusiness < 0) ? invalid("yearsInBusiness", "integer", "yearsInBusiness must be a whole number of years") : null) ??
    (!(p.requestedLimit > 0) ? invalid("requestedLimit", "positive", "requestedLimit must be above 0") : null);
  if (bad) return bad;
  return ok({
    naicsCode: p.naicsCode,
    state: p.state,
    lineOfBusiness: p.lineOfBusiness,
    annualRevenueCents: toCents(p.annualRevenue)!,
    requestedLimitCents: toCents(p.requestedLimit)!,
    ...(p.yearsInBusiness !== undefined ? { yearsInBusiness: p.yearsInBusiness } : {}),
  });
}

const profileOf = (risk: RiskProfile): MarketProfile => ({
  naicsCode: risk.naicsCode,
  state: risk.state,
  lineOfBusiness: risk.lineOfBusiness,
  annualRevenue: fromCents(risk.annualRevenueCents),
  requestedLimit: fromCents(risk.requestedLimitCents),
  ...(risk.yearsInBusiness !== undefined ? { yearsInBusiness: risk.yearsInBusiness } : {}),
});

export const listCarriers = (db: DrizzleD1Database, principal: Principal, query?: ListCarriersQuery): Promise<Result<Page<Carrier>>> => listCarrierRows(db, principal.orgId, query);
export const listProducts = (db: DrizzleD1Database, principal: Principal, query?: ListProductsQuery): Promise<Result<Page<CarrierProduct>>> => listProductRows(db, principal.orgId, query);

export async function listAppetites(db: DrizzleD1Database, principal: Principal, query?: ListAppetitesQuery): Promise<Result<Page<Appetite>>> {
  if (query?.naicsCode !== undefined && !/^[0-9]{2,6}$/.test(query.naicsCode)) return invalid("naicsCode", "pattern", "naicsCode must be 2 to 6 digits");
  return listAppetiteRows(db, principal.orgId, query);
}

export async function getCarrier(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Carrier & { products: CarrierProduct[] }>> {
  const row = await findCarrier(db, principal.orgId, id);
  if (!row) return notFound("Carrier");
  const products = await productsOf(db, principal.orgId, id);
  return ok({ ...toCarrier(row), products: products.map(toProduct) });
}

export async function createCarrier(db: DrizzleD1Database, principal: Principal, input: CreateCarrierRequest): Promise<Result<Carrier>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today(), ["name", "naicNumber", "amBestRating", "marketType", "states"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  const products = body.products ?? [];
  const bad =
    (/^[0-9]{5}$/.test(body.naicNumber) ? null : invalid("naicNumber", "pattern", "naicNumber must be five digits")) ??
    enumIssue(body.amBestRating, RATINGS, "amBestRating") ??
    enumIssue(body.marketType, ["admitted", "surplus"], "marketType") ??
    statesIssue(body.states, "states") ??
    (body.states.length === 0 ? invalid("states", "min_items", "states must name at least one state") : null) ??
    products.map((p, i) => productIssue(p, i, body.states)).find((x) => x !== null) ??
    null;
  if (bad) return bad;
  const at = clock.now().toISOString();
  const row = { id: newId("car"), orgId: principal.orgId, name: body.name, naicNumber: body.naicNumber, amBestRating: body.amBestRating, marketType: body.marketType, states: body.states, createdAt: at, updatedAt: at };
  const productRows = products.map((p) => ({
    id: newId("cpr"),
    orgId: principal.orgId,
    carrierId: row.id,
    name: p.name,
    lineOfBusiness: p.lineOfBusiness,
    states: p.states ?? body.states,
    minLimit: toCents(p.minLimit)!,
    maxLimit: toCents(p.maxLimit)!,
    minPremium: toCents(p.minPremium)!,
    createdAt: at,
  }));
  await atomically(db, [db.insert(carriers).values(row), ...productRows.map((p) => db.insert(carrierProducts).values(p))]);
  return ok(toCarrier(row));
}

function productIssue(p: NonNullable<CreateCarrierRequest["products"]>[number], i: number, carrierStates: UsState[]) {
  const at = `products.${i}`;
  const bad = enumIssue(p.lineOfBusiness, LINES, `${at}.lineOfBusiness`) ?? statesIssue(p.states, `${at}.states`);
  if (bad) return bad;
  const outside = (p.states ?? []).find((s) => !carrierStates.includes(s));
  if (outside) return invalid(`${at}.states`, "carrier_states", `${at}.states names ${outside}, where the carrier does not write`);
  if (!(p.minLimit > 0) || !(p.maxLimit > 0)) return invalid(`${at}.minLimit`, "positive", `${at} limits must be above 0`);
  if (p.maxLimit < p.minLimit) return invalid(`${at}.maxLimit`, "band", `${at}.maxLimit must not be below minLimit`);
  return null;
}

export async function createAppetite(db: DrizzleD1Database, principal: Principal, input: CreateAppetiteRequest): Promise<Result<Appetite>> {
  const clock = clockOf(principal);
  const checked = checkInput(input, clock.today(), ["carrierId", "lineOfBusiness", "naicsPrefixes", "appetite"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  const prefixes = Array.isArray(body.naicsPrefixes) ? body.naicsPrefixes : [];
  const badPrefix = prefixes.findIndex((p) => !isNaicsPrefix(p));
  const bad =
    enumIssue(body.lineOfBusiness, LINES, "lineOfBusiness") ??
    enumIssue(body.appetite, LEVELS, "appetite") ??
    (prefixes.length === 0 ? invalid("naicsPrefixes", "min_items", "naicsPrefixes must name at least one NAICS prefix") : null) ??
    (badPrefix >= 0 ? invalid(`naicsPrefixes.${badPrefix}`, "naics_code", `naicsPrefixes.${badPrefix} starts no code of the 2017 NAICS list`) : null) ??
    statesIssue(body.states, "states") ??
    (body.maxRevenue !== undefined && body.maxRevenue < (body.minRevenue ?? 0) ? invalid("maxRevenue", "band", "maxRevenue must not be below minRevenue") : null) ??
    (body.maxLimit !== undefined && body.maxLimit < (body.minLimit ?? 0) ? invalid("maxLimit", "band", "maxLimit must not be below minLimit") : null);
  if (bad) return bad;
  const carrier = await findCarrier(db, principal.orgId, body.carrierId);
  if (!carrier) return fail("not_found", "Carrier not found", { field: "carrierId" });
  const row = {
    id: newId("ape"),
    orgId: principal.orgId,
    carrierId: carrier.id,
    lineOfBusiness: body.lineOfBusiness,
    naicsPrefixes: [...new Set(prefixes)],
    states: body.states ?? [],
    minRevenue: toCents(body.minRevenue ?? 0)!,
    maxRevenue: body.maxRevenue === undefined ? null : toCents(body.maxRevenue)!,
    minLimit: toCents(body.minLimit ?? 0)!,
    maxLimit: toCents(body.maxLimit ?? 1_000_000_000)!,
    minYearsInBusiness: body.minYearsInBusiness ?? 0,
    appetite: body.appetite,
    createdAt: clock.now().toISOString(),
  };
  await db.insert(appetites).values(row).run();
  return ok(toAppetite(row));
}

const titleOf = (code: string) => naicsEntry(code)?.title ?? "";

export async function matchDetailed(db: DrizzleD1Database, principal: Principal, input: MarketProfile): Promise<Result<CarrierMatchResult>> {
  const risk = toRisk(input, clockOf(principal).today());
  if (!risk.ok) return risk;
  const data = matchAll(await marketOf(db, principal.orgId), risk.value);
  return ok({ profile: profileOf(risk.value), naicsTitle: titleOf(risk.value.naicsCode), eligibleCount: data.filter((m) => m.eligible).length, data });
}

export async function search(db: DrizzleD1Database, principal: Principal, input: MarketProfile): Promise<Result<CarrierSearchResult>> {
  const matched = await matchDetailed(db, principal, input);
  if (!matched.ok) return matched;
  const { profile, naicsTitle, data } = matched.value;
  return ok({ profile, naicsTitle, data: data.filter((m) => m.eligible) });
}

export async function jurisdictions(db: DrizzleD1Database, principal: Principal, input: JurisdictionsRequest): Promise<Result<JurisdictionsResult>> {
  const today = clockOf(principal).today();
  const base = toRisk({ ...(input ?? {}), state: "CA" } as MarketProfile, today);
  if (!base.ok) return base;
  const market = await marketOf(db, principal.orgId);
  const data = [];
  for (const state of STATES) {
    const eligible = matchAll(market, { ...base.value, state }).filter((m) => m.eligible);
    if (eligible.length) data.push({ state, carrierCount: eligible.length, topScore: eligible[0]!.score });
  }
  return ok({ data });
}

export async function productLines(db: DrizzleD1Database, principal: Principal, input: ProductLinesRequest): Promise<Result<ProductLinesResult>> {
  const today = clockOf(principal).today();
  const base = toRisk({ ...(input ?? {}), lineOfBusiness: "GL" } as MarketProfile, today);
  if (!base.ok) return base;
  const market = await marketOf(db, principal.orgId);
  const data = [];
  for (const lineOfBusiness of LINES) {
    const eligible = matchAll(market, { ...base.value, lineOfBusiness }).filter((m) => m.eligible);
    if (eligible.length) {
      data.push({ lineOfBusiness, carrierCount: eligible.length, topScore: eligible[0]!.score, lowestMinPremium: Math.min(...eligible.map((m) => m.minPremium ?? 0)) });
    }
  }
  return ok({ data });
}

const OUTCOME: Record<string, SimilarBusinessesResult["data"][number]["outcome"]> = { bound: "bound", quoted: "quoted", declined: "declined", referred: "referred" };

/**
 * The org's past submissions nearest a profile: similarity = 0.6 × shared NAICS prefix / 6 + 0.2 for
 * the same state + 0.2 × revenue closeness (1 − |log10 ratio| / 2, floored at 0). Only those sharing
 * at least the NAICS sector count; ties by newest, then id.
 */
export function similarBusinesses(input: SimilarBusinessesRequest, submissions: readonly SimilarSubmissionFacts[], today: string): Result<SimilarBusinessesResult> {
  const checked = checkInput(input ?? {}, today, ["naicsCode", "state", "annualRevenue"]);
  if (!checked.ok) return checked;
  const q = checked.value;
  const bad = naicsIssue(q.naicsCode) ?? enumIssue(q.state, STATES, "state") ?? enumIssue(q.lineOfBusiness, LINES, "lineOfBusiness");
  if (bad) return bad;
  const limit = q.limit ?? 10;
  const revenue = Math.max(q.annualRevenue, 1);
  const data = submissions
    .filter((s) => !q.lineOfBusiness || s.lineOfBusiness === q.lineOfBusiness)
    .map((s) => {
      const shared = sharedPrefix(s.naicsCode, q.naicsCode);
      const closeness = Math.max(0, 1 - Math.abs(Math.log10(Math.max(s.annualRevenue, 1) / revenue)) / 2);
      const similarity = Math.round((0.6 * (shared / 6) + (s.state === q.state ? 0.2 : 0) + 0.2 * closeness) * 1000) / 1000;
      return { s, shared, similarity };
    })
    .filter((x) => x.shared >= 2)
    .sort((a, b) => b.similarity - a.similarity || b.s.createdAt.localeCompare(a.s.createdAt) || a.s.id.localeCompare(b.s.id))
    .slice(0, limit)
    .map(({ s, similarity }) => ({
      submissionId: s.id,
      insuredName: s.insuredName,
      naicsCode: s.naicsCode,
      state: s.state,
      lineOfBusiness: s.lineOfBusiness,
      annualRevenue: s.annualRevenue,
      similarity,
      outcome: s.policyId ? "bound" : (OUTCOME[s.status] ?? "open"),
      premium: s.premium?.premium ?? null,
      premiumSource: s.premium?.source ?? null,
      currency: "USD" as const,
      policyId: s.policyId,
      createdAt: s.createdAt,
    }));
  return ok({ data });
}
