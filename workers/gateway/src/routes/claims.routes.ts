import { fail, invalid, ok } from "#shared/errors";
import type { ClaimAttachmentRecord } from "#shared/rpc";
import type { Context } from "hono";
import type { GatewayContext } from "../env.ts";
import { issueDownloadUrl } from "../document-downloads.ts";
import { route } from "../http/route.ts";
import { INGEST_UPLOAD_BYTES } from "./documents.routes.ts";

/** An attachment with its signed download link (minted per answer, like every document's). */
async function withDownload(c: Context<GatewayContext>, orgId: string, attachment: ClaimAttachmentRecord) {
  return { ...attachment, ...(await issueDownloadUrl(c, orgId, attachment.documentId)) };
}

/**
 * Claims: the claims worker behind `CLAIMS`. Every write is made safe to retry by the pipeline's
 * idempotency (an `Idempotency-Key` replays the first answer); `claims:approve` is judged by the
 * worker, which knows what a change does to incurred.
 */
export const claimRoutes = [
  route("createClaim", ({ env, principal, input }) => env.CLAIMS.createClaim(principal, input.body)),
  route("listClaims", ({ env, principal, input }) => env.CLAIMS.listClaims(principal, input.query)),
  route("getClaim", ({ env, principal, input }) => env.CLAIMS.getClaim(principal, input.path.id)),
  route("investigateClaim", ({ env, principal, input }) => env.CLAIMS.investigateClaim(principal, input.path.id, input.body ?? {})),
  route("setClaimReserves", ({ env, principal, input }) => env.CLAIMS.setReserves(principal, input.path.id, input.body)),
  route("createClaimPayment", ({ env, principal, input }) => env.CLAIMS.createPayment(principal, input.path.id, input.body)),
  route("settleClaim", ({ env, principal, input }) => env.CLAIMS.settleClaim(principal, input.path.id, input.body)),
  route("acceptSettlement", ({ env, principal, input }) => env.CLAIMS.acceptSettlement(principal, input.path.id, input.path.settlementId)),
  route("denyClaim", ({ env, principal, input }) => env.CLAIMS.denyClaim(principal, input.path.id, input.body)),
  route("closeClaim", ({ env, principal, input }) => env.CLAIMS.closeClaim(principal, input.path.id, input.body ?? {})),
  route("reopenClaim", ({ env, principal, input }) => env.CLAIMS.reopenClaim(principal, input.path.id, input.body ?? {})),
  route("createClaimAttachment", {
    // The contract takes multipart only; a request without a body reaches this handler.
    handler: async () => fail("unsupported_media_type", "POST /v1/claims/{id}/attachments takes multipart/form-data with the file in the part `file`", { field: "Content-Type", rule: "media_type" }),
    uploadLimit: INGEST_UPLOAD_BYTES,
    multipart: async ({ env, principal, form, c }) => {
      for (const name of new Set(form.keys())) {
        if (name !== "file") return fail("validation_failed", `Received unknown parameter: ${name}`, { field: name, rule: "unknown_field" });
      }
      if (form.getAll("file").length > 1) return invalid("file", "single", "Send one file per request");
      const file = form.get("file") as unknown as File | string | null;
      if (file === null) return invalid("file", "required", "Missing required field: file");
      if (typeof file === "string") return invalid("file", "file", "file must be a file part (with a filename), not a text field");
      const claimId = c.req.param("id")!;
      // The claim first: another org's (or no) claim stores nothing.
      const claim = await env.CLAIMS.getClaim(principal, claimId);
      if (!claim.ok) return claim;
      // The file's stream crosses to the documents worker, which reads it under its own 25 MiB bound
      // and refuses a type outside the claim attachment's before writing anything.
      const stored = await env.DOCUMENTS.storeDocument(principal, { kind: "claim_attachment", filename: file.name || "attachment", body: file.stream(), claimId });
      if (!stored.ok) return stored;
      const attachment = await env.CLAIMS.recordAttachment(principal, claimId, stored.value);
      if (!attachment.ok) return attachment;
      return ok(await withDownload(c, principal.orgId, attachment.value));
    },
  }),
  route("listClaimAttachments", async ({ env, principal, input, c }) => {
    const page = await env.CLAIMS.listAttachments(principal, input.path.id, input.query);
    if (!page.ok) return page;
    return ok({ ...page.value, data: await Promise.all(page.value.data.map((a) => withDownload(c, principal.orgId, a))) });
  }),
];
