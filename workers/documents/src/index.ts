/**
 * The documents worker: every file the platform stores. The gateway reaches {@link DocumentsService}
 * over a service binding, having authenticated the caller and checked scopes (or, for a download,
 * verified the signed token); the domain workers that produce paper (claims, billing, certificates)
 * will store through the same entrypoint. Bytes live in the R2 bucket `DOCUMENTS`, which no other
 * worker is bound to; metadata in `DOCUMENTS_DB`. Every method is confined to one org.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page } from "#shared/pagination";
import { eventQueues, relayOutbox } from "#shared/outbox";
import type {
  AcordSource,
  ByteRangeRequest,
  CertificateRecord,
  DocumentDownload,
  DocumentRecord,
  DocumentsRpc,
  GenerateCertificateInput,
  IngestDocumentInput,
  IngestedDocumentRecord,
  ListDocumentsQuery,
  RenderDocumentInput,
  StoreDocumentInput,
} from "#shared/rpc";
import type { AiRunner } from "./classifier/ai.ts";
import type { NaiveBayesModel } from "./classifier/model.ts";
import committedModel from "./classifier/model.json";
import { generateCertificate } from "./certificates.service.ts";
import { database } from "./database.ts";
import * as docs from "./documents.service.ts";
import type { DocumentsEnv } from "./env.ts";
import { aiFlags } from "./flags.ts";
import { ingestDocument, readAcordSource, type IngestDeps } from "./ingest.service.ts";
import { EVENT_SOURCE, relayNow } from "./relay.ts";
import { renderDocument } from "./render.service.ts";
import { sweepOrphans } from "./orphans.service.ts";
import { purgeDocuments } from "./purge.service.ts";
import type { PurgeProgress } from "#shared/purge";
import { reconcileAllStorageUsage, reconcileStorageUsage } from "./usage-reconcile.job.ts";
import type { UsageReconciled } from "#shared/rpc";

export type { DocumentsEnv } from "./env.ts";
export { DocumentsInternal } from "./internal.ts";


/** The public entrypoint: the gateway's `DOCUMENTS` binding. */
export class DocumentsService extends WorkerEntrypoint<DocumentsEnv> implements DocumentsRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeDocuments(this.env.DOCUMENTS_DB, this.env.DOCUMENTS, principal);
  }

  private get deps(): docs.DocumentsDeps {
    return { db: database(this.env), bucket: this.env.DOCUMENTS, usage: this.env.WORKSPACE, relay: relayNow(this.env, this.ctx) };
  }

  private get ingestDeps(): IngestDeps {
    return {
      ...this.deps,
      model: committedModel as NaiveBayesModel,
      ...(this.env.AI ? { ai: this.env.AI as unknown as AiRunner } : {}),
      aiFlags: (orgId) => aiFlags(this.env.PRODUCERS, orgId),
      orgLlm: this.env.WORKSPACE,
    };
  }

  /** Streams the body into R2 (hashing it, its type detected from its bytes), then records it. */
  storeDocument(principal: Principal, input: StoreDocumentInput): Promise<Result<DocumentRecord>> {
    return docs.storeDocument(this.deps, principal, input);
  }

  getDocument(principal: Principal, id: string): Promise<Result<DocumentRecord>> {
    return docs.getDocument(this.deps, principal, id);
  }

  /** Newest first unless `sort: "createdAt"`; filter by `kind` and `policyId`. */
  listDocuments(principal: Principal, query?: ListDocumentsQuery): Promise<Result<Page<DocumentRecord>>> {
    return docs.listDocuments(this.deps, principal, query);
  }

  /** The bytes (a stream over RPC, never buffered here) for a download the gateway has verified. */
  openDownload(orgId: string, id: string, range?: ByteRangeRequest): Promise<Result<DocumentDownload>> {
    return docs.openDownload(this.deps, orgId, id, range);
  }

  /** A PDF from a named template or the HTML subset, stored as a `rendered` document. */
  renderDocument(principal: Principal, input: RenderDocumentInput): Promise<Result<DocumentRecord>> {
    return renderDocument(this.deps, principal, input);
  }

  /** Reads the file (at most 25 MiB), refuses what cannot be ingested before storing anything, classifies and stores it. */
  ingestDocument(principal: Principal, input: IngestDocumentInput): Promise<Result<IngestedDocumentRecord>> {
    return ingestDocument(this.ingestDeps, principal, input);
  }

  /** An ingested ACORD 125's bytes, for underwriting's intake (through the gateway). */
  readAcordSource(principal: Principal, id: string): Promise<Result<AcordSource>> {
    return readAcordSource(this.deps, principal, id);
  }

  /** A new certificate of insurance and its PDF; its `document.generated` event is relayed once it committed (`deps.relay`). */
  generateCertificate(principal: Principal, input: GenerateCertificateInput): Promise<Result<CertificateRecord>> {
    return generateCertificate(this.deps, principal, input);
  }

  /** The org's `document_storage_bytes` set from its documents' sizes (the system principal's reconcile). */
  reconcileStorageUsage(orgId: string): Promise<Result<UsageReconciled>> {
    return reconcileStorageUsage(database(this.env), this.env.WORKSPACE, orgId);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /**
   * The periodic sweep: relays whatever a prompt relay missed (a crash between commit and send), and
   * deletes one page's worth of objects a crash left without their row (orphans.service.ts).
   */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE));
    ctx.waitUntil(sweepOrphans(database(env), env.DOCUMENTS, new Date(controller.scheduledTime)));
    // Once a UTC day: each org's document_storage_bytes set from its documents' sizes (usage-reconcile.job.ts).
    ctx.waitUntil(reconcileAllStorageUsage(database(env), env.WORKSPACE, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<DocumentsEnv>;
