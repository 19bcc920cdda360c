import { PDFCheckBox, PDFDocument, PDFDropdown, PDFForm, PDFOptionList, PDFRadioGroup, PDFTextField } from "pdf-lib";
import { fail, ok, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";
import type { CreateSubmissionRequest as CreateSubmissionInput, LineOfBusiness, MailingAddress } from "#contract/types.gen";

/**
 * ACORD 125 (Commercial Insurance Application) intake: reads a fillable PDF's AcroForm fields with
 * pdf-lib and maps them onto a submission body. Pure: no bindings, no I/O beyond the bytes given.
 * Shared because two workers read the same forms: underwriting creates submissions from them
 * (the ACORD intake route), documents reports the recognised fields when a file is ingested and
 * uses the field names as classifier signals. One alias table, so both read a form alike.
 */

/** A YYYY-MM-DD date that exists on the calendar (no 2027-02-30). */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return days !== undefined && d >= 1 && d <= days;
}

/** How one submission field was (or was not) read from the form. */
export interface AcordFieldResult {
  field: keyof CreateSubmissionInput | string;
  found: boolean;
  /** 0..1 with two decimals; 0 whenever `found` is false. */
  confidence: number;
  /** The PDF field name the value came from (or, when unparseable, the field that was tried). */
  source: string | null;
  /** The mapped value, or null when not found. */
  value: unknown;
  /** Why confidence was lowered or a value refused, when that is worth telling a human. */
  note?: string;
}

export interface AcordExtraction {
  /** Only the found, valid values, ready to be completed and posted as a submission. */
  input: Partial<CreateSubmissionInput>;
  /** One entry per mappable submission field, in {@link ACORD125_FIELDS} order. */
  fields: AcordFieldResult[];
  /** Required submission fields not found, in {@link REQUIRED_SUBMISSION_FIELDS} order. */
  missing: string[];
  /**
   * The insured's contact beyond the email where the form has it (ACORD 125's named-insured block):
   * the phone, and the mailing address when its street, city, state and ZIP are all readable.
   */
  contact: AcordContact;
}

/** The named insured's phone and mailing address as read from the form; null for what it lacks. */
export interface AcordContact {
  phone: string | null;
  mailingAddress: MailingAddress | null;
  /** One entry per contact field of {@link ACORD125_CONTACT_FIELDS}, named `insured.phone`, `insured.mailingAddress.line1`, …. */
  fields: AcordFieldResult[];
}

/** Fields `POST /v1/submissions` cannot do without. */
export const REQUIRED_SUBMISSION_FIELDS = [
  "insuredName",
  "naicsCode",
  "annualRevenue",
  "requestedLimit",
  "effectiveDate",
  "state",
  "lineOfBusiness",
] as const satisfies readonly (keyof CreateSubmissionInput)[];

type ValueKind = "text" | "naics" | "money" | "date" | "state" | "lob" | "email" | "count" | "phone" | "postal";

/** One submission field: its value kind, its canonical ACORD-style PDF name and accepted aliases. */
export interface AcordFieldSpec {
  target: keyof CreateSubmissionInput;
  kind: ValueKind;
  canonical: string;
  /** Matched ignoring case, separators and a trailing `[n]` index; confidence 0.8 at best. */
  aliases: readonly string[];
}

/**
 * The alias table. The canonical name scores 1.0 only when spelled exactly; any alias (or the
 * canonical name in another case or with other separators) scores 0.8.
 */
