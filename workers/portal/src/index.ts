/**
 * The portal worker: the policyholder portal. The gateway reaches {@link PortalService} over a
 * service binding: the public sign-in (a one-time code by email, then a policyholder JWT), and, with
 * an insured principal the gateway built from that JWT, the insured's own home screen, policies,
 * documents, invoices and profile. It owns `PORTAL_DB` (codes, their sends, profile changes);
 * insureds and their policies are underwriting's (`UnderwritingInternal`), invoices billing's and
 * claims claims', emails go through identity's outbox (`IdentityInternal`).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PolicyholderCodeRequest, PolicyholderTokenRequest, RegisterPushTokenRequest, UpdatePortalProfileRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { PortalRpc } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";
import { portalClosed, portalEnabled } from "./enabled.ts";
import { issueToken, requestCode } from "./otp.service.ts";
import * as portal from "./portal.service.ts";
import { certificateForDownload } from "./certificates.service.ts";
import { certificateReady, handleQueue, paymentDuePass } from "./notification-triggers.ts";
import { listSandboxPush, type SandboxPushQuery } from "./sandbox-push.service.ts";
import { PORTAL_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type { PortalEnv } from "./env.ts";

/** The public entrypoint: the gateway's `PORTAL` binding. */
export class PortalService extends WorkerEntrypoint<PortalEnv> implements PortalRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.PORTAL_DB, PORTAL_PURGE);
  }

  requestCode(input: PolicyholderCodeRequest) {
    return requestCode(this.env, input, (work) => this.ctx.waitUntil(work));
  }

  issueToken(input: PolicyholderTokenRequest) {
    return issueToken(this.env, input);
  }

  /** Every insured route: closed (401 `unauthorized`) while the org's `portal.enabled` is off. */
  private async open<T>(principal: Principal, read: () => Promise<Result<T>>): Promise<Result<T>> {
    return (await portalEnabled(this.env, principal.orgId)) ? read() : portalClosed();
  }

  getHome(principal: Principal) {
    return this.open(principal, () => portal.getHome(this.env, principal));
  }

  listInvoices(principal: Principal) {
    return this.open(principal, () => portal.listInvoices(this.env, principal));
  }

  getInvoice(principal: Principal, id: string) {
    return this.open(principal, () => portal.getInvoice(this.env, principal, id));
  }

  listPolicies(principal: Principal) {
    return this.open(principal, () => portal.listPolicies(this.env, principal));
  }

  getPolicy(principal: Principal, id: string) {
    return this.open(principal, () => portal.getPolicy(this.env, principal, id));
  }

  listDocuments(principal: Principal) {
    return this.open(principal, () => portal.listDocuments(this.env, principal));
  }

  documentForDownload(principal: Principal, documentId: string) {
    return this.open(principal, () => portal.documentForDownload(this.env, principal, documentId));
  }

  mcs90ForDownload(principal: Principal, policyId: string) {
    return this.open(principal, () => portal.mcs90ForDownload(this.env, principal, policyId));
  }

  /** The insured's own certificate of the policy's current version (issued on the first ask, cached until the policy changes). */
  coiForDownload(principal: Principal, policyId: string) {
    return this.open(principal, () =>
      certificateForDownload(this.env, principal, policyId, (certificate) =>
        // "Your certificate is ready" goes out after the answer; a failure is logged, the certificate stands.
        this.ctx.waitUntil(
          certificateReady(this.env, principal.orgId, principal.actorId, certificate).catch((err) =>
            console.error(JSON.stringify({ level: "error", message: "portal: certificate-ready notification failed", certificateId: certificate.certificateId, error: String(err) })),
          ),
        ),
      ),
    );
  }

  /** The PDF of one of the insured's invoices; `not_found` with `reason: "pdf_pending"` before billing issued it. */
  invoiceForDownload(principal: Principal, invoiceId: string) {
    return this.open(principal, () => portal.invoiceForDownload(this.env, principal, invoiceId));
  }

  getProfile(principal: Principal) {
    return this.open(principal, () => portal.getProfile(this.env, principal));
  }

  updateProfile(principal: Principal, input: UpdatePortalProfileRequest) {
    return this.open(principal, () => portal.updateProfile(this.env, principal, input));
  }

  registerPushToken(principal: Principal, input: RegisterPushTokenRequest) {
    return this.open(principal, () => portal.registerPushToken(this.env, principal, input));
  }

  /** `GET /v1/sandbox/push`: the sandbox push log, newest first (the API secret only; `not_found` outside development). */
  listSandboxPush(query?: SandboxPushQuery) {
    return listSandboxPush(this.env, query);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /** The events of billing and claims (payment failed, claim status changed), on the portal's own queue. */
  queue: (batch, env) => handleQueue(batch, env),
  /** The "payment due in 3 days" pass, over every org with an open invoice on its own clock. */
  scheduled: (_controller, env, ctx) => ctx.waitUntil(paymentDuePass(env)),
} satisfies ExportedHandler<PortalEnv>;
