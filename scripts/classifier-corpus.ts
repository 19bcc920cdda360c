/**
 * Generates the labelled corpus the local document classifier is trained and measured on
 * (test/fixtures/classifier-corpus): 24 documents of each of the ten kinds of DECISIONS.md, from
 * several layouts and wordings per kind, with noise (OCR-like typos, shuffled sections, irrelevant
 * boilerplate, filled or flattened forms) and scans without a text layer (raster images → `photo`,
 * image-only PDFs → `other`). A fixed seed makes it reproducible: `npm run corpus:classifier`
 * rewrites the same bytes. One document in four of each kind is held out (`split: "heldout"`): the
 * training script never reads it; the report measures on it alone.
 *
 * The JPEG files are JPEG-framed (SOI, JFIF header, a comment segment of noise, EOI), not decodable
 * pictures: the classifier reads a raster image's detected type only, never its pixels.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { DOCUMENT_CLASSES, type DocumentClass } from "../workers/documents/src/classifier/features.ts";

export const CORPUS_DIR = join(import.meta.dirname, "..", "test", "fixtures", "classifier-corpus");
export const PER_KIND = 24;
const SEED = 20261201;

/** One corpus entry, as manifest.json lists it. */
export interface CorpusEntry {
  file: string;
  kind: DocumentClass;
  split: "train" | "heldout";
  /** The layout the generator used (for reading confusion matrices, not for training). */
  layout: string;
}

// mulberry32: small, seedable, the same sequence on every machine.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const chance = (p: number) => random() < p;
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const COMPANIES = ["Harbor Point Logistics LLC", "Blue Mesa Roofing Inc", "Cedar & Pine Bakery", "Northwind Freight Co", "Summit Dental Group", "Riverbend Auto Repair", "Ironclad Welding LLC", "Maple Street Cafe", "Apex Software Labs", "Golden Gate Florists", "Lakeside Storage Partners", "Redwood Electric Inc"];
const CARRIERS = ["Granite Mutual Insurance Co", "Pacific Shield Casualty", "Keystone Indemnity Company", "Evergreen Specialty Insurance", "Frontier National Assurance"];
const AGENCIES = ["Brightline Insurance Brokers", "Coastal Risk Partners", "Main Street Agency", "Heritage Insurance Services"];
const STATES = ["CA", "OR", "WA", "TX", "NY", "IL", "FL", "CO", "AZ", "GA"];
const CITIES = ["Portland", "Austin", "Denver", "Sacramento", "Phoenix", "Chicago", "Tampa", "Seattle", "Atlanta", "Buffalo"];
const STREETS = ["Main St", "Oak Ave", "Industrial Pkwy", "Harbor Blvd", "Elm Street", "Commerce Dr"];
const PEOPLE = ["Maria Lopez", "James Chen", "Aisha Patel", "Robert King", "Emily Novak", "David Okafor", "Sofia Rossi", "Tom Becker"];

const money = () => `$${int(1, 900).toLocaleString("en-US")},${String(int(0, 999)).padStart(3, "0")}.${String(int(0, 99)).padStart(2, "0")}`;
const small = () => `$${int(100, 9999).toLocaleString("en-US")}.${String(int(0, 99)).padStart(2, "0")}`;
const date = () => `${String(int(1, 12)).padStart(2, "0")}/${String(int(1, 28)).padStart(2, "0")}/${int(2019, 2027)}`;
const policyNo = () => `${pick(["GL", "CPP", "BA", "PRP", "CGL"])}-${int(100000, 999999)}-${int(10, 99)}`;
const address = () => `${int(10, 9999)} ${pick(STREETS)}, ${pick(CITIES)}, ${pick(STATES)} ${int(10000, 99999)}`;
const phone = () => `(${int(200, 989)}) ${int(200, 989)}-${String(int(0, 9999)).padStart(4, "0")}`;

/** Text shared by many kinds: it says nothing about what a document is, so it must not sway the model. */
const BOILERPLATE = [
  "This communication is confidential and intended solely for the addressee.",
  "Please retain this document for your records.",
  "If you have questions, contact your agent or broker at the number shown.",
  "Privacy notice: we collect nonpublic personal information as permitted by law.",
  "Fraud warning: any person who knowingly presents false information may be subject to penalties.",
  "Thank you for your business.",
  "Visit our website for service and account information.",
  "All rights reserved. Reproduction without permission is prohibited.",
];

