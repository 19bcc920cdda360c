/**
 * The claims worker: claims from first notice of loss to close. The gateway reaches
 * {@link ClaimsService} over a service binding, having authenticated the caller and checked scopes
 * (`claims:read`, `claims:write`; `claims:approve` is checked here, where incurred is known). Policies
 * are read through underwriting's internal entrypoint, adjusters through identity's; this worker
 * owns `CLAIMS_DB` and nothing else. Every method is confined to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type {
  Claim,
  ClaimPaymentResult,
  CloseClaimRequest,
  CreateClaimPaymentRequest,
  CreateClaimRequest,
  DenyClaimRequest,
  InvestigateClaimRequest,
  ReopenClaimRequest,
  ReserveChangeResult,
  SetReservesRequest,
  SettleClaimRequest,
  SettlementResult,
} from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import { eventQueues, relayOutbox } from "#shared/outbox";
import type { Page, PageQuery } from "#shared/pagination";
import type { ClaimAttachmentRecord, ClaimDetailRecord, ClaimsRpc, DocumentRecord, ListClaimsQuery, LossSummary } from "#shared/rpc";
import { listAttachments, recordAttachment } from "./attachments.service.ts";
import type { ClaimsDeps } from "./changes.ts";
import { getClaim, listClaims } from "./claims.service.ts";
import { database } from "./database.ts";
import type { ClaimsEnv } from "./env.ts";
import { createClaim } from "./fnol.service.ts";
import { acceptSettlement, closeClaim, denyClaim, investigateClaim, reopenClaim, settleClaim } from "./lifecycle.service.ts";
import { lossSummary } from "./loss-summary.service.ts";
import { createPayment, setReserves } from "./reserves.service.ts";
import { CLAIMS_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type { ClaimsEnv } from "./env.ts";
export { ClaimsInternal } from "./internal.ts";

/**
 * This worker's registry name: the `source` of the event messages its outbox relay sends. Not
 * exported, because workerd takes every export of the main module for an entrypoint.
 */
const EVENT_SOURCE = "claims";

/** The public entrypoint: the gateway's `CLAIMS` binding. */
export class ClaimsService extends WorkerEntrypoint<ClaimsEnv> implements ClaimsRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.CLAIMS_DB, CLAIMS_PURGE);
  }

  private get deps(): ClaimsDeps {
    return { db: database(this.env), underwriting: this.env.UNDERWRITING, identity: this.env.IDENTITY };
  }

  /** A write's events are relayed once it has answered (the cron sweeps what this misses). */
  private relayed<T>(work: Promise<T>): Promise<T> {
    return work.finally(() => this.ctx.waitUntil(relayOutbox(database(this.env), eventQueues(this.env), EVENT_SOURCE)));
  }

  createClaim(principal: Principal, input: CreateClaimRequest): Promise<Result<Claim>> {
    return this.relayed(createClaim(this.deps, principal, input));
  }

  listClaims(principal: Principal, query?: ListClaimsQuery): Promise<Result<Page<Claim>>> {
    return listClaims(this.deps, principal, query);
  }

  getClaim(principal: Principal, id: string): Promise<Result<ClaimDetailRecord>> {
    return getClaim(this.deps, principal, id);
  }

  investigateClaim(principal: Principal, id: string, input?: InvestigateClaimRequest): Promise<Result<Claim>> {
    return this.relayed(investigateClaim(this.deps, principal, id, input));
  }

  setReserves(principal: Principal, id: string, input: SetReservesRequest): Promise<Result<ReserveChangeResult>> {
    return this.relayed(setReserves(this.deps, principal, id, input));
  }

  createPayment(principal: Principal, id: string, input: CreateClaimPaymentRequest): Promise<Result<ClaimPaymentResult>> {
    return this.relayed(createPayment(this.deps, principal, id, input));
  }

  settleClaim(principal: Principal, id: string, input: SettleClaimRequest): Promise<Result<SettlementResult>> {
    return this.relayed(settleClaim(this.deps, principal, id, input));
  }

  acceptSettlement(principal: Principal, id: string, settlementId: string): Promise<Result<SettlementResult>> {
    return this.relayed(acceptSettlement(this.deps, principal, id, settlementId));
  }

  denyClaim(principal: Principal, id: string, input: DenyClaimRequest): Promise<Result<Claim>> {
    return this.relayed(denyClaim(this.deps, principal, id, input));
  }

  closeClaim(principal: Principal, id: string, input?: CloseClaimRequest): Promise<Result<Claim>> {
    return this.relayed(closeClaim(this.deps, principal, id, input));
  }

  reopenClaim(principal: Principal, id: string, input?: ReopenClaimRequest): Promise<Result<Claim>> {
    return this.relayed(reopenClaim(this.deps, principal, id, input));
  }

  recordAttachment(principal: Principal, id: string, document: DocumentRecord): Promise<Result<ClaimAttachmentRecord>> {
    return recordAttachment(this.deps, principal, id, document);
  }

  listAttachments(principal: Principal, id: string, query?: PageQuery): Promise<Result<Page<ClaimAttachmentRecord>>> {
    return listAttachments(this.deps, principal, id, query);
  }

  lossSummary(principal: Principal, asOf: string): Promise<Result<LossSummary>> {
    return lossSummary(database(this.env), principal.orgId, asOf);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /** The periodic sweep: relays whatever a prompt relay missed (a crash between commit and send). */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE));
  },
} satisfies ExportedHandler<ClaimsEnv>;
