/**
 * The facts an underwriting rule (the market worker's rule studio) is judged on: the documented
 * context schema of DECISIONS.md, "Market finder, classification, rules". A rule's JsonLogic may
 * read only the variables listed in {@link RULE_CONTEXT_SCHEMA} (`{"var": "submission.state"}`);
 * anything else is refused when the rule is saved. Underwriting builds the context of a quote with
 * {@link ruleContextOf}, so the studio's `execute` and `simulate` see exactly what quoting sees.
 *
 * Money is in major units (as the API shows it), so a rule reads `annualRevenue > 5000000` the way
 * an underwriter writes it.
 */

/** The type of one context variable; `null` is allowed for each nullable one. */
export type RuleVariableType = "string" | "number" | "boolean";

export interface RuleVariable {
  type: RuleVariableType;
  nullable: boolean;
  description: string;
}

/** Every variable a rule may read, by its dotted path. */
export const RULE_CONTEXT_SCHEMA = {
  "submission.lineOfBusiness": { type: "string", nullable: false, description: "GL, PROP or CA" },
  "submission.naicsCode": { type: "string", nullable: false, description: "the six-digit 2017 NAICS code" },
  "submission.naicsSector": { type: "string", nullable: false, description: "the NAICS code's first two digits" },
  "submission.state": { type: "string", nullable: false, description: "two-letter US state (or DC) of the risk" },
  "submission.effectiveDate": { type: "string", nullable: false, description: "YYYY-MM-DD start of cover" },
  "submission.annualRevenue": { type: "number", nullable: false, description: "annual revenue, USD" },
  "submission.requestedLimit": { type: "number", nullable: false, description: "requested limit, USD" },
  "submission.deductible": { type: "number", nullable: true, description: "deductible, USD" },
  "submission.propertyValues": { type: "number", nullable: true, description: "insured property values, USD (PROP)" },
  "submission.vehicleCount": { type: "number", nullable: true, description: "vehicles (CA)" },
  "submission.hazmat": { type: "boolean", nullable: false, description: "the motor carrier hauls hazardous materials (CA)" },
  "submission.yearsInBusiness": { type: "number", nullable: true, description: "years in business" },
  "submission.priorLossCount": { type: "number", nullable: false, description: "prior losses listed" },
  "submission.priorLossTotal": { type: "number", nullable: false, description: "sum of the prior losses, USD" },
  "submission.insuredName": { type: "string", nullable: false, description: "the insured's name" },
  "submission.insuredEmail": { type: "string", nullable: true, description: "the insured's email" },
  "submission.insuredPhone": { type: "string", nullable: true, description: "the insured's phone" },
  "submission.producerId": { type: "string", nullable: true, description: "the producer named on the submission" },
  "quote.grossPremium": { type: "number", nullable: true, description: "the rated gross premium before any rule's surcharge, USD (null outside a quote)" },
  "quote.basePremium": { type: "number", nullable: true, description: "the base premium before factors, USD (null outside a quote)" },
  "quote.rateTableVersion": { type: "string", nullable: true, description: "the rate table that rated it (null outside a quote)" },
} as const satisfies Record<string, RuleVariable>;

export type RuleVariableName = keyof typeof RULE_CONTEXT_SCHEMA;

/**
 * The submission fields a `require` rule may demand (each a nullable variable above): when the
 * rule's condition holds and the field is empty, the quote is refused as not ready, naming it.
 */
export const REQUIRABLE_FIELDS = ["deductible", "propertyValues", "vehicleCount", "yearsInBusiness", "insuredEmail", "insuredPhone", "producerId"] as const;
export type RequirableField = (typeof REQUIRABLE_FIELDS)[number];

/** A rule's context, as JsonLogic reads it. */
export interface RuleContext {
  submission: {
    id: string | null;
    lineOfBusiness: string;
    naicsCode: string;
    naicsSector: string;
    state: string;
    effectiveDate: string;
    annualRevenue: number;
    requestedLimit: number;
    deductible: number | null;
    propertyValues: number | null;
    vehicleCount: number | null;
    hazmat: boolean;
    yearsInBusiness: number | null;
    priorLossCount: number;
    priorLossTotal: number;
    insuredName: string;
    insuredEmail: string | null;
    insuredPhone: string | null;
    producerId: string | null;
  };
  quote: { grossPremium: number | null; basePremium: number | null; rateTableVersion: string | null };
}

