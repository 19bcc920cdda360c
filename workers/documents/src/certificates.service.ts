/**
 * Certificates of insurance: underwriting's facts of an in-force policy, the producer and the holder
 * laid out by the `certificate` template, rendered to PDF and stored as a `coi` document linked to
 * the policy. The certificate's row, its number and its `document.generated` event commit in the
 * same D1 batch as the document's row, after the PDF is in R2; a batch that fails deletes the PDF
 * again (the store's own cleanup), so nothing is left half-issued.
 *
 * Numbers are `COI-{year}-{6 digits}`, gap-free per org and year of issue (the org's today): each
 * attempt reads the year's highest sequence and takes the next, and the unique `(org_id, year, seq)`
 * index rolls back an attempt that lost the number to a concurrent one, which then tries the next.
 * A number exists only once a batch carrying it committed, so a failure never skips one.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { recordOutboxEvent } from "#shared/outbox";
import type { CertificateRecord, GenerateCertificateInput } from "#shared/rpc";
import { storeDocumentWith, toRecord, type DocumentsDeps } from "./documents.service.ts";
import { certificates, documents, type CertificateRow } from "./schema.ts";
import { Turns } from "./turns.ts";
import { certificateData, certificateTemplate, type CertificateData } from "./templates/certificate.ts";

/** Attempts at a number before answering 409: each lost attempt means another certificate of the same org and year committed first. */
const NUMBER_ATTEMPTS = 5;

/** A certificate is one page; anything longer is a layout bug, not a certificate. */
const MAX_PAGES = 3;

/**
 * Issuance of one org and year runs one at a time per isolate: taking the next number, rendering
 * with it and committing. Without it, concurrent requests in one isolate would all read the same
 * highest number, render with it, and all but one lose the unique index and render again, so load
 * would multiply the renders. Across isolates the unique index still decides. A holder silent for
 * a minute (its request died) is presumed gone.
 */
const issuers = new Turns(60_000);

export const certificateNumber = (year: number, seq: number) => `COI-${year}-${String(seq).padStart(6, "0")}`;

function toCertificate(row: CertificateRow): Omit<CertificateRecord, "document"> {
  return {
    id: row.id as CertificateRecord["id"],
    number: row.number,
    policyId: row.policyId as CertificateRecord["policyId"],
    policyNumber: row.policyNumber,
    holder: row.holder,
    descriptionOfOperations: row.descriptionOfOperations,
    additionalInsured: row.additionalInsured,
    waiverOfSubrogation: row.waiverOfSubrogation,
    documentId: row.documentId as CertificateRecord["documentId"],
    createdAt: row.createdAt,
  };
}

/** The template's data for a certificate numbered `number`, or the first issue as a `validation_failed` naming its field. */
function templateData(input: GenerateCertificateInput, number: string): Result<CertificateData> {
  const { facts } = input;
  const parsed = certificateData.safeParse({
    number,
    issuedOn: facts.asOf,
    producer: input.producer,
    insured: facts.insured,
    insurers: [facts.insurer],
    coverages: facts.coverages,
    holder: input.holder,
    descriptionOfOperations: input.descriptionOfOperations?.trim() || null,
    additionalInsured: facts.additionalInsured,
    waiverOfSubrogation: facts.waiverOfSubrogation,
    cancellationEffectiveDate: facts.policy.cancellationEffectiveDate,
  });
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0]!;
  return invalid(issue.path.join("."), issue.code, `${issue.path.join(".") || "data"}: ${issue.message}`);
}

/**
 * Issue a certificate for `principal`'s org from facts underwriting vouched for (the gateway asked
 * `certificateFacts` just before). A new certificate and a new document every time; nothing is overwritten.
 */
export async function generateCertificate(deps: DocumentsDeps, principal: Principal, input: GenerateCertificateInput, now: Date = new Date()): Promise<Result<CertificateRecord>> {
  const year = Number(input.facts.asOf.slice(0, 4));
  if (!Number.isInteger(year) || year < 2000) return invalid("facts.asOf", "date", "the certificate's issue date must be a YYYY-MM-DD date");
  return issuers.run(`${principal.orgId}:${year}`, () => issue(deps, principal, input, year, now));
}

/**
 * The certificate stored under `sourceKey` in `principal`'s org, with its document, or null. A
 * certificate issued once per source key (`issueCertificateOnce`) is found by its document's key.
 */
async function certificateBySourceKey(deps: DocumentsDeps, orgId: string, sourceKey: string): Promise<CertificateRecord | null> {
  const found = await deps.db
    .select({ certificate: certificates, document: documents })
    .from(documents)
    .innerJoin(certificates, and(eq(certificates.orgId, documents.orgId), eq(certificates.documentId, documents.id)))
    .where(and(eq(documents.orgId, orgId), eq(documents.sourceKey, sourceKey)))
    .get();
  return found ? { ...toCertificate(found.certificate), document: toRecord(found.document) } : null;
}

