/**
 * A claim's attachments. The bytes go to the documents store through the gateway (which streams
 * the upload there as a `claim_attachment` with this claim's id); the claims worker records the
 * stored document as the claim's attachment, with the uploader, and an activity entry, in one batch.
 */
import { and, eq } from "drizzle-orm";
import type { Principal } from "#shared/auth";
import { listKeyset, type ListQuery } from "#shared/db";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { toPage, type Page } from "#shared/pagination";
import type { ClaimAttachmentRecord, DocumentRecord } from "#shared/rpc";
import { mutateClaim, type ClaimsDeps } from "./changes.ts";
import { findClaim, moneyOf } from "./claims.repo.ts";
import { transition } from "./lifecycle.ts";
import { claimAttachments, type ClaimAttachmentRow } from "./schema.ts";

const toRecord = (row: Omit<ClaimAttachmentRow, "orgId">): ClaimAttachmentRecord => ({
  id: row.id,
  claimId: row.claimId,
  documentId: row.documentId,
  filename: row.filename,
  size: row.size,
  contentType: row.contentType,
  sha256: row.sha256,
  uploadedBy: row.uploadedBy,
  createdAt: row.createdAt,
});

export async function recordAttachment(deps: ClaimsDeps, principal: Principal, id: string, document: DocumentRecord): Promise<Result<ClaimAttachmentRecord>> {
  if (document.kind !== "claim_attachment" || document.claimId !== id) {
    return fail("business_rule_violation", "Only a claim_attachment document stored for this claim can be attached to it", { field: "documentId", rule: "claim_attachment" });
  }
  const attachmentId = newId("att");
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "attach");
    if (!status.ok) return status;
    const attachment = { id: attachmentId, documentId: document.id, filename: document.filename, size: document.size, contentType: document.contentType, sha256: document.sha256, uploadedBy: principal.actorId };
    return ok({
      change: {
        status: claim.status,
        money: moneyOf(claim),
        activity: { type: "attachment_added", details: { attachmentId, documentId: document.id, filename: document.filename, contentType: document.contentType, size: document.size, sha256: document.sha256 } },
        moves: [],
        reason: null,
        attachment,
        events: [],
      },
      answer: (after) => toRecord({ ...attachment, claimId: claim.id, createdAt: after.updatedAt }),
    });
  });
}

export async function listAttachments(deps: ClaimsDeps, principal: Principal, id: string, query?: ListQuery): Promise<Result<Page<ClaimAttachmentRecord>>> {
  const claim = await findClaim(deps.db, principal.orgId, id);
  if (!claim) return notFound("Claim");
  const keyset = listKeyset(claimAttachments, query);
  if (!keyset.ok) return keyset;
  const rows = await deps.db
    .select()
    .from(claimAttachments)
    .where(and(eq(claimAttachments.orgId, principal.orgId), eq(claimAttachments.claimId, id), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows, keyset.value.pageSize, toRecord));
}