/**
 * Phrases any document of a kind may carry, whatever its layout: the shared vocabulary of the
 * trade (every loss run speaks of incurred and reserves, every endorsement of the policy it
 * changes). Each document takes a few, so a layout the model never saw still shares words with
 * the ones it did; the report's leave-one-layout-out figure measures how far that carries.
 */
const KIND_PHRASES: Record<DocumentClass, string[]> = {
  acord_125: ["Commercial insurance application", "applicant information", "named insured mailing address", "nature of business", "prior carrier information", "loss history", "lines of business requested", "FEIN", "signature of applicant", "proposed effective date"],
  acord_25: ["certificate of liability insurance", "certificate holder", "matter of information only", "confers no rights", "additional insured", "waiver of subrogation", "insurer affording coverage", "NAIC", "authorized representative", "description of operations"],
  loss_run: ["loss run", "valued as of", "total incurred", "outstanding reserve", "paid indemnity", "open claims", "closed claims", "loss history", "claim count", "date of loss"],
  policy_declarations: ["declarations", "policy period", "named insured", "limits of insurance", "total premium", "forms and endorsements", "coverage part", "each occurrence limit", "policy number", "countersigned"],
  endorsement: ["this endorsement changes the policy", "please read it carefully", "endorsement effective", "it is agreed", "schedule", "this endorsement modifies insurance", "all other terms and conditions remain unchanged", "additional premium", "forms a part of the policy", "endorsement number"],
  invoice: ["invoice", "amount due", "due date", "bill to", "remit payment", "invoice number", "balance due", "payment terms", "subtotal", "please pay"],
  claim_form: ["notice of loss", "claimant", "date of loss", "description of loss", "claim form", "location of loss", "reported by", "estimated amount of loss", "claimant signature", "injured persons"],
  police_report: ["police", "officer", "badge", "case number", "narrative", "incident", "reporting party", "witness", "citation", "report number"],
  photo: [],
  other: ["agenda", "newsletter", "lease", "minutes", "welcome", "team", "events", "rent", "meeting", "community"],
};

type Layout = { name: string; sections: () => string[][]; fields?: () => Record<string, string> };

const acord125Fields = (): Record<string, string> => {
  const canonical = chance(0.5);
  return {
    [canonical ? "NamedInsured_FullName_A" : "applicant_name"]: pick(COMPANIES),
    [canonical ? "Applicant_NAICSCode_A" : "naics_code"]: pick(["484110", "238160", "311811", "541511", "722513", "811111"]),
    [canonical ? "CommercialPolicy_AnnualRevenue" : "annual_revenue"]: money(),
    [canonical ? "CommercialPolicy_RequestedLimitAmount_A" : "requested_limit"]: pick(["1000000", "$2,000,000.00", "500000"]),
    [canonical ? "Policy_EffectiveDate_A" : "effective_date"]: `0${int(1, 9)}/15/2027`,
    [canonical ? "NamedInsured_MailingAddress_StateOrProvinceCode_A" : "state"]: pick(STATES),
    [canonical ? "Policy_LineOfBusinessCode_A" : "lob"]: pick(["GL", "PROP", "CA"]),
    NamedInsured_Primary_EmailAddress_A: "owner@example.com",
  };
};

