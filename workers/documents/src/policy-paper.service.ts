/**
 * Policy paper issued for underwriting: a declarations page at bind and at every endorsement, and an
 * MCS-90 for commercial auto. Each piece is rendered from its template and stored as a new document,
 * once per source key: underwriting writes its pending job in the same batch as the transaction and
 * asks here afterwards (and again from its cron until it hears back), so the same key may arrive more
 * than once and must always answer the same document.
 */
import { and, eq } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { isUniqueViolation } from "#shared/db";
import { invalid, ok, type Result } from "#shared/errors";
import type { DocumentRecord, PolicyDocumentRequest } from "#shared/rpc";
import { storeDocument, toRecord, type DocumentsDeps } from "./documents.service.ts";
import { documents } from "./schema.ts";
import { declarationsTemplate } from "./templates/declarations.ts";
import { mcs90Template } from "./templates/mcs90.ts";
import type { PdfTemplate } from "./templates/template.ts";

/** A declarations page or an MCS-90 is one or two pages; more is a layout bug, not a policy. */
const MAX_POLICY_PAPER_PAGES = 10;

const TEMPLATES: Record<PolicyDocumentRequest["kind"], PdfTemplate> = {
  declarations: declarationsTemplate as PdfTemplate,
  mcs90: mcs90Template as PdfTemplate,
};

/** Who stores policy paper: the platform itself, in the org underwriting names. */
function issuer(orgId: string): Principal {
  return { kind: "system", orgId, credentialId: "system", actorId: "system", principalId: "system", role: null, scopes: [], rateLimitTier: "enterprise", expiresAt: null };
}

async function findBySourceKey(deps: DocumentsDeps, orgId: string, sourceKey: string): Promise<DocumentRecord | null> {
  const row = await deps.db.select().from(documents).where(and(eq(documents.orgId, orgId), eq(documents.sourceKey, sourceKey))).get();
  return row ? toRecord(row) : null;
}

/**
 * The document for `request.sourceKey` in `orgId`: the one already stored, or a new one rendered from
 * the request's template. Two concurrent first issues both render; the row's unique source key lets
 * one in, the other's object is removed by `storeDocument` and it answers the winner's document.
 */
export async function issuePolicyDocument(deps: DocumentsDeps, orgId: string, request: PolicyDocumentRequest): Promise<Result<DocumentRecord>> {
  const template = TEMPLATES[request.kind];
  if (!template) return invalid("kind", "enum", `kind must be one of ${Object.keys(TEMPLATES).join(", ")}`);
  if (typeof request.sourceKey !== "string" || request.sourceKey.length === 0 || request.sourceKey.length > 200) {
    return invalid("sourceKey", "format", "sourceKey is 1 to 200 characters");
  }
  const existing = await findBySourceKey(deps, orgId, request.sourceKey);
  if (existing) return ok(existing);

  const parsed = template.schema.safeParse(request.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return invalid(["data", ...issue.path].join("."), issue.code, issue.message);
  }
  const { bytes } = await template.render(parsed.data, { maxPages: MAX_POLICY_PAPER_PAGES });
  try {
    return await storeDocument(deps, issuer(orgId), { kind: request.kind, filename: request.filename, body: bytes, policyId: request.policyId }, new Date(), { sourceKey: request.sourceKey });
  } catch (error) {
    if (!isUniqueViolation(error, "source_key")) throw error;
    const winner = await findBySourceKey(deps, orgId, request.sourceKey);
    if (!winner) throw error;
    return ok(winner);
  }
}
