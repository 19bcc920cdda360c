/**
 * Invoice PDFs issued for billing: each invoice rendered from the `invoice` template and stored as a
 * document of kind `invoice` with its `invoiceId`, once per source key. Billing asks after the
 * invoice commits and again from its cron until it hears back (the policy-paper path's pattern), so
 * the same key may arrive more than once and always answers the same document.
 */
import { and, eq } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { invalid, ok, type Result } from "#shared/errors";
import type { DocumentRecord, InvoiceDocumentRequest } from "#shared/rpc";
import { storeDocument, toRecord, type DocumentsDeps } from "./documents.service.ts";
import { documents } from "./schema.ts";
import { invoice } from "./templates/invoice.ts";
import { parseTemplateData } from "./templates/index.ts";

/** An invoice is a page or two; more is a layout bug. */
const MAX_INVOICE_PAGES = 10;

/** Who stores invoice PDFs: the platform itself, in the org billing names. */
function issuer(orgId: string): Principal {
  return { kind: "system", orgId, credentialId: "system", actorId: "system", principalId: "system", role: null, scopes: [], rateLimitTier: "enterprise", expiresAt: null };
}

async function findBySourceKey(deps: DocumentsDeps, orgId: string, sourceKey: string): Promise<DocumentRecord | null> {
  const row = await deps.db.select().from(documents).where(and(eq(documents.orgId, orgId), eq(documents.sourceKey, sourceKey))).get();
  return row ? toRecord(row) : null;
}

/**
 * The PDF of `request.invoiceId` in `orgId`: the one already stored under `request.sourceKey`, or a
 * new one rendered from the invoice template. Bad data is `validation_failed` naming the field
 * (`data.lines.0.amount`); two concurrent first issues store one document (the unique source key).
 */
export async function issueInvoiceDocument(deps: DocumentsDeps, orgId: string, request: InvoiceDocumentRequest): Promise<Result<DocumentRecord>> {
  if (typeof request?.sourceKey !== "string" || request.sourceKey.length === 0 || request.sourceKey.length > 200) {
    return invalid("sourceKey", "format", "sourceKey is 1 to 200 characters");
  }
  if (typeof request.invoiceId !== "string" || !request.invoiceId.startsWith("inv_")) return invalid("invoiceId", "format", "invoiceId must be an invoice id (inv_…)");
  const existing = await findBySourceKey(deps, orgId, request.sourceKey);
  if (existing) return ok(existing);

  const parsed = parseTemplateData(invoice, request.data);
  if (!parsed.ok) return parsed;
  const { bytes } = await invoice.render(parsed.value, { maxPages: MAX_INVOICE_PAGES });
  try {
    return await storeDocument(
      deps,
      issuer(orgId),
      { kind: "invoice", filename: request.filename, body: bytes, policyId: request.policyId, invoiceId: request.invoiceId, template: "invoice" },
      new Date(),
      { sourceKey: request.sourceKey },
    );
  } catch (error) {
    if (!isUniqueViolation(error, "source_key")) throw error;
    const winner = await findBySourceKey(deps, orgId, request.sourceKey);
    if (!winner) throw error;
    return ok(winner);
  }
}
