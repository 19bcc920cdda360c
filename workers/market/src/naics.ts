/**
 * The official NAICS list, 2017 edition (U.S. Census Bureau's titles and descriptions, committed as
 * workers/market/data/naics-2017.json, taken from the `naics` package's copy of the Census file
 * 2017_NAICS_Descriptions; the cross-references were dropped). Codes of 2 to 6 digits; the
 * two-digit sectors spanning several codes (31-33, 44-45, 48-49) are listed under each of them.
 */
import table from "../data/naics-2017.json";

/** One NAICS entry: code, official title, official description (without its cross-references). */
export interface NaicsEntry {
  code: string;
  title: string;
  description: string;
}

export const NAICS_EDITION = "2017" as const;

/** Sectors whose code spans several two-digit prefixes. */
const SPANNING_SECTORS: Record<string, string> = {
  "31": "Manufacturing",
  "32": "Manufacturing",
  "33": "Manufacturing",
  "44": "Retail Trade",
  "45": "Retail Trade",
  "48": "Transportation and Warehousing",
  "49": "Transportation and Warehousing",
};

const byCode = new Map<string, NaicsEntry>();
for (const [code, title, description] of table as [string, string, string][]) byCode.set(code, { code, title, description });
for (const [code, title] of Object.entries(SPANNING_SECTORS)) if (!byCode.has(code)) byCode.set(code, { code, title, description: "" });

/** Every six-digit industry (national industry), in code order. */
export const INDUSTRIES: readonly NaicsEntry[] = [...byCode.values()].filter((e) => e.code.length === 6).sort((a, b) => a.code.localeCompare(b.code));

/** The entry of a code of any level, or undefined when the official list has no such code. */
export const naicsEntry = (code: string): NaicsEntry | undefined => byCode.get(code);

/** True for a six-digit code of the official list. */
export const isNaicsCode = (code: unknown): code is string => typeof code === "string" && /^[0-9]{6}$/.test(code) && byCode.has(code);

/** True when some six-digit code of the official list starts with `prefix` (2–6 digits). */
export function isNaicsPrefix(prefix: unknown): prefix is string {
  if (typeof prefix !== "string" || !/^[0-9]{2,6}$/.test(prefix)) return false;
  return INDUSTRIES.some((e) => e.code.startsWith(prefix));
}

/** The titles of a code's ancestors, sector first (`23` → `236` → `2362` → `23622`). */
export function lineage(code: string): NaicsEntry[] {
  const out: NaicsEntry[] = [];
  for (let n = 2; n < code.length; n++) {
    const e = byCode.get(code.slice(0, n));
    if (e) out.push(e);
  }
  return out;
}

/** Length of the longest common prefix of two codes: how close they sit in the hierarchy. */
export function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