export const ACORD125_FIELDS: readonly AcordFieldSpec[] = [
  {
    target: "insuredName",
    kind: "text",
    canonical: "NamedInsured_FullName_A",
    aliases: ["insuredName", "named_insured", "NamedInsured_FullName", "applicant_name", "Applicant_FullName_A", "business_name"],
  },
  {
    target: "naicsCode",
    kind: "naics",
    canonical: "Applicant_NAICSCode_A",
    aliases: ["NamedInsured_NAICSCode_A", "naics", "naics_code", "NAICSCode"],
  },
  {
    target: "annualRevenue",
    kind: "money",
    canonical: "CommercialPolicy_AnnualRevenue",
    aliases: ["CommercialPolicy_AnnualRevenueAmount_A", "NamedInsured_AnnualRevenueAmount_A", "annual_revenue", "revenue", "gross_revenue", "gross_sales"],
  },
  {
    target: "requestedLimit",
    kind: "money",
    canonical: "CommercialPolicy_RequestedLimitAmount_A",
    aliases: ["requested_limit", "limit", "policy_limit", "GeneralLiability_EachOccurrence_LimitAmount_A", "each_occurrence_limit"],
  },
  {
    target: "deductible",
    kind: "money",
    canonical: "CommercialPolicy_DeductibleAmount_A",
    aliases: ["deductible", "deductible_amount"],
  },
  {
    target: "effectiveDate",
    kind: "date",
    canonical: "Policy_EffectiveDate_A",
    aliases: ["effective_date", "eff_date", "policy_effective_date", "proposed_effective_date"],
  },
  {
    target: "state",
    kind: "state",
    canonical: "NamedInsured_MailingAddress_StateOrProvinceCode_A",
    aliases: ["state", "state_code", "insured_state", "Location_PhysicalAddress_StateOrProvinceCode_A"],
  },
  {
    target: "lineOfBusiness",
    kind: "lob",
    canonical: "Policy_LineOfBusinessCode_A",
    aliases: ["lob", "line_of_business", "LineOfBusiness"],
  },
  {
    target: "insuredEmail",
    kind: "email",
    canonical: "NamedInsured_Primary_EmailAddress_A",
    aliases: ["NamedInsured_Contact_PrimaryEmailAddress_A", "email", "insured_email", "contact_email"],
  },
  {
    target: "yearsInBusiness",
    kind: "count",
    canonical: "NamedInsured_YearsInBusiness_A",
    aliases: ["years_in_business", "years_in_operation"],
  },
  {
    target: "vehicleCount",
    kind: "count",
    canonical: "CommercialAuto_VehicleCount_A",
    aliases: ["vehicle_count", "number_of_vehicles", "num_vehicles"],
  },
  {
    target: "propertyValues",
    kind: "money",
    canonical: "CommercialProperty_TotalInsuredValue_A",
    aliases: ["property_values", "total_insured_value", "tiv"],
  },
  {
    target: "notes",
    kind: "text",
    canonical: "CommercialPolicy_RemarkText_A",
    aliases: ["notes", "remarks"],
  },
];

/** A contact field of the named insured: where `insured.phone` and `insured.mailingAddress` come from. */
export interface AcordContactFieldSpec {
  target: "insured.phone" | "insured.mailingAddress.line1" | "insured.mailingAddress.line2" | "insured.mailingAddress.city" | "insured.mailingAddress.state" | "insured.mailingAddress.postalCode";
  kind: ValueKind;
  canonical: string;
  aliases: readonly string[];
}

/** The named insured's phone and mailing address on an ACORD 125 (its canonical field names and the usual home-made ones). */
export const ACORD125_CONTACT_FIELDS: readonly AcordContactFieldSpec[] = [
  {
    target: "insured.phone",
    kind: "phone",
    canonical: "NamedInsured_Primary_PhoneNumber_A",
    aliases: ["NamedInsured_Contact_PrimaryPhoneNumber_A", "NamedInsured_PhoneNumber_A", "phone", "phone_number", "insured_phone", "contact_phone", "telephone"],
  },
  {
    target: "insured.mailingAddress.line1",
    kind: "text",
    canonical: "NamedInsured_MailingAddress_LineOne_A",
    aliases: ["mailing_address", "mailing_address_line1", "address_line1", "street_address", "mailing_street"],
  },
  {
    target: "insured.mailingAddress.line2",
    kind: "text",
    canonical: "NamedInsured_MailingAddress_LineTwo_A",
    aliases: ["mailing_address_line2", "address_line2", "suite"],
  },
  {
    target: "insured.mailingAddress.city",
    kind: "text",
    canonical: "NamedInsured_MailingAddress_CityName_A",
    aliases: ["mailing_city", "city", "insured_city"],
  },
  {
    target: "insured.mailingAddress.state",
    kind: "state",
    canonical: "NamedInsured_MailingAddress_StateOrProvinceCode_A",
    aliases: ["mailing_state", "state", "state_code", "insured_state"],
  },
  {
    target: "insured.mailingAddress.postalCode",
    kind: "postal",
    canonical: "NamedInsured_MailingAddress_PostalCode_A",
    aliases: ["mailing_zip", "postal_code", "zip", "zip_code", "insured_zip"],
  },
];