const LAYOUTS: Record<DocumentClass, Layout[]> = {
  acord_125: [
    {
      name: "acord125-filled-form",
      fields: acord125Fields,
      sections: () => [
        ["COMMERCIAL INSURANCE APPLICATION", "APPLICANT INFORMATION SECTION"],
        ["AGENCY", pick(AGENCIES), "CARRIER", pick(CARRIERS), "NAIC CODE"],
        ["LINES OF BUSINESS INDICATE LINES OF BUSINESS", "COMMERCIAL GENERAL LIABILITY  COMMERCIAL PROPERTY  BUSINESS AUTO"],
        ["NAME (First Named Insured) AND MAILING ADDRESS", "GL CODE  SIC  NAICS  FEIN OR SOC SEC #", "BUSINESS PHONE #", "WEBSITE ADDRESS"],
        ["NATURE OF BUSINESS", "DESCRIPTION OF PRIMARY OPERATIONS", "DATE BUSINESS STARTED", "ANNUAL REVENUES"],
      ],
    },
    {
      name: "acord125-flattened",
      sections: () => [
        ["ACORD 125 (2016/03)", "COMMERCIAL INSURANCE APPLICATION"],
        [`APPLICANT: ${pick(COMPANIES)}`, `MAILING ADDRESS: ${address()}`, `NAICS: ${pick(["484110", "238160", "541511"])}  FEIN: 12-${int(1000000, 9999999)}`],
        [`PROPOSED EFF DATE ${date()}  PROPOSED EXP DATE ${date()}`, "BILLING PLAN DIRECT  AGENCY  PAYMENT PLAN"],
        ["PRIOR CARRIER INFORMATION", "LOSS HISTORY FOR THE PRIOR 5 YEARS", "ANY PAST LOSSES OR CLAIMS RELATING TO SEXUAL ABUSE"],
        ["GENERAL INFORMATION", "IS THE APPLICANT A SUBSIDIARY OF ANOTHER ENTITY?", "ANY POLICY OR COVERAGE DECLINED, CANCELLED OR NON-RENEWED DURING THE PRIOR THREE YEARS?"],
        ["SIGNATURE OF APPLICANT  PRODUCER'S SIGNATURE  NATIONAL PRODUCER NUMBER"],
      ],
    },
    {
      name: "acord125-alias-form",
      fields: acord125Fields,
      sections: () => [
        ["Commercial Insurance Application (Applicant Information)"],
        ["Section 1: Applicant", "Named insured, mailing address, FEIN, NAICS code, entity type: corporation / LLC / partnership"],
        ["Section 2: Requested coverage", "Indicate lines of business requested and proposed effective date"],
        ["Section 3: Premises information", "Location number, building number, street, city, state, zip, interest owner / tenant"],
        ["Section 4: Prior carrier information and loss history"],
      ],
    },
  ],
  acord_25: [
    {
      name: "acord25-classic",
      sections: () => [
        ["CERTIFICATE OF LIABILITY INSURANCE", `DATE (MM/DD/YYYY) ${date()}`],
        ["THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER.", "THIS CERTIFICATE DOES NOT AFFIRMATIVELY OR NEGATIVELY AMEND, EXTEND OR ALTER THE COVERAGE AFFORDED BY THE POLICIES BELOW."],
        [`PRODUCER ${pick(AGENCIES)}`, `INSURED ${pick(COMPANIES)}`, `INSURER A: ${pick(CARRIERS)}  NAIC # ${int(10000, 39999)}`],
        ["COVERAGES  CERTIFICATE NUMBER  REVISION NUMBER", "INSR LTR  TYPE OF INSURANCE  ADDL INSD  SUBR WVD  POLICY NUMBER  POLICY EFF  POLICY EXP  LIMITS"],
        [`COMMERCIAL GENERAL LIABILITY  EACH OCCURRENCE ${money()}  DAMAGE TO RENTED PREMISES  MED EXP (Any one person)  PERSONAL & ADV INJURY  GENERAL AGGREGATE  PRODUCTS - COMP/OP AGG`],
        ["CERTIFICATE HOLDER", pick(COMPANIES), address(), "CANCELLATION: SHOULD ANY OF THE ABOVE DESCRIBED POLICIES BE CANCELLED BEFORE THE EXPIRATION DATE THEREOF, NOTICE WILL BE DELIVERED IN ACCORDANCE WITH THE POLICY PROVISIONS.", "AUTHORIZED REPRESENTATIVE"],
      ],
    },
    {
      name: "acord25-summary",
      sections: () => [
        ["Certificate of Insurance", `Certificate No. COI-${int(2020, 2027)}-${int(100000, 999999)}`],
        ["This certificate is issued as a matter of information only and confers no rights upon the certificate holder."],
        [`Certificate holder: ${pick(COMPANIES)}, ${address()}`, "Additional insured: yes  Waiver of subrogation: yes"],
        [`Description of operations / locations / vehicles: ${pick(["Roofing work at the holder's premises", "Delivery services", "Catering for events"])}`],
        [`General liability each occurrence ${money()}  aggregate ${money()}`, `Automobile liability combined single limit ${money()}`, "Umbrella liab  excess liab  workers compensation and employers' liability"],
      ],
    },
    {
      name: "acord25-holder-letter",
      sections: () => [
        ["EVIDENCE OF COVERAGE / CERTIFICATE HOLDER COPY"],
        [`Insured: ${pick(COMPANIES)}`, `Insurer: ${pick(CARRIERS)} (NAIC ${int(10000, 39999)})`, `Policy number ${policyNo()}, policy eff ${date()}, policy exp ${date()}`],
        ["The certificate holder is named as additional insured where required by written contract.", "This certificate confers no rights upon the certificate holder and does not amend the coverage afforded by the policies."],
        ["Should any of the above described policies be cancelled, notice will be delivered in accordance with the policy provisions."],
      ],
    },
  ],
  loss_run: [
    {
      name: "lossrun-table",
      sections: () => [
        ["LOSS RUN REPORT", `Valued as of ${date()}`, `Insured: ${pick(COMPANIES)}  Policy: ${policyNo()}`],
        ["Claim Number  Date of Loss  Date Reported  Claimant  Status  Paid  Reserve  Total Incurred"],
        ...Array.from({ length: int(3, 8) }, () => [`CLM-${int(100000, 999999)}  ${date()}  ${date()}  ${pick(PEOPLE)}  ${pick(["Open", "Closed", "Closed", "Reopened"])}  ${small()}  ${small()}  ${small()}`]),
        [`Totals: ${int(3, 8)} claims  Paid ${money()}  Outstanding reserve ${small()}  Incurred ${money()}`],
      ],
    },
    {
      name: "lossrun-letter",
      sections: () => [
        ["Currently Valued Loss History", `Carrier: ${pick(CARRIERS)}`],
        [`Policy period ${date()} to ${date()}: no losses reported.`, `Policy period ${date()} to ${date()}: ${int(1, 4)} claims, total incurred ${small()}.`],
        ["Loss experience summary by policy year, including open and closed claims, paid indemnity, paid expense and outstanding reserves."],
        ["Loss ratio", `${int(5, 95)}%`, "Frequency and severity trend"],
      ],
    },
    {
      name: "lossrun-carrier-export",
      sections: () => [
        [`${pick(CARRIERS)} - Claims Experience Report (loss runs)`, `Run date ${date()}`],
        ["Policy Year | Claims Count | Open | Closed | Indemnity Paid | Expense Paid | Reserves | Incurred"],
        ...Array.from({ length: int(3, 5) }, () => [`${int(2019, 2026)} | ${int(0, 9)} | ${int(0, 3)} | ${int(0, 6)} | ${small()} | ${small()} | ${small()} | ${small()}`]),
        ["Large loss detail: claims over $25,000 incurred are listed with a description of loss."],
      ],
    },
  ],
  policy_declarations: [
    {
      name: "dec-page-gl",
      sections: () => [
        ["COMMERCIAL GENERAL LIABILITY DECLARATIONS", `Policy Number ${policyNo()}`],
        [`Named Insured and Mailing Address: ${pick(COMPANIES)}, ${address()}`, `Policy Period: From ${date()} to ${date()} at 12:01 A.M. standard time at your mailing address`],
        ["LIMITS OF INSURANCE", `Each Occurrence Limit ${money()}`, `General Aggregate Limit ${money()}`, `Products-Completed Operations Aggregate Limit ${money()}`],
        ["Form of business: limited liability company", "Business description", "Location of all premises you own, rent or occupy"],
        [`Total advance premium ${small()}`, "Forms and endorsements applicable to this coverage part", "In return for the payment of the premium, and subject to all the terms of this policy, we agree with you to provide the insurance as stated in this policy."],
      ],
    },
    {
      name: "dec-page-property",
      sections: () => [
        ["COMMERCIAL PROPERTY COVERAGE PART DECLARATIONS PAGE"],
        [`Policy No. ${policyNo()}  Effective Date ${date()}  Expiration Date ${date()}`, `Named insured: ${pick(COMPANIES)}`],
        ["Described premises: premises number, building number, location", `Building limit of insurance ${money()}  Business personal property ${money()}`, "Covered causes of loss: special  Coinsurance 80%  Deductible $1,000"],
        [`Premium ${small()}`, "Mortgageholders", "Optional coverages: agreed value, replacement cost, inflation guard"],
      ],
    },
    {
      name: "dec-page-auto",
      sections: () => [
        ["BUSINESS AUTO DECLARATIONS", `Policy number: ${policyNo()}`, `Insurer: ${pick(CARRIERS)}`],
        [`Item One: named insured and mailing address ${pick(COMPANIES)}`, `Item Two: schedule of coverages and covered autos; liability ${money()} combined single limit`],
        ["Item Three: schedule of covered autos you own", `Item Four: schedule of hired or borrowed covered auto coverage and premiums ${small()}`],
        ["The policy period is from the effective date to the expiration date shown. Countersigned by authorized representative."],
      ],
    },
  ],
  endorsement: [
    {
      name: "endorsement-additional-insured",
      sections: () => [
        ["THIS ENDORSEMENT CHANGES THE POLICY. PLEASE READ IT CAREFULLY."],
        ["ADDITIONAL INSURED - OWNERS, LESSEES OR CONTRACTORS - SCHEDULED PERSON OR ORGANIZATION"],
        ["This endorsement modifies insurance provided under the following: COMMERCIAL GENERAL LIABILITY COVERAGE PART"],
        ["SCHEDULE", `Name of additional insured person(s) or organization(s): ${pick(COMPANIES)}`, "Location(s) of covered operations"],
        ["Section II - Who Is An Insured is amended to include as an additional insured the person(s) or organization(s) shown in the Schedule, but only with respect to liability caused in whole or in part by your acts or omissions."],
      ],
    },
    {
      name: "endorsement-change",
      sections: () => [
        [`POLICY CHANGE ENDORSEMENT NO. ${int(1, 9)}`, `Policy number ${policyNo()}  Endorsement effective ${date()}`],
        ["In consideration of the additional premium shown, it is hereby understood and agreed that the policy is amended as follows:"],
        [pick(["The named insured is changed to read", "The mailing address is changed to", "The following vehicle is added to the schedule of covered autos", "The limit of insurance for the described premises is increased"]), `Additional premium ${small()}  Return premium $0.00`],
        ["All other terms and conditions of this policy remain unchanged.", "Authorized representative"],
      ],
    },
    {
      name: "endorsement-waiver",
      sections: () => [
        ["WAIVER OF TRANSFER OF RIGHTS OF RECOVERY AGAINST OTHERS TO US"],
        ["This endorsement modifies insurance provided under the following coverage part."],
        ["Schedule: name of person or organization: any person or organization with whom you have agreed in a written contract to waive subrogation."],
        ["The Transfer Of Rights Of Recovery Against Others To Us condition is amended by the addition of the following: we waive any right of recovery we may have against the person or organization shown in the schedule."],
        ["This endorsement forms a part of the policy to which it is attached, effective on the inception date of the policy unless otherwise stated."],
      ],
    },
  ],
  invoice: [
    {
      name: "invoice-premium",
      sections: () => [
        ["INVOICE", `Invoice No. INV-${int(10000, 99999)}  Invoice Date ${date()}`],
        [`Bill To: ${pick(COMPANIES)}`, address()],
        ["Description  Quantity  Unit Price  Amount", `Installment ${int(1, 12)} of 12 premium ${small()}`, `Policy fee ${small()}`, `State surcharge ${small()}`],
        [`Subtotal ${small()}  Tax ${small()}  Total Amount Due ${small()}`, `Due Date ${date()}`, "Please remit payment to the address below. Make checks payable to the billing company."],
      ],
    },
    {
      name: "invoice-vendor",
      sections: () => [
        [`${pick(["Acme Plumbing Supply", "Westside Glass Repair", "Rapid Towing Service", "Clearview Restoration"])}`, "INVOICE / STATEMENT"],
        [`Customer: ${pick(COMPANIES)}  Account # ${int(1000, 9999)}`, `Terms: Net ${pick([15, 30, 45])}`],
        ["Item  Qty  Rate  Line total", `Labor ${int(1, 20)} hrs ${small()}`, `Materials ${small()}`, `Service call ${small()}`],
        [`Balance due ${small()}`, "Remit to: PO Box 4410", "Late payments are subject to a 1.5% monthly finance charge."],
      ],
    },
    {
      name: "invoice-statement",
      sections: () => [
        ["PREMIUM STATEMENT OF ACCOUNT", `Statement date ${date()}`],
        [`Account: ${pick(COMPANIES)}`, `Previous balance ${small()}  Payments received ${small()}`],
        [`Amount due ${small()} by ${date()}`, "Pay online, by phone or by mail. Please detach and return the payment coupon with your remittance."],
        ["Payment coupon", "Amount enclosed", "Invoice number"],
      ],
    },
  ],
  claim_form: [
    {
      name: "claim-fnol",
      sections: () => [
        ["FIRST NOTICE OF LOSS", "PROPERTY LOSS NOTICE"],
        [`Date of loss ${date()}  Time of loss ${int(1, 12)}:${String(int(0, 59)).padStart(2, "0")} PM`, `Policy number ${policyNo()}`],
        [`Insured: ${pick(COMPANIES)}  Contact ${pick(PEOPLE)}  Phone ${phone()}`, `Location of loss: ${address()}`],
        [`Description of loss and damage: ${pick(["Water damage from a burst pipe in the ceiling", "Fire in the kitchen area", "Wind damage to the roof", "Theft of tools from the job site"])}`, "Estimated amount of loss", "Reported by  Reported to"],
        ["Signature of claimant  Date signed"],
      ],
    },
    {
      name: "claim-auto",
      sections: () => [
        ["AUTOMOBILE LOSS NOTICE / CLAIM FORM"],
        [`Claimant name ${pick(PEOPLE)}  Claim no. (if known)`, `Date and time of accident ${date()}`],
        ["Insured vehicle: year, make, model, VIN, plate number", "Driver's name, license number, relation to insured", "Other vehicle involved, owner, insurer and policy number"],
        ["Injured persons: name, address, extent of injury", "Describe how the accident happened", "Were police notified? Report number"],
        ["I declare that the information given in this claim form is true and complete. Claimant signature."],
      ],
    },
    {
      name: "claim-liability",
      sections: () => [
        ["General Liability Notice of Occurrence / Claim"],
        [`Occurrence date ${date()}  Location ${address()}`, `Claimant ${pick(PEOPLE)}, phone ${phone()}`],
        ["Description of occurrence", "Type of injury or property damage", "Witnesses", "Has the claimant made a demand? Is the claimant represented by an attorney?"],
        ["Please submit this form with photos and supporting documents to your claims adjuster."],
      ],
    },
  ],
  police_report: [
    {
      name: "police-traffic",
      sections: () => [
        [`${pick(CITIES)} Police Department`, "TRAFFIC COLLISION REPORT", `Case Number ${int(2019, 2026)}-${int(100000, 999999)}`],
        [`Reporting officer: Officer ${pick(PEOPLE)}  Badge # ${int(100, 9999)}`, `Date/time of collision ${date()}`],
        ["Party 1 driver  vehicle year make model  plate  insurance carrier", "Party 2 driver  vehicle  plate", "Primary collision factor  Vehicle code violation"],
        ["Narrative: V1 was traveling northbound when V2 failed to yield at the intersection. Both drivers were interviewed at the scene.", "Witness statements attached.  Citation issued: yes"],
      ],
    },
    {
      name: "police-incident",
      sections: () => [
        ["INCIDENT REPORT", `Sheriff's Office of ${pick(CITIES)} County`, `Report # ${int(100000, 999999)}  Offense: ${pick(["Burglary - commercial", "Vandalism", "Theft from vehicle", "Criminal mischief"])}`],
        [`Reporting party: ${pick(PEOPLE)}`, `Location of incident: ${address()}`, `Responding deputy ${pick(PEOPLE)}, unit ${int(10, 99)}`],
        ["Narrative: upon arrival I met with the reporting party who stated the rear door had been forced open. Suspect unknown. Evidence collected and logged.", "Property taken: description, serial number, value"],
        ["Supervisor approval  Case status: open / pending investigation"],
      ],
    },
    {
      name: "police-exchange",
      sections: () => [
        ["STATE OF " + pick(STATES) + " OFFICIAL ACCIDENT REPORT - LAW ENFORCEMENT COPY"],
        [`Agency ORI ${pick(STATES)}0${int(100000, 999999)}  Officer ID ${int(1000, 9999)}`, "Crash severity: property damage only  Weather: clear  Road surface: dry"],
        ["Unit 1 / Unit 2 driver information, sequence of events, point of impact diagram", "Officer's narrative and opinion of contributing circumstances"],
      ],
    },
  ],
  photo: [
    { name: "photo-png", sections: () => [] },
    { name: "photo-jpeg", sections: () => [] },
  ],
  other: [
    {
      name: "other-lease",
      sections: () => [
        ["COMMERCIAL LEASE AGREEMENT"],
        [`This lease is made between ${pick(COMPANIES)} (landlord) and ${pick(COMPANIES)} (tenant) for the premises at ${address()}.`],
        [`Term: ${int(1, 10)} years commencing ${date()}. Base rent ${small()} per month, payable on the first day of each month.`, "Tenant shall maintain the premises in good repair and shall not sublet without consent."],
        ["Signed by the parties on the date first written above."],
      ],
    },
    {
      name: "other-newsletter",
      sections: () => [
        [`${pick(AGENCIES)} Quarterly Newsletter`],
        ["Welcome to our spring issue! This quarter we look at workplace safety programs, hiring trends and our team's community volunteer day."],
        ["Tip of the month: review your business continuity plan and keep emergency contacts up to date.", "Meet the team: our newest account manager joined us from the hospitality industry."],
        ["Upcoming events: networking breakfast, charity golf tournament, holiday party."],
      ],
    },
    {
      name: "other-minutes",
      sections: () => [
        ["Meeting Minutes", `Date: ${date()}  Attendees: ${pick(PEOPLE)}, ${pick(PEOPLE)}, ${pick(PEOPLE)}`],
        ["1. Call to order and approval of the agenda.", "2. Review of last quarter's marketing budget and website redesign.", "3. Office move planning: movers, furniture, IT equipment.", "4. Action items and next meeting date."],
      ],
    },
    { name: "other-scanned-pdf", sections: () => [] },
  ],
};

