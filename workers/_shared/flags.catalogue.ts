/**
 * The platform's feature flags, committed (DECISIONS.md, "Producers, commissions, flags"): each has a
 * key, a type, a global default and a description, and an org override wins over the default. The
 * producers worker stores the overrides and evaluates (workers/producers/src/flags.service.ts); every
 * other worker reads through `#shared/flags`. A flag is added here, with the code that reads it, and
 * nowhere else: the list routes, the type check of a `PUT` and the evaluator all read this table.
 *
 * Pure data and pure functions, shared by the evaluator and its callers: a caller that knows a flag
 * the producers worker does not know yet (a staggered deploy) falls back to the default here.
 */
import { moneyIssue } from "./input.ts";

export type FlagType = "boolean" | "string" | "number" | "json";

type FlagScalar = string | number | boolean;
type Nested3 = FlagScalar | FlagScalar[] | { [key: string]: FlagScalar };
type Nested2 = FlagScalar | Nested3[] | { [key: string]: Nested3 };
type Nested1 = FlagScalar | Nested2[] | { [key: string]: Nested2 };

/**
 * What a `json` flag holds: JSON other than `null` (a `DELETE` is how an org goes back to the
 * default), objects and arrays nested at most {@link MAX_JSON_FLAG_DEPTH} deep. Spelled out to that
 * depth rather than recursive: Workers RPC's typings cannot map a recursive type.
 */
export type FlagJson = FlagScalar | Nested1[] | { [key: string]: Nested1 };

/** The value of a flag of each type. */
export interface FlagTypes {
  boolean: boolean;
  string: string;
  number: number;
  json: FlagJson;
}

/** Any flag's value. */
export type FlagValue = FlagTypes[FlagType];

/** Why a value may not be written: the rule broken and a sentence naming it, for a 400 naming `value`. */
export interface FlagValueIssue {
  rule: string;
  message: string;
}

export interface FlagDefinition<T extends FlagType = FlagType> {
  type: T;
  defaultValue: FlagTypes[T];
  /** What the flag changes, for whom reads `GET /v1/flags`. */
  description: string;
  /** A rule beyond the type (bounds, a format), checked once the type holds. */
  check?: (value: FlagTypes[T]) => FlagValueIssue | null;
}

/** `value`'s issue as money (major units, two decimals, 0 to the platform's maximum), for a number flag that is an amount. */
const asMoney = (value: number): FlagValueIssue | null => {
  const issue = moneyIssue(value, "value");
  return issue ? { rule: issue.rule, message: issue.message } : null;
};

/** The largest amount the platform accepts (the input rules' money maximum): no premium is above it. */
const NO_PREMIUM_LIMIT = 1_000_000_000;

