/**
 * The insurers the platform writes for, as reference data shipped with it: legal name and NAIC
 * company code, the number a certificate of insurance prints beside the insurer. The names and
 * codes are sandbox reference data (not filings of real companies); production replaces the list
 * with the carriers an org is appointed with.
 *
 * Who insures a policy: the carrier of the delegated-authority agreement it was bound under, when
 * there is one (matched to this list by name, so "Cascade Mutual" finds "Cascade Mutual Insurance
 * Company"); otherwise the platform's own program carrier for the policy's line.
 */
import type { LineOfBusiness } from "./schema.ts";

export interface Carrier {
  /** Legal name, as certificates print it. */
  name: string;
  /** The NAIC company code: five digits. */
  naic: string;
  /** Lines it writes. */
  lines: readonly LineOfBusiness[];
}

/** Every carrier the platform knows. */
export const CARRIERS: readonly Carrier[] = [
  { name: "Cascade Mutual Insurance Company", naic: "24031", lines: ["GL", "PROP", "CA"] },
  { name: "Willamette Casualty Company", naic: "31247", lines: ["GL", "CA"] },
  { name: "Front Range Fire & Marine Insurance Company", naic: "40986", lines: ["PROP"] },
  { name: "Great Lakes Commercial Indemnity Company", naic: "11562", lines: ["GL", "PROP"] },
  { name: "Blue Ridge Motor Carriers Insurance Company", naic: "29418", lines: ["CA"] },
];

/** The platform's program carrier per line: the insurer of a policy bound outside any agreement. */
export const PROGRAM_CARRIER: Readonly<Record<LineOfBusiness, string>> = {
  GL: "Cascade Mutual Insurance Company",
  PROP: "Front Range Fire & Marine Insurance Company",
  CA: "Blue Ridge Motor Carriers Insurance Company",
};

/** A name reduced to what identifies the company: case, punctuation and corporate suffixes dropped. */
function nameKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9 ]/g, " ")
    .split(/\s+/)
    .filter((w) => w && !["insurance", "company", "co", "inc", "corp", "corporation", "the"].includes(w))
    .join(" ");
}

/** The carrier named `name`, if the platform knows it. */
export function findCarrier(name: string): Carrier | undefined {
  const key = nameKey(name);
  return CARRIERS.find((c) => nameKey(c.name) === key);
}

/**
 * The insurer of a policy, as a certificate names it: the agreement's carrier (with its NAIC code
 * when the platform knows the carrier, else `naic: null` and the agreement's spelling), or the
 * line's program carrier.
 */
export function insurerOf(lineOfBusiness: LineOfBusiness, agreementCarrier: string | null): { name: string; naic: string | null; source: "da_agreement" | "program" } {
  if (agreementCarrier) {
    const known = findCarrier(agreementCarrier);
    return known ? { name: known.name, naic: known.naic, source: "da_agreement" } : { name: agreementCarrier, naic: null, source: "da_agreement" };
  }
  const program = findCarrier(PROGRAM_CARRIER[lineOfBusiness])!;
  return { name: program.name, naic: program.naic, source: "program" };
}