const TYPOS: [RegExp, string][] = [[/o/g, "0"], [/l/g, "1"], [/m/g, "rn"], [/e/g, "c"], [/i/g, "l"], [/s/g, "5"]];

/** OCR-like damage: a few letters swapped for look-alikes, a few dropped. */
function ocrNoise(line: string, rate: number): string {
  let out = "";
  for (const ch of line) {
    const r = random();
    if (r < rate / 3) continue;
    if (r < rate) {
      const typo = TYPOS.find(([re]) => re.source === ch.toLowerCase());
      out += typo ? typo[1] : ch;
    } else out += ch;
  }
  return out;
}

function textOf(kind: DocumentClass, layout: Layout): string[] {
  const sections = layout.sections();
  // Shuffle the body (the title stays first, as on a real document) in half the documents.
  if (chance(0.5) && sections.length > 2) sections.splice(1, sections.length - 1, ...shuffle(sections.slice(1)));
  // Drop one body section now and then: real documents are partial.
  if (chance(0.3) && sections.length > 3) sections.splice(int(1, sections.length - 1), 1);
  const lines = sections.flat();
  const phrases = shuffle([...KIND_PHRASES[kind]]).slice(0, int(2, 4));
  if (phrases.length) lines.splice(int(1, lines.length), 0, phrases.join(". ") + ".");
  for (let i = int(0, 3); i > 0; i--) lines.splice(int(0, lines.length), 0, pick(BOILERPLATE));
  // Confusers: a line or two borrowed from another kind (a claim form quotes the declarations, an
  // invoice names the certificate it bills for), so no single phrase decides a kind.
  for (let i = int(0, 2); i > 0; i--) {
    const other = pick(DOCUMENT_CLASSES.filter((k) => k !== kind && k !== "photo"));
    const borrowed = pick(LAYOUTS[other].filter((l) => l.name !== "other-scanned-pdf")).sections().flat();
    if (borrowed.length) lines.splice(int(1, lines.length), 0, pick(borrowed));
  }
  // A partial copy: the first pages only, or a page missing in the middle.
  if (chance(0.25) && lines.length > 6) lines.splice(int(3, lines.length - 2), int(1, 3));
  const rate = pick([0, 0, 0.03, 0.06, 0.1, 0.14]);
  return rate ? lines.map((l) => ocrNoise(l, rate)) : lines;
}