/** Line-of-business checkboxes, in the order that breaks a tie when several are checked. */
export const ACORD125_LOB_CHECKBOXES: readonly { code: LineOfBusiness; canonical: string; aliases: readonly string[] }[] = [
  {
    code: "GL",
    canonical: "LOB_GeneralLiability",
    aliases: ["Policy_LineOfBusiness_CommercialGeneralLiability_A", "lob_gl", "general_liability"],
  },
  {
    code: "PROP",
    canonical: "LOB_CommercialProperty",
    aliases: ["Policy_LineOfBusiness_CommercialProperty_A", "lob_prop", "commercial_property"],
  },
  {
    code: "CA",
    canonical: "LOB_CommercialAuto",
    aliases: ["Policy_LineOfBusiness_BusinessAuto_A", "lob_ca", "commercial_auto"],
  },
];

// Confidence is computed in whole percent so that 0.8 − 0.2 is 0.6, not 0.6000000000000001.
// AMBIGUOUS caps a value the form contradicts (several LOB boxes ticked, two fields disagreeing).
const CANONICAL = 100;
const ALIAS = 80;
const NORMALISED_PENALTY = 20;
const AMBIGUOUS = 40;

const MAX_PDF_HEADER_OFFSET = 1024;

/**
 * Reads an ACORD 125-style PDF and maps its form fields to a submission. Refuses (as
 * `validation_failed` on `file`) anything that is not a readable, unencrypted PDF with form fields.
 *
 * Confidence per field: 1.0 for the exact canonical name with a clean value; 0.8 for an alias;
 * 0.2 less when the value had to be normalised ("$8,000,000.00", "05/01/2027", "Oregon", a ticked
 * LOB box); at most 0.4 when the form contradicts itself; 0 (found: false) when absent or unparseable.
 */
export async function parseAcord125(bytes: Uint8Array): Promise<Result<AcordExtraction>> {
  if (!hasPdfHeader(bytes)) return rejectFile("The file is not a PDF (no %PDF- header)");

  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch {
    return rejectFile("The PDF could not be parsed; it may be damaged or truncated");
  }
  if (doc.isEncrypted) return rejectFile("The PDF is encrypted; upload an unprotected copy of the application");

  let raw: RawField[];
  try {
    // Built directly rather than through doc.getForm(), which would create an empty AcroForm
    // and strip XFA data (with a console warning) as a side effect.
    const acroForm = doc.catalog.getAcroForm();
    if (!acroForm) return rejectFile("The PDF has no fillable form (AcroForm); a flattened or scanned application cannot be read");
    raw = readFields(PDFForm.of(acroForm, doc));
  } catch {
    // A malformed catalog or field tree: pdf-lib throws on structure it cannot follow.
    return rejectFile("The PDF's form fields could not be read");
  }
  if (raw.length === 0) return rejectFile("The PDF's form has no fields; a flattened application cannot be read");

  const fields = ACORD125_FIELDS.map((spec) => resolveField(spec, raw));
  const input: Record<string, unknown> = {};
  for (const f of fields) if (f.found) input[f.field] = f.value;
  const missing = REQUIRED_SUBMISSION_FIELDS.filter((name) => !fields.some((f) => f.field === name && f.found));
  return ok({ input: input as Partial<CreateSubmissionInput>, fields, missing, contact: readContact(raw) });
}

/** The named insured's phone and mailing address: an address only when street, city, state and ZIP all read. */
function readContact(raw: RawField[]): AcordContact {
  const fields = ACORD125_CONTACT_FIELDS.map((spec) => resolveField(spec, raw));
  const value = (target: AcordContactFieldSpec["target"]) => {
    const f = fields.find((x) => x.field === target);
    return f?.found ? String(f.value) : null;
  };
  const [line1, line2, city, state, postalCode] = (["line1", "line2", "city", "state", "postalCode"] as const).map((k) => value(`insured.mailingAddress.${k}`));
  const mailingAddress = line1 && city && state && postalCode ? { line1, ...(line2 ? { line2 } : {}), city, state, postalCode } : null;
  return { phone: value("insured.phone"), mailingAddress, fields };
}

