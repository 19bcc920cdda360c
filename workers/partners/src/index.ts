/**
 * The partners worker: referral partners, their codes and the public click router, attribution
 * events and partner commissions (issue 18). The gateway reaches {@link PartnersService} over a
 * service binding, having authenticated the caller and checked its scope (`partners:read|write`,
 * `events:write`, `commissions:read`); `followLink` is the public `/r/{code}` and takes no principal.
 * It owns `PARTNERS_DB`, consumes underwriting's events on its own queue (queue.consumer.ts), and
 * calls identity (invitation emails) and underwriting (submissions' referral codes and attribution,
 * attributed policies' timelines). Every method with a principal is confined to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { CreateAttributionEventRequest, CreatePartnerCodeRequest, CreatePartnerRequest, PartnerAcceptRequest, PartnerTokenRequest, PayPartnerCommissionsRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { realClock } from "#shared/clock";
import { isProduction } from "#shared/environment";
import { notFound } from "#shared/errors";
import type { PageQuery } from "#shared/pagination";
import type { ListCommissionsOfPartnerQuery, ListPartnerCommissionsQuery, ListPartnersQuery, PartnersRpc, ReferralClick, ReferralClickRecord } from "#shared/rpc";
import { recordAttributionEvent, sweepAttributions } from "./attribution.service.ts";
import { followLink, isClick, recordClicks, resolveLink } from "./clicks.ts";
import { forgetPartnerLinks, referralLinkOf } from "./referral-link.do.ts";
import { listCommissions, listCommissionsOfPartner, payCommissions } from "./commissions.service.ts";
import { acceptInvitation, partnerLoginActive, signIn } from "./logins.service.ts";
import { database } from "./database.ts";
import type { PartnersEnv } from "./env.ts";
import * as partners from "./partners.service.ts";
import { handleQueue } from "./queue.consumer.ts";
import { PARTNERS_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";
import type { Result as PurgeResult } from "#shared/errors";

export type { PartnersEnv } from "./env.ts";
export { ReferralLink } from "./referral-link.do.ts";

/**
 * A partner principal (a partner JWT) reads only its own partner: another partner's id is the same
 * `not_found` as an unknown one. The gateway lets it reach nothing but these reads.
 */
const ownPartner = (principal: Principal, partnerId: string) => principal.kind !== "partner" || principal.partnerId === partnerId;

/** The public entrypoint: the gateway's `PARTNERS` binding. */
export class PartnersService extends WorkerEntrypoint<PartnersEnv> implements PartnersRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<PurgeResult<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.PARTNERS_DB, PARTNERS_PURGE);
  }

  createPartner(principal: Principal, input: CreatePartnerRequest) {
    return partners.createPartner(database(this.env), principal, input);
  }

  listPartners(principal: Principal, query?: ListPartnersQuery) {
    return partners.listPartners(database(this.env), principal, query);
  }

  getPartner(principal: Principal, id: string) {
    if (!ownPartner(principal, id)) return Promise.resolve(notFound("Partner"));
    return partners.getPartner(database(this.env), principal, id);
  }

  invitePartner(principal: Principal, id: string, origin: string) {
    return partners.invitePartner(database(this.env), this.env.IDENTITY, principal, id, origin, isProduction(this.env));
  }

  /** Revoked in D1, then each of its codes' objects told, so its links 404 from the next click (again on a retry). */
  async revokePartner(principal: Principal, id: string) {
    const revoked = await partners.revokePartner(database(this.env), principal, id);
    if (revoked.ok) await forgetPartnerLinks(this.env, principal.orgId, id);
    return revoked;
  }

  createPartnerCode(principal: Principal, partnerId: string, input: CreatePartnerCodeRequest) {
    return partners.createPartnerCode(database(this.env), principal, partnerId, input);
  }

  listPartnerCodes(principal: Principal, partnerId: string, query?: PageQuery) {
    if (!ownPartner(principal, partnerId)) return Promise.resolve(notFound("Partner"));
    return partners.listPartnerCodes(database(this.env), principal, partnerId, query);
  }

  /** The code's row from its object; the click is queued after the answer (exactly once by its id). */
  followLink(code: string, click: ReferralClick) {
    return followLink(this.lookupLink, (message) => this.ctx.waitUntil(recordClicks(this.env.PARTNER_CLICKS, this.env.PARTNERS_DB, [message])), code, click, realClock.now());
  }

  /** The gateway's click router: the read alone, run while the client's limit is counted. */
  resolveLink(code: string, click: ReferralClick) {
    return resolveLink(this.lookupLink, code, click, realClock.now());
  }

  /** A code's row, from the code's own object (memory, D1 on a miss). */
  private lookupLink = (code: string) => referralLinkOf(this.env, code).resolve(code);

  /** The clicks of admitted {@link resolveLink}s the gateway could not queue, each recorded once by its id. */
  async recordClicks(clicks: ReferralClickRecord[]): Promise<void> {
    const valid = (Array.isArray(clicks) ? clicks : []).filter((c) => isClick(c) && typeof c.partnerId === "string" && typeof c.clickedAt === "string");
    await recordClicks(this.env.PARTNER_CLICKS, this.env.PARTNERS_DB, valid);
  }

  recordAttributionEvent(principal: Principal, input: CreateAttributionEventRequest) {
    return recordAttributionEvent(database(this.env), this.env.UNDERWRITING, principal, input);
  }

  listCommissions(principal: Principal, query?: ListPartnerCommissionsQuery) {
    return listCommissions(database(this.env), principal, query);
  }

  listCommissionsOfPartner(principal: Principal, partnerId: string, query?: ListCommissionsOfPartnerQuery) {
    if (!ownPartner(principal, partnerId)) return Promise.resolve(notFound("Partner"));
    return listCommissionsOfPartner(database(this.env), principal, partnerId, query);
  }

  payCommissions(principal: Principal, partnerId: string, input: PayPartnerCommissionsRequest) {
    return payCommissions(database(this.env), principal, partnerId, input);
  }

  /** The public `/auth/partner-accept` (no principal): the token is the credential. */
  acceptPartnerInvitation(input: PartnerAcceptRequest) {
    return acceptInvitation(this.env.PARTNERS_DB, input);
  }

  /** The public `/auth/partner-token`: the gateway signs the partner JWT from the answer. */
  signInPartner(input: PartnerTokenRequest) {
    return signIn(this.env.PARTNERS_DB, input);
  }

  partnerLoginActive(orgId: string, partnerId: string) {
    return partnerLoginActive(this.env.PARTNERS_DB, orgId, partnerId);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  queue: (batch, env) => handleQueue(batch, env),
  /** Every minute: write to underwriting the attributions a failed call left unrecorded. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(sweepAttributions(database(env), env.UNDERWRITING).then(() => undefined));
  },
} satisfies ExportedHandler<PartnersEnv>;
