import type { Principal } from "#shared/auth";
import { ok, type Result } from "#shared/errors";
import type { Context } from "hono";
import { issueDownloadUrl } from "../document-downloads.ts";
import type { GatewayContext } from "../env.ts";
import { route } from "../http/route.ts";

/** The signed link of a document the portal found to be the insured's: the same link `GET /v1/documents/:id` gives. */
async function signed(c: Context<GatewayContext>, principal: Principal, found: Result<{ documentId: string }>) {
  if (!found.ok) return found;
  return ok({ documentId: found.value.documentId, ...(await issueDownloadUrl(c, principal.orgId, found.value.documentId)) });
}

/**
 * The policyholder portal: the portal worker behind `PORTAL`. Each of these operations is
 * `x-openinsure-auth: insured` in the contract, so the pipeline hands them an insured principal
 * built from a policyholder JWT and refuses every other credential with 401 (and every other
 * operation refuses a policyholder JWT).
 */
export const portalRoutes = [
  route("getPortalHome", ({ env, principal }) => env.PORTAL.getHome(principal)),
  route("listPortalPolicies", ({ env, principal }) => env.PORTAL.listPolicies(principal)),
  route("getPortalPolicy", ({ env, principal, input }) => env.PORTAL.getPolicy(principal, input.path.id)),
  route("getPortalMcs90", async ({ env, principal, input, c }) => signed(c, principal, await env.PORTAL.mcs90ForDownload(principal, input.path.id))),
  route("getPortalCoi", async ({ env, principal, input, c }) => {
    const found = await env.PORTAL.coiForDownload(principal, input.path.id);
    if (!found.ok) return found;
    return ok({ ...found.value, ...(await issueDownloadUrl(c, principal.orgId, found.value.documentId)) });
  }),
  route("listPortalDocuments", ({ env, principal }) => env.PORTAL.listDocuments(principal)),
  route("downloadPortalDocument", async ({ env, principal, input, c }) => signed(c, principal, await env.PORTAL.documentForDownload(principal, input.path.id))),
  route("listPortalInvoices", ({ env, principal }) => env.PORTAL.listInvoices(principal)),
  route("getPortalInvoice", ({ env, principal, input }) => env.PORTAL.getInvoice(principal, input.path.id)),
  route("downloadPortalInvoice", async ({ env, principal, input, c }) => signed(c, principal, await env.PORTAL.invoiceForDownload(principal, input.path.id))),
  route("getPortalProfile", ({ env, principal }) => env.PORTAL.getProfile(principal)),
  route("updatePortalProfile", ({ env, principal, input }) => env.PORTAL.updateProfile(principal, input.body)),
  route("listSandboxPush", ({ env, input }) => env.PORTAL.listSandboxPush(input.query)),
  route("registerPortalPushToken", {
    handler: ({ env, principal, input }) => env.PORTAL.registerPushToken(principal, input.body),
    // A token seen before keeps its id and answers 200; a new registration's first sighting is its creation.
    status: (_input, value) => ((value as { createdAt: string; lastSeenAt: string }).createdAt === (value as { lastSeenAt: string }).lastSeenAt ? 201 : 200),
  }),
];