/** Word-wraps to fit a page of Helvetica 9 pt. */
function wrap(line: string, width = 100): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of line.split(/\s+/)) {
    if ((current + " " + word).trim().length > width) {
      out.push(current);
      current = word;
    } else current = (current + " " + word).trim();
  }
  if (current) out.push(current);
  return out;
}

async function textPdf(lines: string[], fields?: Record<string, string>): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date(Date.UTC(2026, 11, 1)));
  doc.setModificationDate(new Date(Date.UTC(2026, 11, 1)));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const wrapped = lines.flatMap((l) => wrap(l));
  const perPage = 60;
  let page = doc.addPage([612, 792]);
  let y = 750;
  let onPage = 0;
  for (const line of wrapped) {
    if (onPage === perPage || (onPage > 12 && chance(0.04))) {
      page = doc.addPage([612, 792]);
      y = 750;
      onPage = 0;
    }
    page.drawText(line, { x: 40, y, size: 9, font });
    y -= 12;
    onPage++;
  }
  if (fields) {
    const form = doc.getForm();
    let fy = Math.max(60, y - 20);
    const first = doc.getPage(0);
    for (const [name, value] of Object.entries(fields)) {
      const field = form.createTextField(name);
      field.setText(value);
      field.addToPage(first, { x: 330, y: fy, width: 240, height: 14, font });
      fy = fy > 80 ? fy - 16 : 700;
    }
  }
  return doc.save({ useObjectStreams: false });
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A small RGB PNG of smooth noise (a stand-in for a photo of damage or a scanned page). */
function png(width: number, height: number): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const base = [int(40, 200), int(40, 200), int(40, 200)];
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) raw[y * (width * 3 + 1) + 1 + x * 3 + c] = Math.max(0, Math.min(255, base[c]! + int(-30, 30) + ((x + y) % 16)));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);
}