/**
 * {@link generateCertificate}, once per `sourceKey` of the org: the first call issues (numbers,
 * renders, stores with the key on its document, emits `document.generated`); every later call with
 * the same key, or a concurrent one that lost the key's unique index, answers that certificate and
 * issues nothing (`created: false`). The portal keys a policyholder's own certificate by the
 * policy's version, so the same version is the same certificate and a new version a new one.
 */
export async function issueCertificateOnce(
  deps: DocumentsDeps,
  principal: Principal,
  input: GenerateCertificateInput,
  sourceKey: string,
  now: Date = new Date(),
): Promise<Result<{ certificate: CertificateRecord; created: boolean }>> {
  if (typeof sourceKey !== "string" || sourceKey.length === 0 || sourceKey.length > 200) return invalid("sourceKey", "format", "sourceKey is 1 to 200 characters");
  const existing = await certificateBySourceKey(deps, principal.orgId, sourceKey);
  if (existing) return ok({ certificate: existing, created: false });
  const year = Number(input.facts?.asOf?.slice(0, 4));
  if (!Number.isInteger(year) || year < 2000) return invalid("facts.asOf", "date", "the certificate's issue date must be a YYYY-MM-DD date");
  try {
    return await issuers.run(`${principal.orgId}:${year}`, async (): Promise<Result<{ certificate: CertificateRecord; created: boolean }>> => {
      // A holder of the lock may have issued this very key while this call waited.
      const raced = await certificateBySourceKey(deps, principal.orgId, sourceKey);
      if (raced) return ok({ certificate: raced, created: false });
      const fresh = await issue(deps, principal, input, year, now, sourceKey);
      return fresh.ok ? ok({ certificate: fresh.value, created: true }) : fresh;
    });
  } catch (error) {
    // Another isolate stored this key first: its whole batch committed, this one's rolled back.
    if (!isUniqueViolation(error, "source_key")) throw error;
    const winner = await certificateBySourceKey(deps, principal.orgId, sourceKey);
    if (!winner) throw error;
    return ok({ certificate: winner, created: false });
  }
}

async function issue(deps: DocumentsDeps, principal: Principal, input: GenerateCertificateInput, year: number, now: Date, sourceKey?: string): Promise<Result<CertificateRecord>> {
  for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
    const last = await deps.db
      .select({ seq: sql<number>`COALESCE(MAX(${certificates.seq}), 0)` })
      .from(certificates)
      .where(and(eq(certificates.orgId, principal.orgId), eq(certificates.year, year)))
      .get();
    const seq = (last?.seq ?? 0) + 1;
    const number = certificateNumber(year, seq);
    const data = templateData(input, number);
    if (!data.ok) return data;
    const pdf = await certificateTemplate.render(data.value, { maxPages: MAX_PAGES });
    const id = newId("crt");
    const eventId = newId("evt");
    let row: CertificateRow | undefined;
    try {
      const stored = await storeDocumentWith(
        deps,
        principal,
        { kind: "coi", filename: `${number}.pdf`, body: pdf.bytes, policyId: input.facts.policy.id },
        (doc) => {
          row = {
            id,
            orgId: principal.orgId,
            year,
            seq,
            number,
            policyId: input.facts.policy.id,
            policyNumber: input.facts.policy.policyNumber,
            documentId: doc.id,
            holder: data.value.holder,
            descriptionOfOperations: data.value.descriptionOfOperations,
            additionalInsured: data.value.additionalInsured,
            waiverOfSubrogation: data.value.waiverOfSubrogation,
            createdBy: principal.actorId,
            createdAt: doc.createdAt,
          };
          return [
            deps.db.insert(certificates).values(row),
            recordOutboxEvent(deps.db, principal.orgId, "document.generated", {
              documentId: doc.id,
              kind: doc.kind,
              policyId: doc.policyId,
              certificateId: id,
              certificateNumber: number,
              sha256: doc.sha256,
              size: doc.size,
            }, doc.createdAt, eventId),
          ];
        },
        now,
        sourceKey === undefined ? {} : { sourceKey },
      );
      if (!stored.ok) return stored;
      deps.relay?.([eventId]);
      return ok({ ...toCertificate(row!), document: stored.value });
    } catch (error) {
      // Another certificate of this org and year committed this number first: the batch rolled
      // back whole and the store deleted the PDF; take the next number.
      if (isUniqueViolation(error, "certificates")) continue;
      throw error;
    }
  }
  return fail("conflict", "Certificates were being issued concurrently and no number could be taken; retry", { year });
}
