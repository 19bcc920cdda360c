/**
 * Carrier matching: every carrier the org sees judged against a risk, pure and deterministic.
 *
 * A carrier is excluded when it does not write the state, has no product for the line there, the
 * requested limit lies outside the product's limits, none of its appetites for the line covers the
 * NAICS code in the state, the appetite that does is `decline`, or the revenue, limit or years in
 * business fall outside that appetite's bands. The deciding appetite is the one with the longest
 * matching NAICS prefix (an org's own before the platform's at equal length, then by id).
 *
 * An eligible carrier scores 0–100 as the sum of five criteria: appetite (preferred 40, acceptable
 * 25), class specificity (20 × prefix length / 6), revenue fit (15 inside the middle half of the
 * band on a log scale, 8 elsewhere in it), limit fit (10 at or below half the appetite's maximum,
 * 5 above), financial strength (AM Best: A++ 15, A+ 13, A 11, A- 9, B++ 6, B+ 4, lower 2). The
 * ranking: score, then AM Best rating, then name, then id.
 */
import type { AmBestRating, CarrierMatch, LineOfBusiness, MatchCriterion, MatchExclusion, UsState } from "#contract/types.gen";
import { fromCents } from "#shared/money";
import { toAppetite, toCarrier } from "./carriers.repo.ts";
import type { AppetiteRow, CarrierProductRow, CarrierRow } from "./schema.ts";

/** A risk in cents, as the matcher reads it. */
export interface RiskProfile {
  naicsCode: string;
  state: UsState;
  lineOfBusiness: LineOfBusiness;
  annualRevenueCents: number;
  requestedLimitCents: number;
  yearsInBusiness?: number;
}

export interface Market {
  carriers: CarrierRow[];
  products: CarrierProductRow[];
  appetites: AppetiteRow[];
}

export const AM_BEST_POINTS: Record<AmBestRating, number> = { "A++": 15, "A+": 13, A: 11, "A-": 9, "B++": 6, "B+": 4, B: 2, "B-": 2 };

const money = (cents: number) => `$${fromCents(cents).toLocaleString("en-US")}`;
const round2 = (v: number) => Math.round(v * 100) / 100;

/** The longest prefix of `code` among `prefixes`, or 0 when none matches. */
const matchLength = (prefixes: readonly string[], code: string) => Math.max(0, ...prefixes.filter((p) => code.startsWith(p)).map((p) => p.length));

/** Between two appetites of equal prefix length: the org's own before the platform's, then by id. */
function beforeAtEqualLength(a: AppetiteRow, b: AppetiteRow): boolean {
  const ownA = a.orgId !== null;
  const ownB = b.orgId !== null;
  return ownA !== ownB ? ownA : a.id < b.id;
}

/** The deciding appetite of one carrier for a risk: the longest NAICS prefix holding in the state. */
export function decidingAppetite(rows: readonly AppetiteRow[], carrier: CarrierRow, risk: RiskProfile): { row: AppetiteRow; length: number } | null {
  let best: { row: AppetiteRow; length: number } | null = null;
  for (const row of rows) {
    if (row.carrierId !== carrier.id || row.lineOfBusiness !== risk.lineOfBusiness) continue;
    if (row.states.length > 0 && !row.states.includes(risk.state)) continue;
    const length = matchLength(row.naicsPrefixes, risk.naicsCode);
    if (length === 0) continue;
    if (!best || length > best.length || (length === best.length && beforeAtEqualLength(row, best.row))) best = { row, length };
  }
  return best;
}