const rejectFile = (message: string) => fail("validation_failed", message, { field: "file", rule: "acord125" });

function hasPdfHeader(bytes: Uint8Array): boolean {
  // The spec allows junk before the header; readers accept it within the first kilobyte.
  const end = Math.min(bytes.length, MAX_PDF_HEADER_OFFSET) - 5;
  for (let i = 0; i <= end; i++) {
    if (bytes[i] === 0x25 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x44 && bytes[i + 3] === 0x46 && bytes[i + 4] === 0x2d) return true;
  }
  return false;
}

/** A form field as read: text for text fields, dropdowns and radio groups; a boolean for checkboxes. */
interface RawField {
  name: string;
  /** The terminal part of the name without an `[n]` index (`F[0].P1[0].X_A[0]` → `X_A`). */
  terminal: string;
  key: string;
  value: string | boolean | null;
}

function readFields(form: PDFForm): RawField[] {
  const out: RawField[] = [];
  for (const field of form.getFields()) {
    const name = field.getName();
    const terminal = (name.split(".").pop() ?? name).replace(/\[\d+\]$/, "");
    let value: string | boolean | null = null;
    try {
      if (field instanceof PDFTextField) value = field.getText() ?? null;
      else if (field instanceof PDFCheckBox) value = field.isChecked();
      else if (field instanceof PDFDropdown || field instanceof PDFOptionList) value = field.getSelected()[0] ?? null;
      else if (field instanceof PDFRadioGroup) value = field.getSelected() ?? null;
    } catch {
      value = null; // e.g. a rich-text field pdf-lib refuses to read: treated as empty
    }
    out.push({ name, terminal, key: nameKey(terminal), value });
  }
  return out;
}

/** Name comparison ignores case and every non-alphanumeric character. */
const nameKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");

interface Candidate {
  source: string;
  value: unknown;
  percent: number;
  note?: string;
}

function resolveField(spec: AcordFieldSpec | AcordContactFieldSpec, raw: RawField[]): AcordFieldResult {
  const candidates: Candidate[] = [];
  let unparseable: { source: string; note: string } | null = null;

  const aliasKeys = new Set([spec.canonical, ...spec.aliases].map(nameKey));
  for (const f of raw) {
    const base = f.terminal === spec.canonical ? CANONICAL : aliasKeys.has(f.key) ? ALIAS : 0;
    if (base === 0 || typeof f.value !== "string" || f.value.trim() === "") continue;
    const parsed = PARSERS[spec.kind](f.value);
    if (!parsed) {
      unparseable ??= { source: f.name, note: `could not read ${JSON.stringify(f.value)} as ${KIND_LABEL[spec.kind]}` };
      continue;
    }
    candidates.push({ source: f.name, value: parsed.value, percent: base - (parsed.normalised ? NORMALISED_PENALTY : 0) });
  }
  if (spec.kind === "lob") {
    const fromBoxes = lobFromCheckboxes(raw);
    if (fromBoxes) candidates.push(fromBoxes);
  }

  // Highest confidence wins; on a tie, the field that comes first in the form.
  const best = candidates.reduce<Candidate | null>((a, c) => (a && a.percent >= c.percent ? a : c), null);
  if (best) {
    let { percent, note } = best;
    const others = candidates.filter((c) => c.value !== best.value);
    if (others.length > 0) {
      // Two fields of the form disagree: keep the likelier reading, but say so and trust it less.
      percent = Math.min(percent, AMBIGUOUS);
      const conflict = `conflicting values: ${others.map((c) => `${JSON.stringify(c.value)} in ${c.source}`).join(", ")}; took ${JSON.stringify(best.value)}`;
      note = note ? `${note}; ${conflict}` : conflict;
    }
    const result: AcordFieldResult = { field: spec.target, found: true, confidence: percent / 100, source: best.source, value: best.value };
    if (note) result.note = note;
    return result;
  }
  if (unparseable) return { field: spec.target, found: false, confidence: 0, source: unparseable.source, value: null, note: unparseable.note };
  return { field: spec.target, found: false, confidence: 0, source: null, value: null };
}

