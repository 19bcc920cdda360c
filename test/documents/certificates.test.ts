/**
 * Certificates of insurance in the documents worker: the PDF says what the facts say (read back
 * from its text layer), numbers are gap-free per org and year even under concurrency and failure,
 * a failed batch leaves neither a row nor an object, and `document.generated` commits with it.
 */
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "#shared/events";
import type { CertificateFacts, GenerateCertificateInput } from "#shared/rpc";
import { generateCertificate } from "../../workers/documents/src/certificates.service.ts";
import type { DocumentsInternal, DocumentsService } from "../../workers/documents/src/index.ts";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { CERTIFICATE_NOTICE } from "../../workers/documents/src/templates/certificate.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

const rpc = (exports as unknown as { DocumentsService: Service<DocumentsService> }).DocumentsService;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;

const ULID = "01J8K3M4N5P6Q7R8S9T0V1W2X3";

function facts(overrides: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    asOf: "2026-12-01",
    policy: { id: `pol_${ULID}`, policyNumber: "GL-2026-000042", lineOfBusiness: "GL", effectiveDate: "2026-12-10", expirationDate: "2027-12-10", cancellationEffectiveDate: null },
    insured: { name: "Pacific Coast Builders", state: "OR", email: "ops@pcb.example" },
    insurer: { letter: "A", name: "Cascade Mutual Insurance Company", naic: "24031" },
    coverages: [
      {
        lineOfBusiness: "GL",
        title: "Commercial General Liability (occurrence)",
        insurerLetter: "A",
        policyNumber: "GL-2026-000042",
        effectiveDate: "2026-12-10",
        expirationDate: "2027-12-10",
        limits: [
          { label: "Each occurrence", amount: 1_000_000 },
          { label: "Damage to rented premises (each occurrence)", amount: 100_000 },
          { label: "Medical expense (any one person)", amount: 5_000 },
          { label: "Personal and advertising injury", amount: 1_000_000 },
          { label: "General aggregate", amount: 2_000_000 },
          { label: "Products - completed operations aggregate", amount: 2_000_000 },
        ],
        additionalInsured: false,
        waiverOfSubrogation: false,
      },
    ],
    additionalInsured: false,
    waiverOfSubrogation: false,
    ...overrides,
  };
}

const input = (overrides: Partial<GenerateCertificateInput> = {}): GenerateCertificateInput => ({
  facts: facts(),
  producer: { name: "Northwest Risk Partners", orgId: `org_${ULID}`, slug: "northwest-risk" },
  holder: { name: "Harbor View Properties LLC", address: { line1: "100 Main St", line2: "Suite 400", city: "Portland", state: "OR", postalCode: "97204" } },
  descriptionOfOperations: "Tenant improvements at 100 Main St, Portland.",
  ...overrides,
});

const flat = (text: string) => text.replace(/\s+/g, " ");

async function pdfOf(orgId: string, key: string) {
  const object = await bucket.get(`orgs/${orgId}/documents/${key}`);
  expect(object).not.toBeNull();
  return flat((await pdfText(new Uint8Array(await object!.arrayBuffer()))).text);
}