/** A JPEG-framed file (see the module comment): SOI, JFIF APP0, a comment of noise, EOI. */
function jpeg(): Uint8Array {
  const noise = Buffer.from(Array.from({ length: int(300, 900) }, () => int(0, 255)));
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00]);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, (noise.length + 2) >> 8, (noise.length + 2) & 0xff]), noise]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, com, Buffer.from([0xff, 0xd9])]);
}

/** A scan: pages that are pictures only, no text layer. */
async function imagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date(Date.UTC(2026, 11, 1)));
  doc.setModificationDate(new Date(Date.UTC(2026, 11, 1)));
  for (let p = int(1, 3); p > 0; p--) {
    const image = await doc.embedPng(png(48, 64));
    doc.addPage([612, 792]).drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
  }
  return doc.save({ useObjectStreams: false });
}

async function generate(kind: DocumentClass, layout: Layout): Promise<{ bytes: Uint8Array; ext: string }> {
  if (layout.name === "photo-png") return { bytes: png(int(24, 48), int(24, 48)), ext: "png" };
  if (layout.name === "photo-jpeg") return { bytes: jpeg(), ext: "jpg" };
  if (layout.name === "other-scanned-pdf") return { bytes: await imagePdf(), ext: "pdf" };
  return { bytes: await textPdf(textOf(kind, layout), layout.fields?.()), ext: "pdf" };
}

async function main() {
  mkdirSync(CORPUS_DIR, { recursive: true });
  for (const f of readdirSync(CORPUS_DIR)) rmSync(join(CORPUS_DIR, f));
  const manifest: CorpusEntry[] = [];
  for (const kind of DOCUMENT_CLASSES) {
    const layouts = LAYOUTS[kind];
    for (let i = 0; i < PER_KIND; i++) {
      // Layouts rotate, shifted every fourth document, so that every layout of a kind is in both
      // the training and the held-out split (the held-out ones are i = 3, 7, 11, …).
      const layout = layouts[(i + Math.floor(i / 4)) % layouts.length]!;
      const { bytes, ext } = await generate(kind, layout);
      const file = `${kind}-${String(i + 1).padStart(2, "0")}.${ext}`;
      writeFileSync(join(CORPUS_DIR, file), bytes);
      manifest.push({ file, kind, split: i % 4 === 3 ? "heldout" : "train", layout: layout.name });
    }
  }
  writeFileSync(join(CORPUS_DIR, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
  console.log(`wrote ${manifest.length} documents to ${CORPUS_DIR}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