const CHECKED_TEXT = new Set(["x", "yes", "y", "true", "on", "1", "checked"]);

/** Ticked LOB boxes; a ticked box is an inference, so it never scores as a clean canonical value. */
function lobFromCheckboxes(raw: RawField[]): Candidate | null {
  const ticked: { code: LineOfBusiness; source: string; base: number }[] = [];
  for (const box of ACORD125_LOB_CHECKBOXES) {
    const keys = new Set([box.canonical, ...box.aliases].map(nameKey));
    for (const f of raw) {
      const base = f.terminal === box.canonical ? CANONICAL : keys.has(f.key) ? ALIAS : 0;
      // Flattened or home-made forms tick a box by typing "X" into a text field.
      const checked = f.value === true || (typeof f.value === "string" && CHECKED_TEXT.has(f.value.trim().toLowerCase()));
      if (base > 0 && checked) {
        ticked.push({ code: box.code, source: f.name, base });
        break;
      }
    }
  }
  const first = ticked[0];
  if (!first) return null;
  if (ticked.length === 1) return { source: first.source, value: first.code, percent: first.base - NORMALISED_PENALTY };
  return {
    source: first.source,
    value: first.code,
    percent: AMBIGUOUS,
    note: `several lines of business checked (${ticked.map((t) => t.code).join(", ")}); took ${first.code}`,
  };
}

interface Parsed {
  value: string | number;
  /** True when the text had to be reshaped (currency symbols, US dates, state names…). */
  normalised: boolean;
}

const KIND_LABEL: Record<ValueKind, string> = {
  text: "text",
  naics: "a 6-digit NAICS code",
  money: "an amount",
  date: "a date (MM/DD/YYYY or YYYY-MM-DD)",
  state: "a US state",
  lob: "a line of business (GL, PROP, CA)",
  email: "an email address",
  count: "a whole number",
  phone: "a phone number",
  postal: "a ZIP or ZIP+4 code",
};

const PARSERS: Record<ValueKind, (text: string) => Parsed | null> = {
  text: parseText,
  naics: parseNaics,
  money: parseMoneyText,
  date: parseDateText,
  state: parseState,
  lob: parseLob,
  email: parseEmail,
  count: parseCount,
  phone: parsePhone,
  postal: parsePostal,
};

function parseText(text: string): Parsed | null {
  const value = text.trim().replace(/\s+/g, " ");
  return value ? { value, normalised: value !== text } : null;
}

function parseNaics(text: string): Parsed | null {
  if (/^\d{6}$/.test(text)) return { value: text, normalised: false };
  // "541511 - Custom Computer Programming Services" or " 541511 "
  const m = /^\s*(\d{6})(?:\s*$|\s*[-–:]\s*\S|\s+\D)/.exec(text);
  return m?.[1] ? { value: m[1], normalised: true } : null;
}

/**
 * "$1,234.56" → 1234.56 via the decimal text (whole and fraction parsed as integers into cents),
 * never a floating-point multiply. Commas must group thousands; more than two decimals, negative
 * amounts and anything else are refused rather than guessed at.
 */
export function parseMoneyText(text: string): Parsed | null {
  const plain = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  const m = plain ?? /^\s*(?:US\$|\$|USD\s*)?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*(?:USD)?\s*$/i.exec(text);
  if (!m?.[1]) return null;
  const cents = BigInt(m[1].replace(/,/g, "")) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { value: fromCents(Number(cents)), normalised: plain === null };
}

/** YYYY-MM-DD as is; MM/DD/YYYY (also with - or .) reshaped; both must be calendar dates. */
export function parseDateText(text: string): Parsed | null {
  if (isCalendarDate(text)) return { value: text, normalised: false };
  const iso = /^\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(text);
  if (iso?.[1]) return isCalendarDate(iso[1]) ? { value: iso[1], normalised: true } : null;
  const us = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text);
  if (!us?.[1] || !us[2] || !us[3]) return null;
  const date = `${us[3]}-${us[1].padStart(2, "0")}-${us[2].padStart(2, "0")}`;
  return isCalendarDate(date) ? { value: date, normalised: true } : null;
}