/** Workers AI text-generation model ids (`@cf/<vendor>/<model>`). */
const WORKERS_AI_MODEL = /^@cf\/[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;

/** The catalogue. Keys are `<domain>.<snake_case>`; the domain is the worker whose behaviour the flag gates. */
export const FLAGS = {
  "underwriting.auto_bind_max_premium": {
    type: "number",
    defaultValue: NO_PREMIUM_LIMIT,
    description:
      "The largest gross premium (USD, major units) a bind may write without an underwriter: a bind above it opens a referral instead of binding, and binds once that referral is approved. The default is the largest amount the platform accepts, so no bind is held for its premium.",
    check: asMoney,
  } satisfies FlagDefinition<"number">,
  "documents.ai_classification": {
    type: "boolean",
    defaultValue: false,
    description:
      "Ingest asks Workers AI to classify a file with text before the committed local model; any AI failure, or a deployment without the AI binding, answers with the local model.",
  } satisfies FlagDefinition<"boolean">,
  "documents.ai_model": {
    type: "string",
    defaultValue: "@cf/meta/llama-3.1-8b-instruct",
    description: "The Workers AI model ingest asks when documents.ai_classification is on (a `@cf/<vendor>/<model>` id).",
    check: (value) => (WORKERS_AI_MODEL.test(value) && value.length <= 100 ? null : { rule: "format", message: "value must be a Workers AI model id such as @cf/meta/llama-3.1-8b-instruct" }),
  } satisfies FlagDefinition<"string">,
  "portal.enabled": {
    type: "boolean",
    defaultValue: true,
    description: "The policyholder portal (/v1/portal/*) answers the org's insureds; off, no code is sent or accepted and every insured token of the org is refused (401).",
  } satisfies FlagDefinition<"boolean">,
  "billing.autopay_retry": {
    type: "boolean",
    defaultValue: true,
    description: "A failed automatic card payment is retried on the dunning schedule; off, the first failure leaves the invoice open for a manual payment.",
  } satisfies FlagDefinition<"boolean">,
} as const;

export type FlagKey = keyof typeof FLAGS;

/** The type of flag `K`'s value. */
export type FlagValueOf<K extends FlagKey> = FlagTypes[(typeof FLAGS)[K]["type"]];

export const FLAG_KEYS = Object.keys(FLAGS).sort() as FlagKey[];

export const isFlagKey = (key: string): key is FlagKey => Object.hasOwn(FLAGS, key);

/** A flag's definition, typed loosely for code that walks the whole catalogue. */
export const definitionOf = (key: FlagKey): FlagDefinition => FLAGS[key] as FlagDefinition;

/** At most this much JSON in one `json` flag's value. */
export const MAX_JSON_FLAG_BYTES = 8_192;

/** At most this many characters in a `string` flag's value. */
export const MAX_STRING_FLAG_LENGTH = 500;

/** Objects and arrays nest at most this deep in a `json` flag's value (as {@link FlagJson} spells out). */
export const MAX_JSON_FLAG_DEPTH = 4;

const isJson = (value: unknown, depth = 0): value is FlagJson => {
  if (typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (depth >= MAX_JSON_FLAG_DEPTH) return false;
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((v) => isJson(v, depth + 1));
  }
  return false;
};

/** Whether `value` is of `type`, or the issue naming what it should be. */
function typeIssue(type: FlagType, value: unknown): FlagValueIssue | null {
  switch (type) {
    case "boolean":
      return typeof value === "boolean" ? null : { rule: "type", message: "value must be a boolean (true or false)" };
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? null : { rule: "type", message: "value must be a number" };
    case "string":
      if (typeof value !== "string") return { rule: "type", message: "value must be a string" };
      return value.length <= MAX_STRING_FLAG_LENGTH ? null : { rule: "max_length", message: `value must be at most ${MAX_STRING_FLAG_LENGTH} characters` };
    case "json":
      if (value === null || !isJson(value)) {
        return { rule: "type", message: `value must be JSON other than null (an object, array, string, number or boolean), its objects and arrays nested at most ${MAX_JSON_FLAG_DEPTH} deep` };
      }
      return new TextEncoder().encode(JSON.stringify(value)).byteLength <= MAX_JSON_FLAG_BYTES
        ? null
        : { rule: "max_size", message: `value must be at most ${MAX_JSON_FLAG_BYTES} bytes of JSON` };
  }
}

/** The issue with writing `value` to `definition`'s flag (its type, then its own rule), or null when it may be written. */
export function flagValueIssue(definition: FlagDefinition, value: unknown): FlagValueIssue | null {
  if (value === undefined) return { rule: "required", message: "Missing required field: value" };
  const issue = typeIssue(definition.type, value);
  if (issue) return issue;
  return definition.check ? (definition.check as (v: FlagValue) => FlagValueIssue | null)(value as FlagValue) : null;
}

/** Whether a stored or answered value still fits its flag (a catalogue change can narrow a type). */
export const fitsFlag = (definition: FlagDefinition, value: unknown): value is FlagValue => flagValueIssue(definition, value) === null;