/** What {@link ruleContextOf} reads of a submission (the API shape, money in major units). */
export interface RuleSubject {
  id?: string | null;
  lineOfBusiness: string;
  naicsCode: string;
  state: string;
  effectiveDate: string;
  annualRevenue: number;
  requestedLimit: number;
  deductible: number | null;
  propertyValues: number | null;
  vehicleCount: number | null;
  hazmat: boolean;
  yearsInBusiness: number | null;
  priorLosses: { amount: number }[];
  insuredName: string;
  insuredEmail: string | null;
  insured?: { phone?: string | null } | null;
  producerId: string | null;
}

/** A submission (and its rating, in a quote) as a rule's context. */
export function ruleContextOf(sub: RuleSubject, quote?: { grossPremium: number; basePremium: number; rateTableVersion: string } | null): RuleContext {
  // Losses are summed in cents, so the total is the exact sum of two-decimal amounts.
  const lossCents = sub.priorLosses.reduce((s, l) => s + Math.round(l.amount * 100), 0);
  return {
    submission: {
      id: sub.id ?? null,
      lineOfBusiness: sub.lineOfBusiness,
      naicsCode: sub.naicsCode,
      naicsSector: sub.naicsCode.slice(0, 2),
      state: sub.state,
      effectiveDate: sub.effectiveDate,
      annualRevenue: sub.annualRevenue,
      requestedLimit: sub.requestedLimit,
      deductible: sub.deductible,
      propertyValues: sub.propertyValues,
      vehicleCount: sub.vehicleCount,
      hazmat: sub.hazmat,
      yearsInBusiness: sub.yearsInBusiness,
      priorLossCount: sub.priorLosses.length,
      priorLossTotal: lossCents / 100,
      insuredName: sub.insuredName,
      insuredEmail: sub.insuredEmail,
      insuredPhone: sub.insured?.phone ?? null,
      producerId: sub.producerId,
    },
    quote: quote ? { grossPremium: quote.grossPremium, basePremium: quote.basePremium, rateTableVersion: quote.rateTableVersion } : { grossPremium: null, basePremium: null, rateTableVersion: null },
  };
}

/** A rule's action: what holding its condition does to a quote. */
export type RuleAction =
  | { type: "decline"; reason?: string }
  | { type: "refer"; reason?: string }
  | { type: "surcharge"; factor: number; reason?: string }
  | { type: "require"; field: RequirableField; reason?: string };

/** The bounds of a surcharge factor (a credit below 1, a surcharge above). */
export const SURCHARGE_FACTOR_MIN = 0.5;
export const SURCHARGE_FACTOR_MAX = 3;

/** One step of a rule's evaluation: an operator node, where it sits, and what it gave. */
export interface RuleTraceStep {
  /** Dotted path inside `condition` (`and.1`), `""` for the root. */
  path: string;
  operator: string;
  /** The node's value (JSON), for a comparison `true`/`false`. */
  result: string | number | boolean | null;
  /** The values the node read, by variable name. */
  variables?: Record<string, string | number | boolean | null>;
}

/** One enabled rule judged against a context. */
export interface RuleEvaluation {
  ruleId: string | null;
  version: number | null;
  name: string;
  priority: number;
  action: RuleAction;
  /** The condition held (JsonLogic truthiness). */
  matched: boolean;
  trace: RuleTraceStep[];
}

/** A rule named in a decision: the version that decided, and the reason it gives. */
export interface RuleRef {
  ruleId: string | null;
  version: number | null;
  name: string;
  reason: string | null;
}

/**
 * The org's enabled rules, judged and combined (the market worker's `decide`): what quoting does.
 * `decline`: the first matching decline (by priority) declines; `not_ready`: a matching `require`
 * names an empty field; `refer`: matching refers open a referral naming them; `quote` otherwise.
 * Surcharges apply in every outcome that quotes.
 */
export interface RuleDecision {
  outcome: "decline" | "not_ready" | "refer" | "quote";
  declinedBy: RuleRef | null;
  referredBy: RuleRef[];
  surcharges: (RuleRef & { factor: number })[];
  required: (RuleRef & { field: RequirableField; satisfied: boolean })[];
  /** Every rule judged, in priority order, with the version that was read. */
  evaluated: { ruleId: string | null; version: number | null; name: string; action: RuleAction["type"]; matched: boolean }[];
}
