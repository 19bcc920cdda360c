import { describe, expect, it } from "vitest";
import {
  parseAcord125,
  parseDateText,
  parseMoneyText,
  type AcordExtraction,
  type AcordFieldResult,
} from "../../workers/underwriting/src/intake/acord125.ts";
import { buildAcord125Pdf, buildPdfWithoutForm, CANONICAL_GL_APPLICATION, type Acord125FixtureOptions } from "./fixtures/acord125.ts";

async function extract(options: Acord125FixtureOptions): Promise<AcordExtraction> {
  const result = await parseAcord125(await buildAcord125Pdf(options));
  if (!result.ok) throw new Error(`expected an extraction, got ${result.error.message}`);
  return result.value;
}

function field(extraction: AcordExtraction, name: string): AcordFieldResult {
  const f = extraction.fields.find((x) => x.field === name);
  if (!f) throw new Error(`no result for ${name}`);
  return f;
}

const ALL_FIELDS = [
  "insuredName",
  "naicsCode",
  "annualRevenue",
  "requestedLimit",
  "deductible",
  "effectiveDate",
  "state",
  "lineOfBusiness",
  "insuredEmail",
  "yearsInBusiness",
  "vehicleCount",
  "propertyValues",
  "notes",
];

describe("ACORD 125 intake: the named insured's contact", () => {
  it("reads the phone and a complete mailing address at their confidence, and no address when a part is missing", async () => {
    const x = await extract({
      text: {
        ...CANONICAL_GL_APPLICATION,
        NamedInsured_Primary_PhoneNumber_A: "+1 503 555 0142",
        NamedInsured_MailingAddress_LineOne_A: "400 SW Oak St",
        mailing_city: "Portland",
        NamedInsured_MailingAddress_PostalCode_A: "972041234",
      },
    });
    expect(x.contact.phone).toBe("+1 503 555 0142");
    expect(x.contact.mailingAddress).toEqual({ line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204-1234" });
    const byField = Object.fromEntries(x.contact.fields.map((f) => [f.field, f]));
    expect(byField["insured.phone"]).toMatchObject({ found: true, confidence: 1 });
    expect(byField["insured.mailingAddress.city"]).toMatchObject({ found: true, confidence: 0.8, source: "mailing_city" });
    expect(byField["insured.mailingAddress.postalCode"]).toMatchObject({ found: true, confidence: 0.8 });
    expect(byField["insured.mailingAddress.line2"]).toMatchObject({ found: false });

    const partial = await extract({ text: { ...CANONICAL_GL_APPLICATION, NamedInsured_Primary_PhoneNumber_A: "call us", NamedInsured_MailingAddress_LineOne_A: "400 SW Oak St" } });
    expect(partial.contact).toMatchObject({ phone: null, mailingAddress: null });
    expect(partial.contact.fields.find((f) => f.field === "insured.phone")).toMatchObject({ found: false, note: expect.stringContaining("phone number") });
  });
});

describe("ACORD 125 intake: canonical names", () => {
  it("maps a complete, clean application at confidence 1.0 with nothing missing", async () => {
    const x = await extract({ text: CANONICAL_GL_APPLICATION });
    expect(x.missing).toEqual([]);
    expect(x.input).toEqual({
      insuredName: "Acme Widgets LLC",
      naicsCode: "332710",
      annualRevenue: 2_500_000,
      requestedLimit: 1_000_000,
      deductible: 2500,
      effectiveDate: "2027-05-01",
      state: "OR",
      lineOfBusiness: "GL",
      insuredEmail: "risk@acme.example",
      yearsInBusiness: 12,
    });
    expect(x.fields.map((f) => f.field)).toEqual(ALL_FIELDS);
    expect(x.fields.filter((f) => f.found).map((f) => [f.field, f.confidence, f.source])).toEqual([
      ["insuredName", 1, "NamedInsured_FullName_A"],
      ["naicsCode", 1, "Applicant_NAICSCode_A"],
      ["annualRevenue", 1, "CommercialPolicy_AnnualRevenue"],
      ["requestedLimit", 1, "CommercialPolicy_RequestedLimitAmount_A"],
      ["deductible", 1, "CommercialPolicy_DeductibleAmount_A"],
      ["effectiveDate", 1, "Policy_EffectiveDate_A"],
      ["state", 1, "NamedInsured_MailingAddress_StateOrProvinceCode_A"],
      ["lineOfBusiness", 1, "Policy_LineOfBusinessCode_A"],
      ["insuredEmail", 1, "NamedInsured_Primary_EmailAddress_A"],
      ["yearsInBusiness", 1, "NamedInsured_YearsInBusiness_A"],
    ]);
    expect(field(x, "vehicleCount")).toEqual({ field: "vehicleCount", found: false, confidence: 0, source: null, value: null });
  });

  it("reads hierarchical names (F[0].P1[0].Name[0]) by their terminal part, still as canonical", async () => {
    const x = await extract({ text: { "F[0].P1[0].NamedInsured_FullName_A[0]": "Hierarchy Co", "F[0].P1[0].Policy_EffectiveDate_A[0]": "2027-06-01" } });
    expect(field(x, "insuredName")).toEqual({
      field: "insuredName",
      found: true,
      confidence: 1,
      source: "F[0].P1[0].NamedInsured_FullName_A[0]",
      value: "Hierarchy Co",
    });
    expect(field(x, "effectiveDate").value).toBe("2027-06-01");
  });
});

describe("ACORD 125 intake: aliases and messy values", () => {
  it("accepts simple alias names at 0.8 when the values are clean", async () => {
    const x = await extract({
      text: {
        insuredName: "Blue Cart Freight Inc",
        naics: "484110",
        annual_revenue: "4200000",
        requested_limit: "2000000",
        deductible: "5000",
        effective_date: "2027-07-15",
        state: "TX",
        lob: "CA",
        email: "ops@bluecart.example",
        years_in_business: "7",
        vehicle_count: "14",
        property_values: "750000.50",
      },
    });
    expect(x.missing).toEqual([]);
    expect(x.fields.filter((f) => f.field !== "notes").map((f) => [f.field, f.confidence, f.value])).toEqual([
      ["insuredName", 0.8, "Blue Cart Freight Inc"],
      ["naicsCode", 0.8, "484110"],
      ["annualRevenue", 0.8, 4_200_000],
      ["requestedLimit", 0.8, 2_000_000],
      ["deductible", 0.8, 5000],
      ["effectiveDate", 0.8, "2027-07-15"],
      ["state", 0.8, "TX"],
      ["lineOfBusiness", 0.8, "CA"],
      ["insuredEmail", 0.8, "ops@bluecart.example"],
      ["yearsInBusiness", 0.8, 7],
      ["vehicleCount", 0.8, 14],
      ["propertyValues", 0.8, 750_000.5],
    ]);
    expect(field(x, "naicsCode").source).toBe("naics");
  });

  it("matches a canonical name spelled in another case as an alias (0.8), not as canonical", async () => {
    const x = await extract({ text: { namedinsured_fullname_a: "Lowercase LLC" } });
    expect(field(x, "insuredName")).toMatchObject({ found: true, confidence: 0.8, source: "namedinsured_fullname_a" });
  });

  it("normalises messy values on canonical names at 0.8 and on aliases at 0.6", async () => {
    const x = await extract({
      text: {
        NamedInsured_FullName_A: "  Oregon   Timber Co ",
        Applicant_NAICSCode_A: "113310 - Logging",
        CommercialPolicy_AnnualRevenue: "$8,000,000.00",
        CommercialPolicy_RequestedLimitAmount_A: "$1,000,000",
        Policy_EffectiveDate_A: "05/01/2027",
        NamedInsured_MailingAddress_StateOrProvinceCode_A: "Oregon",
        Policy_LineOfBusinessCode_A: "General Liability",
        deductible: "$1,234.56",
        years_in_business: "12 years",
      },
    });
    expect(x.input).toEqual({
      insuredName: "Oregon Timber Co",
      naicsCode: "113310",
      annualRevenue: 8_000_000,
      requestedLimit: 1_000_000,
      effectiveDate: "2027-05-01",
      state: "OR",
      lineOfBusiness: "GL",
      deductible: 1234.56,
      yearsInBusiness: 12,
    });
    const confidence = Object.fromEntries(x.fields.filter((f) => f.found).map((f) => [f.field, f.confidence]));
    expect(confidence).toEqual({
      insuredName: 0.8,
      naicsCode: 0.8,
      annualRevenue: 0.8,
      requestedLimit: 0.8,
      deductible: 0.6,
      effectiveDate: 0.8,
      state: 0.8,
      lineOfBusiness: 0.8,
      yearsInBusiness: 0.6,
    });
    expect(x.missing).toEqual([]);
  });

  it("reads a line of business from a dropdown by name", async () => {
    const x = await extract({ dropdowns: { lob: { options: ["General Liability", "Commercial Property", "Commercial Auto"], selected: "Commercial Auto" } } });
    expect(field(x, "lineOfBusiness")).toEqual({ field: "lineOfBusiness", found: true, confidence: 0.6, source: "lob", value: "CA" });
  });

  it("prefers a filled alias over an empty canonical field", async () => {
    const x = await extract({ text: { NamedInsured_MailingAddress_StateOrProvinceCode_A: "", state: "WA" } });
    expect(field(x, "state")).toEqual({ field: "state", found: true, confidence: 0.8, source: "state", value: "WA" });
  });

  it("keeps the likelier of two disagreeing fields but drops it to 0.4 and says why", async () => {
    const x = await extract({ text: { NamedInsured_MailingAddress_StateOrProvinceCode_A: "OR", state: "WA" } });
    expect(field(x, "state")).toEqual({
      field: "state",
      found: true,
      confidence: 0.4,
      source: "NamedInsured_MailingAddress_StateOrProvinceCode_A",
      value: "OR",
      note: 'conflicting values: "WA" in state; took "OR"',
    });
  });
});

describe("ACORD 125 intake: unparseable and missing values", () => {
  it("lists every required field not found, in order, and keeps them out of input", async () => {
    const x = await extract({ text: { NamedInsured_FullName_A: "Sparse Ltd", state: "NV" } });
    expect(x.missing).toEqual(["naicsCode", "annualRevenue", "requestedLimit", "effectiveDate", "lineOfBusiness"]);
    expect(x.input).toEqual({ insuredName: "Sparse Ltd", state: "NV" });
  });

  it.each([
    ["Policy_EffectiveDate_A", "02/29/2027", "effectiveDate"], // 2027 is not a leap year
    ["Policy_EffectiveDate_A", "2027-13-01", "effectiveDate"],
    ["Policy_EffectiveDate_A", "next spring", "effectiveDate"],
    ["CommercialPolicy_AnnualRevenue", "$1.005", "annualRevenue"], // sub-cent amounts are refused, not rounded
    ["CommercialPolicy_AnnualRevenue", "-5000", "annualRevenue"],
    ["CommercialPolicy_AnnualRevenue", "$1,23,4", "annualRevenue"],
    ["NamedInsured_MailingAddress_StateOrProvinceCode_A", "Atlantis", "state"],
    ["Applicant_NAICSCode_A", "54151", "naicsCode"],
    ["Policy_LineOfBusinessCode_A", "Workers Comp", "lineOfBusiness"],
  ])("%s = %j is unparseable: not found, confidence 0, value null", async (name, raw, target) => {
    const x = await extract({ text: { [name]: raw } });
    const f = field(x, target);
    expect(f).toMatchObject({ found: false, confidence: 0, value: null, source: name });
    expect(f.note).toContain(JSON.stringify(raw));
    expect(x.missing).toContain(target);
    expect(x.input).not.toHaveProperty(target);
  });

  it("accepts 29 February in a leap year", async () => {
    const x = await extract({ text: { Policy_EffectiveDate_A: "02/29/2028" } });
    expect(field(x, "effectiveDate")).toMatchObject({ found: true, confidence: 0.8, value: "2028-02-29" });
  });

  it("ignores an invalid optional field without listing it as missing", async () => {
    const x = await extract({ text: { email: "not-an-email", NamedInsured_FullName_A: "Acme" } });
    expect(field(x, "insuredEmail")).toMatchObject({ found: false, confidence: 0, source: "email", value: null });
    expect(x.missing).not.toContain("insuredEmail");
  });
});

describe("ACORD 125 intake: line-of-business checkboxes", () => {
  it("maps the one ticked canonical checkbox at 0.8 (a checkbox is an inference)", async () => {
    const x = await extract({ checkboxes: { LOB_GeneralLiability: false, LOB_CommercialProperty: true, LOB_CommercialAuto: false } });
    expect(field(x, "lineOfBusiness")).toEqual({ field: "lineOfBusiness", found: true, confidence: 0.8, source: "LOB_CommercialProperty", value: "PROP" });
    expect(x.missing).not.toContain("lineOfBusiness");
  });

  it("maps an alias checkbox at 0.6", async () => {
    const x = await extract({ checkboxes: { Policy_LineOfBusiness_BusinessAuto_A: true } });
    expect(field(x, "lineOfBusiness")).toMatchObject({ found: true, confidence: 0.6, source: "Policy_LineOfBusiness_BusinessAuto_A", value: "CA" });
  });

  it("with several ticked, takes the first in GL, PROP, CA order at 0.4 and notes it", async () => {
    const x = await extract({ checkboxes: { LOB_CommercialAuto: true, LOB_CommercialProperty: false, LOB_GeneralLiability: true } });
    expect(field(x, "lineOfBusiness")).toEqual({
      field: "lineOfBusiness",
      found: true,
      confidence: 0.4,
      source: "LOB_GeneralLiability",
      value: "GL",
      note: "several lines of business checked (GL, CA); took GL",
    });
  });

  it("with none ticked, the line of business is missing", async () => {
    const x = await extract({ checkboxes: { LOB_GeneralLiability: false, LOB_CommercialProperty: false, LOB_CommercialAuto: false } });
    expect(field(x, "lineOfBusiness")).toEqual({ field: "lineOfBusiness", found: false, confidence: 0, source: null, value: null });
    expect(x.missing).toContain("lineOfBusiness");
  });

  it("treats an 'X' typed into a checkbox-named text field as ticked", async () => {
    const x = await extract({ text: { LOB_CommercialAuto: "X" } });
    expect(field(x, "lineOfBusiness")).toMatchObject({ found: true, confidence: 0.8, value: "CA" });
  });

  it("a clean LOB code field outranks a ticked box that agrees, and is marked down when one disagrees", async () => {
    const agree = await extract({ text: { Policy_LineOfBusinessCode_A: "PROP" }, checkboxes: { LOB_CommercialProperty: true } });
    expect(field(agree, "lineOfBusiness")).toEqual({ field: "lineOfBusiness", found: true, confidence: 1, source: "Policy_LineOfBusinessCode_A", value: "PROP" });
    const disagree = await extract({ text: { Policy_LineOfBusinessCode_A: "PROP" }, checkboxes: { LOB_CommercialAuto: true } });
    expect(field(disagree, "lineOfBusiness")).toMatchObject({ confidence: 0.4, value: "PROP", note: 'conflicting values: "CA" in LOB_CommercialAuto; took "PROP"' });
  });
});

describe("ACORD 125 intake: files that cannot be read", () => {
  const rejection = (message: string) => ({
    ok: false,
    error: { code: "validation_failed", message, details: { field: "file", rule: "acord125" } },
  });

  it("refuses bytes that are not a PDF", async () => {
    expect(await parseAcord125(new TextEncoder().encode("NamedInsured_FullName_A,Acme\n"))).toEqual(rejection("The file is not a PDF (no %PDF- header)"));
    expect(await parseAcord125(new Uint8Array(0))).toEqual(rejection("The file is not a PDF (no %PDF- header)"));
  });

  it("refuses a PDF with a header but a body that cannot be parsed", async () => {
    const result = await parseAcord125(new TextEncoder().encode("%PDF-1.7\n%garbage with no objects, no xref and no trailer\n"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.details).toEqual({ field: "file", rule: "acord125" });
  });

  it("refuses a PDF without a form", async () => {
    expect(await parseAcord125(await buildPdfWithoutForm())).toEqual(
      rejection("The PDF has no fillable form (AcroForm); a flattened or scanned application cannot be read"),
    );
  });

  it("refuses a form with no fields (a flattened application)", async () => {
    expect(await parseAcord125(await buildAcord125Pdf({}))).toEqual(rejection("The PDF's form has no fields; a flattened application cannot be read"));
  });

  it("refuses a truncated PDF without throwing", async () => {
    const bytes = await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION });
    const result = await parseAcord125(bytes.slice(0, Math.floor(bytes.length / 3)));
    expect(result.ok).toBe(false);
  });

  it("refuses an encrypted PDF", async () => {
    const bytes = await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION, encrypted: true });
    expect(await parseAcord125(bytes)).toEqual(rejection("The PDF is encrypted; upload an unprotected copy of the application"));
  });
});

