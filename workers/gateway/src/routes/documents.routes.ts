import { fail, ok } from "#shared/errors";
import type { RenderDocumentInput } from "#shared/rpc";
import { downloadResponse, issueDownloadUrl, parseRange, verifyDownloadToken } from "../document-downloads.ts";
import { errorResponse } from "../http/errors.ts";
import { route } from "../http/route.ts";
import { limitFailedAttempts } from "../middleware/authenticate.ts";

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
