/**
 * The official list of six-digit NAICS industries, 2017 edition (U.S. Census Bureau), as every worker
 * checks a code against it: underwriting refuses a submission whose `naicsCode` is not on it, without
 * a call to the market worker. Codes only (naics-2017-codes.json, the six-digit codes of
 * workers/market/data/naics-2017.json, which keeps the titles and descriptions the classifier
 * indexes); the market tests check the two lists are the same.
 */
import codes from "./naics-2017-codes.json";

/** The NAICS edition codes are checked against. */
export const NAICS_CODES_EDITION = "2017" as const;

const official: ReadonlySet<string> = new Set(codes as string[]);

/** Every six-digit industry code of the official list, in code order. */
export const OFFICIAL_NAICS_CODES: readonly string[] = codes as string[];

/** True for a six-digit industry code of the official 2017 list. */
export const isOfficialNaicsCode = (code: unknown): code is string => typeof code === "string" && official.has(code);
