/**
 * The documents worker's internal entrypoint, bound only to the workers the registry names:
 * underwriting, for the paper of bind and endorsement, and the webhooks consumer, which reads event
 * bodies through it. Its methods trust the caller's `orgId`, which is why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Result } from "#shared/errors";
import { readOutboxEvents } from "#shared/outbox";
import type { CertificateOnceRequest, DocumentRecord, DocumentsInternalRpc, EventSourceRpc, InvoiceDocumentRequest, PolicyDocumentRequest } from "#shared/rpc";
import { issueCertificateOnce } from "./certificates.service.ts";
import { database } from "./database.ts";
import type { DocumentsDeps } from "./documents.service.ts";
import type { DocumentsEnv } from "./env.ts";
import { issueInvoiceDocument } from "./invoice-paper.service.ts";
import { issuePolicyDocument } from "./policy-paper.service.ts";
import { relayNow } from "./relay.ts";

export class DocumentsInternal extends WorkerEntrypoint<DocumentsEnv> implements DocumentsInternalRpc, EventSourceRpc {
  private get deps(): DocumentsDeps {
    return { db: database(this.env), bucket: this.env.DOCUMENTS, usage: this.env.WORKSPACE, relay: relayNow(this.env, this.ctx) };
  }

  /** Renders and stores one piece of policy paper, once per source key (a repeat answers the first document). */
  issuePolicyDocument(orgId: string, request: PolicyDocumentRequest): Promise<Result<DocumentRecord>> {
    return issuePolicyDocument(this.deps, orgId, request);
  }

  /** Renders and stores one invoice's PDF for billing, once per source key. */
  issueInvoiceDocument(orgId: string, request: InvoiceDocumentRequest): Promise<Result<DocumentRecord>> {
    return issueInvoiceDocument(this.deps, orgId, request);
  }

  /**
   * A certificate of insurance issued once per `request.sourceKey` of `orgId` (the portal's certificate
   * of a policyholder's own policy, keyed by the policy's version): a repeat answers the first, `created: false`.
   */
  issueCertificateOnce(orgId: string, request: CertificateOnceRequest) {
    const issuer = { kind: "insured" as const, orgId, credentialId: request.issuedBy, actorId: request.issuedBy, principalId: request.issuedBy, role: null, scopes: [], rateLimitTier: "standard" as const, expiresAt: null };
    return issueCertificateOnce(this.deps, issuer, request.certificate, request.sourceKey);
  }

  /** `document.generated` and any other event of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }
}