/** One carrier judged. */
export function judge(market: Market, carrier: CarrierRow, risk: RiskProfile): CarrierMatch {
  const exclusions: MatchExclusion[] = [];
  const criteria: MatchCriterion[] = [];
  const product =
    market.products
      .filter((p) => p.carrierId === carrier.id && p.lineOfBusiness === risk.lineOfBusiness && p.states.includes(risk.state))
      .sort((a, b) => a.minPremium - b.minPremium || a.id.localeCompare(b.id))[0] ?? null;
  const decided = decidingAppetite(market.appetites, carrier, risk);
  const appetite = decided?.row ?? null;

  if (!carrier.states.includes(risk.state)) exclusions.push({ criterion: "state", reason: `${carrier.name} does not write in ${risk.state}` });
  if (!product) {
    exclusions.push({ criterion: "product", reason: `No ${risk.lineOfBusiness} product in ${risk.state}` });
  } else if (risk.requestedLimitCents < product.minLimit || risk.requestedLimitCents > product.maxLimit) {
    exclusions.push({ criterion: "limit", reason: `Requested limit ${money(risk.requestedLimitCents)} is outside the product's ${money(product.minLimit)}–${money(product.maxLimit)}` });
  }
  if (!appetite) {
    exclusions.push({ criterion: "class", reason: `No ${risk.lineOfBusiness} appetite covers NAICS ${risk.naicsCode} in ${risk.state}` });
  } else {
    if (appetite.appetite === "decline") exclusions.push({ criterion: "appetite", reason: `NAICS ${risk.naicsCode} is declined (appetite ${appetite.id}, prefix of ${decided!.length} digits)` });
    if (risk.annualRevenueCents < appetite.minRevenue || (appetite.maxRevenue !== null && risk.annualRevenueCents > appetite.maxRevenue)) {
      exclusions.push({
        criterion: "revenue",
        reason: `Revenue ${money(risk.annualRevenueCents)} is outside the appetite's ${money(appetite.minRevenue)}–${appetite.maxRevenue === null ? "no maximum" : money(appetite.maxRevenue)}`,
      });
    }
    if (appetite.appetite !== "decline" && (risk.requestedLimitCents < appetite.minLimit || risk.requestedLimitCents > appetite.maxLimit)) {
      exclusions.push({ criterion: "limit", reason: `Requested limit ${money(risk.requestedLimitCents)} is outside the appetite's ${money(appetite.minLimit)}–${money(appetite.maxLimit)}` });
    }
    if (appetite.minYearsInBusiness > 0) {
      if (risk.yearsInBusiness === undefined) {
        exclusions.push({ criterion: "years_in_business", reason: `The appetite needs at least ${appetite.minYearsInBusiness} years in business, and none were given` });
      } else if (risk.yearsInBusiness < appetite.minYearsInBusiness) {
        exclusions.push({ criterion: "years_in_business", reason: `${risk.yearsInBusiness} years in business is below the appetite's ${appetite.minYearsInBusiness}` });
      }
    }
  }

  const eligible = exclusions.length === 0;
  if (eligible && appetite && decided) {
    const level = appetite.appetite === "preferred" ? 40 : 25;
    criteria.push({ criterion: "appetite", points: level, maxPoints: 40, detail: `${appetite.appetite} (appetite ${appetite.id})` });
    criteria.push({ criterion: "class_specificity", points: round2((20 * decided.length) / 6), maxPoints: 20, detail: `NAICS prefix of ${decided.length} of 6 digits` });
    criteria.push(revenueFit(appetite, risk.annualRevenueCents));
    const half = appetite.maxLimit / 2;
    criteria.push(
      risk.requestedLimitCents <= half
        ? { criterion: "limit_fit", points: 10, maxPoints: 10, detail: `Requested limit at or below half the appetite's ${money(appetite.maxLimit)}` }
        : { criterion: "limit_fit", points: 5, maxPoints: 10, detail: `Requested limit above half the appetite's ${money(appetite.maxLimit)}` },
    );
    criteria.push({ criterion: "financial_strength", points: AM_BEST_POINTS[carrier.amBestRating], maxPoints: 15, detail: `AM Best ${carrier.amBestRating}` });
  }
  const score = eligible ? round2(criteria.reduce((s, c) => s + c.points, 0)) : 0;
  return {
    carrier: toCarrier(carrier),
    score,
    eligible,
    productId: product?.id ?? null,
    appetiteId: appetite?.id ?? null,
    appetite: appetite ? toAppetite(appetite).appetite : null,
    minPremium: product ? fromCents(product.minPremium) : null,
    criteria,
    exclusions,
  };
}

/** Revenue inside the middle half of the appetite's band (log scale; an open band ends at 10× its minimum, at least $1M). */
function revenueFit(appetite: AppetiteRow, revenueCents: number): MatchCriterion {
  const lo = Math.max(appetite.minRevenue, 10_000_00);
  const hi = appetite.maxRevenue ?? Math.max(appetite.minRevenue * 10, 1_000_000_00);
  const at = Math.log(Math.max(revenueCents, 1));
  const [l, h] = [Math.log(Math.max(lo, 1)), Math.log(Math.max(hi, lo + 1))];
  const position = (at - l) / (h - l);
  return position >= 0.25 && position <= 0.75
    ? { criterion: "revenue_fit", points: 15, maxPoints: 15, detail: "Revenue in the middle of the appetite's band" }
    : { criterion: "revenue_fit", points: 8, maxPoints: 15, detail: "Revenue toward an edge of the appetite's band" };
}

const RATING_ORDER: AmBestRating[] = ["A++", "A+", "A", "A-", "B++", "B+", "B", "B-"];

/** The deterministic order: eligible by score, AM Best, name, id; then the excluded by name, id. */
export function compareMatches(a: CarrierMatch, b: CarrierMatch): number {
  if (a.eligible !== b.eligible) return a.eligible ? -1 : 1;
  const byId = a.carrier.id < b.carrier.id ? -1 : a.carrier.id > b.carrier.id ? 1 : 0;
  if (!a.eligible) return a.carrier.name.localeCompare(b.carrier.name, "en") || byId;
  return (
    b.score - a.score ||
    RATING_ORDER.indexOf(a.carrier.amBestRating) - RATING_ORDER.indexOf(b.carrier.amBestRating) ||
    a.carrier.name.localeCompare(b.carrier.name, "en") ||
    byId
  );
}

/** Every carrier of the market judged, in the deterministic order. */
export function matchAll(market: Market, risk: RiskProfile): CarrierMatch[] {
  return market.carriers.map((c) => judge(market, c, risk)).sort(compareMatches);
}
