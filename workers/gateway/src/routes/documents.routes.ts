import type { Principal } from "#shared/auth";
import { fail, invalid, ok, type Result } from "#shared/errors";
import type { RenderDocumentInput } from "#shared/rpc";
import type { GatewayEnv } from "../env.ts";
import { downloadResponse, issueDownloadUrl, parseRange, verifyDownloadToken } from "../document-downloads.ts";
import { errorResponse } from "../http/errors.ts";
import { route } from "../http/route.ts";
import { limitFailedAttempts } from "../middleware/authenticate.ts";

/** A file of at most 25 MiB and its multipart framing (boundaries, part headers, the link fields). */
export const INGEST_UPLOAD_BYTES = 25 * 1024 * 1024 + 64 * 1024;

const INGEST_PARTS = new Set(["file", "policyId", "submissionId", "claimId"]);

/**
 * The link fields of an ingest, each checked to be the org's by asking its owner (underwriting for
 * a policy or submission, claims for a claim): an unknown or another org's id is 404, as everywhere.
 */
async function ingestLinks(env: GatewayEnv, principal: Principal, form: FormData): Promise<Result<{ policyId?: string; submissionId?: string; claimId?: string }>> {
  for (const name of new Set(form.keys())) {
    if (!INGEST_PARTS.has(name)) return fail("validation_failed", `Received unknown parameter: ${name}`, { field: name, rule: "unknown_field" });
    if (form.getAll(name).length > 1) return invalid(name, "single", `Send ${name} once`);
  }
  const text = (name: string): Result<string | undefined> => {
    const value = form.get(name) as unknown as string | File | null;
    if (value === null) return ok(undefined);
    if (typeof value !== "string") return invalid(name, "text", `${name} must be a text field, not a file`);
    const id = value.trim();
    if (id === "" || id.length > 64) return invalid(name, "format", `${name} must be an id`);
    return ok(id);
  };
  const claimId = text("claimId");
  if (!claimId.ok) return claimId;
  const policyId = text("policyId");
  if (!policyId.ok) return policyId;
  const submissionId = text("submissionId");
  if (!submissionId.ok) return submissionId;
  if (policyId.value !== undefined) {
    const policy = await env.UNDERWRITING.getPolicy(principal, policyId.value);
    if (!policy.ok) return policy.error.code === "not_found" ? fail("not_found", "Policy not found", { field: "policyId" }) : policy;
  }
  if (submissionId.value !== undefined) {
    const submission = await env.UNDERWRITING.getSubmission(principal, submissionId.value);
    if (!submission.ok) return submission.error.code === "not_found" ? fail("not_found", "Submission not found", { field: "submissionId" }) : submission;
  }
  if (claimId.value !== undefined) {
    const claim = await env.CLAIMS.getClaim(principal, claimId.value);
    if (!claim.ok) return claim.error.code === "not_found" ? fail("not_found", "Claim not found", { field: "claimId" }) : claim;
  }
  return ok({
    ...(policyId.value ? { policyId: policyId.value } : {}),
    ...(submissionId.value ? { submissionId: submissionId.value } : {}),
    ...(claimId.value ? { claimId: claimId.value } : {}),
  });
}

/** Documents: the documents worker behind `DOCUMENTS`; the signed links are in document-downloads.ts. */
export const documentRoutes = [
  route("renderPdf", async ({ env, principal, input, c }) => {
    const doc = await env.DOCUMENTS.renderDocument(principal, input.body as RenderDocumentInput);
    if (!doc.ok) return doc;
    return ok({ ...doc.value, ...(await issueDownloadUrl(c, principal.orgId, doc.value.id)) });
  }),
  route("getDocument", async ({ env, principal, input, c }) => {
    const doc = await env.DOCUMENTS.getDocument(principal, input.path.id);
    if (!doc.ok) return doc;
    return ok({ ...doc.value, ...(await issueDownloadUrl(c, principal.orgId, doc.value.id)) });
  }),
  route("ingestDocument", {
    // The contract takes multipart only; a request without a body reaches this handler.
    handler: async () => fail("unsupported_media_type", "POST /v1/documents/ingest takes multipart/form-data with the file in the part `file`", { field: "Content-Type", rule: "media_type" }),
    uploadLimit: INGEST_UPLOAD_BYTES,
    multipart: async ({ env, principal, form, c }) => {
      const file = form.get("file") as unknown as File | string | null;
      if (file === null) return invalid("file", "required", "Missing required field: file");
      if (typeof file === "string") return invalid("file", "file", "file must be a file part (with a filename), not a text field");
      const links = await ingestLinks(env, principal, form);
      if (!links.ok) return links;
      // The file's stream crosses to the documents worker, which reads it under its own 25 MiB bound.
      const ingested = await env.DOCUMENTS.ingestDocument(principal, { filename: file.name || "upload", body: file.stream(), ...links.value });
      if (!ingested.ok) return ingested;
      return ok({ ...ingested.value, ...(await issueDownloadUrl(c, principal.orgId, ingested.value.id)) });
    },
  }),
  route("downloadDocument", {
    // The handler answers with the Response itself (bytes, not JSON): its status is 200 or 206.
    status: (_input, value) => ((value as Response).status === 206 ? 206 : 200),
    handler: async ({ env, input, c }) => {
      // A token is a credential: bad ones spend the client IP's failed-authentication budget.
      const verified = await limitFailedAttempts(c, async () => {
        const orgId = await verifyDownloadToken(c.env.JWT_SECRET, input.path.id, input.query.token, Math.floor(Date.now() / 1000));
        return orgId ? ok(orgId) : fail("unauthorized", "The download link is invalid or has expired; ask GET /v1/documents/{id} for a new one");
      });
      if (!verified.ok) return verified;
      const orgId = verified.value;
      // The token's org, never anything else: a token of another org finds no document of this id.
      const download = await env.DOCUMENTS.openDownload(orgId, input.path.id, parseRange(c.req.header("range")));
      if (!download.ok) return download;
      if (download.value.unsatisfiable) {
        const size = download.value.document.size;
        return ok(errorResponse(c, "range_not_satisfiable", `The range lies past the end of the document (${size} bytes)`, { size }, { "Content-Range": `bytes */${size}` }));
      }
      return ok(downloadResponse(c, download.value));
    },
  }),
];