describe("generateCertificate", () => {
  it("stores a coi document whose text carries the ACORD 25 data and the notice", async () => {
    const p = newPrincipal();
    const cert = unwrap(await rpc.generateCertificate(p, input()));
    expect(cert).toMatchObject({
      number: "COI-2026-000001",
      policyId: `pol_${ULID}`,
      policyNumber: "GL-2026-000042",
      holder: { name: "Harbor View Properties LLC" },
      additionalInsured: false,
      waiverOfSubrogation: false,
      descriptionOfOperations: "Tenant improvements at 100 Main St, Portland.",
      document: { kind: "coi", contentType: "application/pdf", filename: "COI-2026-000001.pdf", policyId: `pol_${ULID}` },
    });
    expect(cert.id).toMatch(/^crt_/);
    expect(cert.documentId).toBe(cert.document.id);
    const text = await pdfOf(p.orgId, cert.document.id);
    for (const expected of [
      "CERTIFICATE OF LIABILITY INSURANCE",
      "COI-2026-000001",
      "GL-2026-000042",
      "Pacific Coast Builders",
      "Northwest Risk Partners",
      "Cascade Mutual Insurance Company",
      "NAIC # 24031",
      "Harbor View Properties LLC",
      "100 Main St",
      "Portland, OR 97204",
      "Each occurrence: $1,000,000",
      "Damage to rented premises (each occurrence): $100,000",
      "Medical expense (any one person): $5,000",
      "Personal and advertising injury: $1,000,000",
      "General aggregate: $2,000,000",
      "Products - completed operations aggregate: $2,000,000",
      "12/10/2026",
      "12/10/2027",
      "Tenant improvements at 100 Main St, Portland.",
      "[ ] The certificate holder is an additional insured",
      flat(CERTIFICATE_NOTICE),
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/ACORD/);
  });

  it("ticks the endorsement boxes the facts carry and titles a property certificate as one", async () => {
    const p = newPrincipal();
    const prop = facts({
      additionalInsured: true,
      waiverOfSubrogation: true,
      coverages: [{ ...facts().coverages[0]!, lineOfBusiness: "PROP", title: "Commercial Property", limits: [{ label: "Building", amount: 700_000 }, { label: "Business personal property (contents)", amount: 300_000 }], additionalInsured: true, waiverOfSubrogation: true }],
    });
    const cert = unwrap(await rpc.generateCertificate(p, input({ facts: prop })));
    expect(cert).toMatchObject({ additionalInsured: true, waiverOfSubrogation: true });
    const text = await pdfOf(p.orgId, cert.documentId);
    expect(text).toContain("CERTIFICATE OF PROPERTY INSURANCE");
    expect(text).toContain("[X] The certificate holder is an additional insured");
    expect(text).toContain("[X] Subrogation is waived in favour of the certificate holder");
    expect(text).toContain("Building: $700,000");
    expect(text).toContain("Business personal property (contents): $300,000");
  });

  it("renders two different certificates back to back, each with only its own holder, insured and limits", async () => {
    const p = newPrincipal();
    const one = unwrap(await rpc.generateCertificate(p, input()));
    const otherFacts = facts({
      insured: { name: "Quayside Joinery Ltd", state: "WA", email: "desk@quayside.example" },
      coverages: [{ ...facts().coverages[0]!, limits: [{ label: "Each occurrence", amount: 3_000_000 }, { label: "General aggregate", amount: 6_000_000 }] }],
    });
    const two = unwrap(
      await rpc.generateCertificate(
        p,
        input({ facts: otherFacts, holder: { name: "Żółw Storage Co-op", address: { line1: "9 Pier Rd", city: "Tacoma", state: "WA", postalCode: "98402" } }, descriptionOfOperations: "Dock repairs." }),
      ),
    );
    const [first, second] = [await pdfOf(p.orgId, one.documentId), await pdfOf(p.orgId, two.documentId)];
    expect(first).toContain("Harbor View Properties LLC");
    expect(first).toContain("Pacific Coast Builders");
    expect(first).toContain("Each occurrence: $1,000,000");
    expect(first).not.toMatch(/Quayside|Żółw|Dock repairs|3,000,000|COI-2026-000002/);
    expect(second).toContain("Żółw Storage Co-op");
    expect(second).toContain("Quayside Joinery Ltd");
    expect(second).toContain("Each occurrence: $3,000,000");
    expect(second).toContain("COI-2026-000002");
    expect(second).not.toMatch(/Harbor View|Pacific Coast|Tenant improvements|1,000,000|COI-2026-000001/);
  });

  it("numbers gap-free per org and per year of issue, concurrent requests included", async () => {
    const p = newPrincipal();
    const first = unwrap(await rpc.generateCertificate(p, input()));
    const concurrent = await Promise.all([1, 2, 3].map(() => rpc.generateCertificate(p, input())));
    const numbers = [first.number, ...concurrent.map((r) => unwrap(r).number)].sort();
    expect(numbers).toEqual(["COI-2026-000001", "COI-2026-000002", "COI-2026-000003", "COI-2026-000004"]);
    // Another org starts its own sequence; a new year starts again.
    expect(unwrap(await rpc.generateCertificate(newPrincipal(), input())).number).toBe("COI-2026-000001");
    expect(unwrap(await rpc.generateCertificate(p, input({ facts: facts({ asOf: "2027-01-04" }) }))).number).toBe("COI-2027-000001");
    expect(unwrap(await rpc.generateCertificate(p, input())).number).toBe("COI-2026-000005");
    // Every certificate is its own document.
    const docs = unwrap(await rpc.listDocuments(p, { kind: "coi", limit: 100 }));
    expect(new Set(docs.data.map((d) => d.id)).size).toBe(6);
  });

  it("takes the next number, re-rendered, when another isolate committed this one first", async () => {
    const p = newPrincipal();
    let raced = false;
    const racing = new Proxy(env.DOCUMENTS_DB, {
      get(target, prop) {
        if (prop === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            if (!raced) {
              raced = true;
              // Another isolate's certificate, committed between this one's read of the number and its batch.
              await target
                .prepare("INSERT INTO certificates (id, org_id, year, seq, number, policy_id, policy_number, document_id, holder, additional_insured, waiver_of_subrogation, created_by, created_at) VALUES (?, ?, 2026, 1, 'COI-2026-000001', ?, 'GL-2026-000042', ?, '{}', 0, 0, 'other', '2026-12-01T12:00:00.000Z')")
                .bind(`crt_${ULID}`, p.orgId, `pol_${ULID}`, `doc_${ULID}`)
                .run();
            }
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const cert = unwrap(await generateCertificate({ db: drizzle(racing), bucket, usage: env.WORKSPACE }, p, input()));
    expect(raced).toBe(true);
    expect(cert.number).toBe("COI-2026-000002");
    expect(await pdfOf(p.orgId, cert.documentId)).toContain("COI-2026-000002");
    // The losing attempt's PDF was deleted: one object, the winner's.
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects.map((o) => o.key)).toEqual([`orgs/${p.orgId}/documents/${cert.documentId}`]);
  });

  it("leaves no object, row or number behind when the batch fails after the PDF was written", async () => {
    const p = newPrincipal();
    const failing = new Proxy(env.DOCUMENTS_DB, {
      get(target, prop) {
        if (prop === "batch") return () => Promise.reject(new Error("D1 unavailable"));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(generateCertificate({ db: drizzle(failing), bucket, usage: env.WORKSPACE }, p, input())).rejects.toThrow("D1 unavailable");
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects).toEqual([]);
    expect(await env.DOCUMENTS_DB.prepare("SELECT COUNT(*) AS n FROM documents WHERE org_id = ?").bind(p.orgId).first("n")).toBe(0);
    expect(await env.DOCUMENTS_DB.prepare("SELECT COUNT(*) AS n FROM events WHERE org_id = ?").bind(p.orgId).first("n")).toBe(0);
    // The retry takes the number the failure never used.
    expect(unwrap(await rpc.generateCertificate(p, input())).number).toBe("COI-2026-000001");
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects).toHaveLength(1);
  });

  it("records document.generated in the same batch, readable through DocumentsInternal", async () => {
    const p = newPrincipal();
    const cert = unwrap(await rpc.generateCertificate(p, input()));
    const rows = (await env.DOCUMENTS_DB.prepare("SELECT id, type, data FROM events WHERE org_id = ?").bind(p.orgId).all<{ id: string; type: string; data: string }>()).results;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe("document.generated");
    const internal = (exports as unknown as { DocumentsInternal: Service<DocumentsInternal> }).DocumentsInternal;
    // RPC typings cannot express the envelope's free-form `data`; it is the outbox row's JSON.
    const [event] = (await internal.readEvents([rows[0]!.id])) as unknown as EventEnvelope[];
    expect(event).toMatchObject({
      id: rows[0]!.id,
      type: "document.generated",
      orgId: p.orgId,
      data: { documentId: cert.documentId, kind: "coi", policyId: `pol_${ULID}`, certificateId: cert.id, certificateNumber: "COI-2026-000001", sha256: cert.document.sha256, size: cert.document.size },
    });
  });

  it("issues once per source key through DocumentsInternal: a repeat or a concurrent first call answers the same certificate, numbering nothing more", async () => {
    const p = newPrincipal();
    const internal = (exports as unknown as { DocumentsInternal: Service<DocumentsInternal> }).DocumentsInternal;
    const ask = (sourceKey: string) => internal.issueCertificateOnce(p.orgId, { sourceKey, issuedBy: `ins_${ULID}`, certificate: input() });
    const concurrent = await Promise.all([1, 2, 3].map(() => ask("portal-coi:v1")));
    const issued = concurrent.map((r) => unwrap(r));
    expect(new Set(issued.map((r) => r.certificate.documentId)).size).toBe(1);
    expect(issued.filter((r) => r.created)).toHaveLength(1);
    expect(issued[0]!.certificate.number).toBe("COI-2026-000001");
    expect(issued[0]!.certificate.document).toMatchObject({ kind: "coi", policyId: `pol_${ULID}` });
    const again = unwrap(await ask("portal-coi:v1"));
    expect(again).toMatchObject({ created: false, certificate: { id: issued[0]!.certificate.id, number: "COI-2026-000001" } });
    // Another key (the policy's next version) is a new certificate with the next number.
    const next = unwrap(await ask("portal-coi:v2"));
    expect(next).toMatchObject({ created: true, certificate: { number: "COI-2026-000002" } });
    expect(await pdfOf(p.orgId, next.certificate.documentId)).toContain("COI-2026-000002");
    // One object and one document.generated per certificate; the insured is its creator.
    expect((await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects).toHaveLength(2);
    expect(await env.DOCUMENTS_DB.prepare("SELECT COUNT(*) AS n FROM events WHERE org_id = ?").bind(p.orgId).first("n")).toBe(2);
    expect(await env.DOCUMENTS_DB.prepare("SELECT created_by FROM certificates WHERE id = ?").bind(next.certificate.id).first("created_by")).toBe(`ins_${ULID}`);
    expect(errorOf(await ask(""))).toMatchObject({ code: "validation_failed" });
  });

  it("refuses bad holder data naming the field, numbering nothing", async () => {
    const p = newPrincipal();
    const bad = await rpc.generateCertificate(p, input({ holder: { name: "Harbor View", address: { line1: "1 Main", city: "Portland", state: "Oregon", postalCode: "97204" } } }));
    expect(errorOf(bad)).toMatchObject({ code: "validation_failed", details: { field: "holder.address.state" } });
    expect(unwrap(await rpc.generateCertificate(p, input())).number).toBe("COI-2026-000001");
  });
});