describe("ACORD 125 value parsers", () => {
  it.each([
    ["8000000", 8_000_000, false],
    ["1234.5", 1234.5, false],
    ["$1,234.56", 1234.56, true],
    ["$8,054.79", 8054.79, true],
    ["$ 0.10", 0.1, true],
    ["USD 250,000", 250_000, true],
    ["1,000,000.01 USD", 1_000_000.01, true],
    ["$90,071,992,547,409.91", 90_071_992_547_409.91, true],
  ])("money %j → %s (normalised: %s), exactly", (text, value, normalised) => {
    expect(parseMoneyText(text)).toEqual({ value, normalised });
  });

  it.each(["1.005", "-100", "(500)", "1e6", "$", "12,34", "$90,071,992,547,409.92", "one million"])("money %j is refused", (text) => {
    expect(parseMoneyText(text)).toBeNull();
  });

  it.each([
    ["2027-05-01", "2027-05-01", false],
    ["05/01/2027", "2027-05-01", true],
    ["5/1/2027", "2027-05-01", true],
    ["12-31-2027", "2027-12-31", true],
  ])("date %j → %s", (text, value, normalised) => {
    expect(parseDateText(text)).toEqual({ value, normalised });
  });

  it.each(["2027-02-29", "02/30/2027", "31/12/2027", "2027/05/01", "May 1, 2027"])("date %j is refused", (text) => {
    expect(parseDateText(text)).toBeNull();
  });
});
