/**
 * Policy paper inside workerd: the declarations and MCS-90 templates render to PDFs whose text layer
 * says what the policy is, and `DocumentsInternal.issuePolicyDocument` stores each piece once per
 * source key, however often it is asked.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import type { DeclarationsData, Mcs90Data, PolicyDocumentRequest } from "#shared/rpc";
import type { DocumentsInternal } from "../../workers/documents/src/internal.ts";
import { objectKey } from "../../workers/documents/src/documents.service.ts";
import { renderPdf } from "../../workers/documents/src/pdf/render.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { declarationsTemplate } from "../../workers/documents/src/templates/declarations.ts";
import { MCS90_TITLE, mcs90Template } from "../../workers/documents/src/templates/mcs90.ts";
import { errorOf, unwrap } from "../support/results.ts";

const internal = (exports as unknown as { DocumentsInternal: Service<DocumentsInternal> }).DocumentsInternal;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;

const reflectsBind = { transactionType: "new_business" as const, transactionId: "txn_01J8K3M4N5P6Q7R8S9T0V1W2X3", effectiveDate: "2027-01-01", endorsementNumber: null };

const declarations = (overrides: Partial<DeclarationsData> = {}): DeclarationsData => ({
  policyNumber: "CA-2027-000042",
  insured: { name: "Müller Freight & Søn LLC", email: "ops@muller.example" },
  effectiveDate: "2027-01-01",
  expirationDate: "2028-01-01",
  lineOfBusiness: "CA",
  state: "OR",
  insurer: { name: "Cascade Mutual", naicNumber: null },
  producer: { name: "Harbor Risk Partners" },
  limit: 1_000_000,
  deductible: 2_500,
  ratingBasis: { basis: "vehicles", amount: 12 },
  premium: 18_450.5,
  annualPremium: 18_450.5,
  taxes: [{ name: "OR premium tax", amount: 415.14 }],
  fees: [{ name: "Policy fee", amount: 150 }],
  installmentPlan: "QUARTERLY",
  installments: [
    { number: 1, dueDate: "2027-01-01", premium: 4_612.65, fee: 0 },
    { number: 2, dueDate: "2027-04-01", premium: 4_612.62, fee: 5 },
    { number: 3, dueDate: "2027-07-01", premium: 4_612.62, fee: 5 },
    { number: 4, dueDate: "2027-10-01", premium: 4_612.61, fee: 5 },
  ],
  total: 19_030.64,
  forms: [{ code: "OI-DEC", title: "Common policy declarations" }, { code: "MCS-90", title: "Motor carrier public liability endorsement" }],
  endorsements: [],
  reflects: reflectsBind,
  issuedAt: "2026-12-01T12:00:00.000Z",
  ...overrides,
});

const mcs90 = (overrides: Partial<Mcs90Data> = {}): Mcs90Data => ({
  policyNumber: "CA-2027-000042",
  insured: { name: "Müller Freight & Søn LLC" },
  insurer: { name: "Cascade Mutual" },
  effectiveDate: "2027-01-01",
  limit: 750_000,
  hazmat: false,
  reflects: reflectsBind,
  issuedAt: "2026-12-01T12:00:00.000Z",
  ...overrides,
});

const textOf = async (bytes: Uint8Array) => (await pdfText(bytes)).text.replace(/\s+/g, " ");

describe("declarations template", () => {
  it("lays out the policy: number, insured, period at 12:01 a.m., line, insurer, producer, limits, basis, premium, taxes, fees, total, plan, forms", async () => {
    const data = declarationsTemplate.schema.parse(declarations());
    const { bytes, pages } = await renderPdf(declarationsTemplate.definition(data));
    const text = await textOf(bytes);
    expect(pages).toBeGreaterThanOrEqual(1);
    for (const expected of [
      "COMMON POLICY DECLARATIONS",
      "CA-2027-000042",
      "Müller Freight & Søn LLC",
      "01/01/2027",
      "01/01/2028",
      "12:01 a.m. standard time",
      "Commercial Auto (Business Auto) (CA)",
      "Cascade Mutual",
      "Harbor Risk Partners",
      "$1,000,000",
      "$2,500",
      "Number of scheduled vehicles",
      "$18,450.50",
      "OR premium tax",
      "$415.14",
      "Policy fee",
      "$15", // installment fees: three of $5
      "$19,030.64",
      "Quarterly (4 payments) (QUARTERLY)",
      "04/01/2027",
      "MCS-90",
      "Reflects new business effective 01/01/2027",
      "No endorsements have changed this policy.",
    ]) expect(text).toContain(expected);
  });

  it("names the endorsement a re-issue reflects and lists every endorsement in force", async () => {
    const data = declarations({
      reflects: { transactionType: "endorsement", transactionId: "txn_01J8K3M4N5P6Q7R8S9T0V1W2X4", effectiveDate: "2027-03-01", endorsementNumber: 2 },
      endorsements: [
        { number: 1, effectiveDate: "2027-02-01", description: "Vehicles 12 to 14" },
        { number: 2, effectiveDate: "2027-03-01", description: "Limit $1,000,000 to $2,000,000" },
      ],
    });
    const text = await textOf((await renderPdf(declarationsTemplate.definition(declarationsTemplate.schema.parse(data)))).bytes);
    expect(text).toContain("Reflects endorsement no. 2 effective 03/01/2027");
    expect(text).toContain("Vehicles 12 to 14");
    expect(text).toContain("Limit $1,000,000 to $2,000,000");
  });

  it("refuses data with a field missing, naming it", () => {
    const { policyNumber: _, ...rest } = declarations();
    const parsed = declarationsTemplate.schema.safeParse(rest);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["policyNumber"]);
  });
});

describe("MCS-90 template", () => {
  it("states the Motor Carrier Act endorsement with the federal minimum of $750,000", async () => {
    const text = await textOf((await renderPdf(mcs90Template.definition(mcs90Template.schema.parse(mcs90())))).bytes);
    expect(text).toContain(MCS90_TITLE);
    expect(text).toContain("CA-2027-000042");
    expect(text).toContain("Müller Freight & Søn LLC");
    expect(text).toContain("01/01/2027");
    expect(text).toContain("$750,000");
    expect(text).toContain("General freight");
    expect(text).toContain("final judgment");
    expect(text).not.toContain("$5,000,000");
  });

  it("states $5,000,000 for hazardous materials, and refuses a hazmat endorsement at the general-freight minimum", async () => {
    const text = await textOf((await renderPdf(mcs90Template.definition(mcs90Template.schema.parse(mcs90({ hazmat: true, limit: 5_000_000 }))))).bytes);
    expect(text).toContain("$5,000,000");
    expect(text).toContain("Hazardous materials");
    const refused = mcs90Template.schema.safeParse(mcs90({ hazmat: true, limit: 750_000 }));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(["limit"]);
  });
});

describe("DocumentsInternal.issuePolicyDocument", () => {
  const request = (policyId: string, sourceKey: string): PolicyDocumentRequest => ({
    kind: "declarations",
    sourceKey,
    policyId,
    filename: "CA-2027-000042-declarations-1.pdf",
    data: declarations(),
  });

  it("stores a rendered declarations page once per source key: a repeat answers the same document", async () => {
    const orgId = newId("org");
    const policyId = newId("pol");
    const first = unwrap(await internal.issuePolicyDocument(orgId, request(policyId, `${policyId}:1:declarations`)));
    expect(first).toMatchObject({ kind: "declarations", contentType: "application/pdf", policyId, filename: "CA-2027-000042-declarations-1.pdf" });
    const again = unwrap(await internal.issuePolicyDocument(orgId, request(policyId, `${policyId}:1:declarations`)));
    expect(again).toEqual(first);
    const rows = await env.DOCUMENTS_DB.prepare("SELECT id FROM documents WHERE org_id = ?").bind(orgId).all();
    expect(rows.results).toHaveLength(1);
    const listed = await bucket.list({ prefix: `orgs/${orgId}/` });
    expect(listed.objects.map((o) => o.key)).toEqual([objectKey(orgId, first.id)]);
    const object = await bucket.get(objectKey(orgId, first.id));
    const text = await textOf(new Uint8Array(await object!.arrayBuffer()));
    expect(text).toContain("CA-2027-000042");
  });

  it("two concurrent first issues of one key store one document; another key is a new document", async () => {
    const orgId = newId("org");
    const policyId = newId("pol");
    const [a, b] = await Promise.all([internal.issuePolicyDocument(orgId, request(policyId, "k1")), internal.issuePolicyDocument(orgId, request(policyId, "k1"))]);
    expect(unwrap(a).id).toBe(unwrap(b).id);
    const other = unwrap(await internal.issuePolicyDocument(orgId, request(policyId, "k2")));
    expect(other.id).not.toBe(unwrap(a).id);
    expect((await bucket.list({ prefix: `orgs/${orgId}/` })).objects).toHaveLength(2);
  });

  it("keys are per org: the same key in another org is that org's own document", async () => {
    const policyId = newId("pol");
    const one = unwrap(await internal.issuePolicyDocument(newId("org"), request(policyId, "shared")));
    const two = unwrap(await internal.issuePolicyDocument(newId("org"), request(policyId, "shared")));
    expect(two.id).not.toBe(one.id);
  });

  it("refuses bad data naming the field, and stores nothing", async () => {
    const orgId = newId("org");
    const bad = { ...request(newId("pol"), "bad"), data: { ...declarations(), limit: -1 } } as PolicyDocumentRequest;
    const error = errorOf(await internal.issuePolicyDocument(orgId, bad));
    expect(error).toMatchObject({ code: "validation_failed", details: { field: "data.limit" } });
    expect((await bucket.list({ prefix: `orgs/${orgId}/` })).objects).toHaveLength(0);
  });
});