/** The 50 states and DC, code → name. */
export const US_STATES: Readonly<Record<string, string>> = {
  AL: "Alabama", AK: "Alaska", AZ: "Arizona", AR: "Arkansas", CA: "California", CO: "Colorado", CT: "Connecticut",
  DE: "Delaware", DC: "District of Columbia", FL: "Florida", GA: "Georgia", HI: "Hawaii", ID: "Idaho", IL: "Illinois",
  IN: "Indiana", IA: "Iowa", KS: "Kansas", KY: "Kentucky", LA: "Louisiana", ME: "Maine", MD: "Maryland",
  MA: "Massachusetts", MI: "Michigan", MN: "Minnesota", MS: "Mississippi", MO: "Missouri", MT: "Montana",
  NE: "Nebraska", NV: "Nevada", NH: "New Hampshire", NJ: "New Jersey", NM: "New Mexico", NY: "New York",
  NC: "North Carolina", ND: "North Dakota", OH: "Ohio", OK: "Oklahoma", OR: "Oregon", PA: "Pennsylvania",
  RI: "Rhode Island", SC: "South Carolina", SD: "South Dakota", TN: "Tennessee", TX: "Texas", UT: "Utah",
  VT: "Vermont", VA: "Virginia", WA: "Washington", WV: "West Virginia", WI: "Wisconsin", WY: "Wyoming",
};
const STATE_BY_NAME = new Map(Object.entries(US_STATES).map(([code, name]) => [nameKey(name), code]));

function parseState(text: string): Parsed | null {
  if (/^[A-Z]{2}$/.test(text) && text in US_STATES) return { value: text, normalised: false };
  const code = text.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && code in US_STATES) return { value: code, normalised: true };
  const byName = STATE_BY_NAME.get(nameKey(text));
  return byName ? { value: byName, normalised: true } : null;
}

const LOB_BY_NAME = new Map<string, LineOfBusiness>([
  ["gl", "GL"], ["cgl", "GL"], ["generalliability", "GL"], ["commercialgeneralliability", "GL"],
  ["prop", "PROP"], ["property", "PROP"], ["commercialproperty", "PROP"],
  ["ca", "CA"], ["auto", "CA"], ["commercialauto", "CA"], ["businessauto", "CA"],
]);

function parseLob(text: string): Parsed | null {
  if (text === "GL" || text === "PROP" || text === "CA") return { value: text, normalised: false };
  const code = LOB_BY_NAME.get(nameKey(text));
  return code ? { value: code, normalised: true } : null;
}

function parseEmail(text: string): Parsed | null {
  const value = text.trim();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? { value, normalised: value !== text } : null;
}

/** A phone number as a person writes it: digits with an optional leading +, spaces, dots, dashes and parentheses; 7 to 15 digits. */
function parsePhone(text: string): Parsed | null {
  const value = text.trim().replace(/\s+/g, " ");
  if (!/^\+?[0-9][0-9 ().-]{5,30}$/.test(value) && !/^\([0-9]{3}\)[0-9 .-]{7,20}$/.test(value)) return null;
  const digits = value.replace(/[^0-9]/g, "").length;
  return digits >= 7 && digits <= 15 ? { value, normalised: value !== text } : null;
}

/** A US ZIP or ZIP+4 ("97204", "97204-1234"; "972041234" reshaped). */
function parsePostal(text: string): Parsed | null {
  if (/^[0-9]{5}(-[0-9]{4})?$/.test(text)) return { value: text, normalised: false };
  const t = text.trim();
  if (/^[0-9]{5}(-[0-9]{4})?$/.test(t)) return { value: t, normalised: true };
  const nine = /^([0-9]{5})\s?([0-9]{4})$/.exec(t);
  return nine ? { value: `${nine[1]}-${nine[2]}`, normalised: true } : null;
}

/** A whole number: "12" as is; "12 years", "1,200" or "12.0" reshaped. */
function parseCount(text: string): Parsed | null {
  if (/^\d+$/.test(text)) return safeCount(Number(text), false);
  const m = /^\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?\s*(?:years?|yrs?|vehicles?|units?)?\s*$/i.exec(text);
  return m?.[1] ? safeCount(Number(m[1].replace(/,/g, "")), true) : null;
}

const safeCount = (n: number, normalised: boolean): Parsed | null => (Number.isSafeInteger(n) ? { value: n, normalised } : null);

