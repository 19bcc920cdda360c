/**
 * The market worker: the market finder and the rule studio. The gateway reaches {@link MarketService}
 * over a service binding, having authenticated the caller and checked its scope (`market:read` /
 * `market:write`, `clients:*`, `rules:*`). It owns `MARKET_DB`: the platform's reference carriers,
 * products and appetites (loaded by migration from workers/market/data/carriers.json) beside each
 * org's own, the org's clients and its rules. It calls no other worker: what it needs of
 * underwriting (the org's submissions) the gateway reads and hands over. Every method is confined
 * to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { CheckClientDuplicateData, CreateClientRequest, ListClientsData, SearchClientsData, UpdateClientRequest } from "#contract/types.gen";
import type { ClientSubmissionRequest, ScanWebsiteRequest } from "#contract/types.gen";
import type { ClassifyRequest, CreateAppetiteRequest, CreateCarrierRequest, JurisdictionsRequest, MarketProfile, ProductLinesRequest, SimilarBusinessesRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { isProduction } from "#shared/environment";
import type { MarketRpc, SimilarSubmissionFacts } from "#shared/rpc";
import type { ListAppetitesQuery, ListCarriersQuery, ListProductsQuery } from "./carriers.repo.ts";
import { classify } from "./classify.ts";
import { database } from "./database.ts";
import type { MarketEnv } from "./env.ts";
import * as clients from "./clients.service.ts";
import * as conversion from "./clients.convert.ts";
import * as market from "./market.service.ts";
import { isNaicsCode } from "./naics.ts";
import * as ruleStudio from "./rules/rules.service.ts";
import type { CreateRuleRequest, ExecuteRulesRequest, ListRulesData, ListRuleVersionsData, SimulateRuleRequest, UpdateRuleRequest } from "#contract/types.gen";
import type { MarketInternalRpc, SubmissionRuleFacts } from "#shared/rpc";
import type { RuleContext } from "#shared/rule-context";
import { scanWebsite } from "./scan.ts";
import { MARKET_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";
import type { Result as PurgeResult } from "#shared/errors";

export type { MarketEnv } from "./env.ts";

/** The public entrypoint: the gateway's `MARKET` binding. */
export class MarketService extends WorkerEntrypoint<MarketEnv> implements MarketRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<PurgeResult<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.MARKET_DB, MARKET_PURGE);
  }

  listCarriers(principal: Principal, query?: ListCarriersQuery) {
    return market.listCarriers(database(this.env), principal, query);
  }

  getCarrier(principal: Principal, id: string) {
    return market.getCarrier(database(this.env), principal, id);
  }

  createCarrier(principal: Principal, input: CreateCarrierRequest) {
    return market.createCarrier(database(this.env), principal, input);
  }

  listProducts(principal: Principal, query?: ListProductsQuery) {
    return market.listProducts(database(this.env), principal, query);
  }

  listAppetites(principal: Principal, query?: ListAppetitesQuery) {
    return market.listAppetites(database(this.env), principal, query);
  }

  createAppetite(principal: Principal, input: CreateAppetiteRequest) {
    return market.createAppetite(database(this.env), principal, input);
  }

  search(principal: Principal, input: MarketProfile) {
    return market.search(database(this.env), principal, input);
  }

  matchDetailed(principal: Principal, input: MarketProfile) {
    return market.matchDetailed(database(this.env), principal, input);
  }

  jurisdictions(principal: Principal, input: JurisdictionsRequest) {
    return market.jurisdictions(database(this.env), principal, input);
  }

  productLines(principal: Principal, input: ProductLinesRequest) {
    return market.productLines(database(this.env), principal, input);
  }

  async similarBusinesses(principal: Principal, input: SimilarBusinessesRequest, submissions: SimilarSubmissionFacts[]) {
    return market.similarBusinesses(input, submissions, clockOf(principal).today());
  }

  async classify(input: ClassifyRequest) {
    return classify(input);
  }

  async isNaicsCode(code: string) {
    return isNaicsCode(code);
  }

  /** Read a public website (the webhook SSRF rules, 5 s, 1 MiB) and classify its text. */
  scanWebsite(_principal: Principal, input: ScanWebsiteRequest) {
    const allowLoopback = this.env.SCAN_ALLOW_LOOPBACK === "true" && !isProduction(this.env);
    return scanWebsite(input, { fetch: (url, init) => fetch(url, init), policy: { production: isProduction(this.env), allowLoopback } });
  }

  createClient(principal: Principal, input: CreateClientRequest) {
    return clients.createClient(database(this.env), principal, input);
  }

  listClients(principal: Principal, query?: NonNullable<ListClientsData["query"]>) {
    return clients.listClients(database(this.env), principal, query);
  }

  searchClients(principal: Principal, query?: NonNullable<SearchClientsData["query"]>) {
    return clients.searchClients(database(this.env), principal, query);
  }

  getClient(principal: Principal, id: string) {
    return clients.getClient(database(this.env), principal, id);
  }

  updateClient(principal: Principal, id: string, input: UpdateClientRequest) {
    return clients.updateClient(database(this.env), principal, id, input);
  }

  checkClientDuplicate(principal: Principal, query?: NonNullable<CheckClientDuplicateData["query"]>) {
    return clients.checkDuplicate(database(this.env), principal, query);
  }

  acceptTerms(principal: Principal, input: { version: string }) {
    return clients.acceptTerms(database(this.env), principal, input);
  }

  termsStatus(principal: Principal) {
    return clients.termsStatus(database(this.env), principal);
  }

  /** Hold a client for one conversion and build its submission body (clients.convert.ts). */
  claimClientConversion(principal: Principal, id: string, input: ClientSubmissionRequest) {
    return conversion.claimConversion(database(this.env), principal, id, input);
  }

  /** Link the created submission to the client held by `token`; the client is then `converted`. */
  completeClientConversion(principal: Principal, id: string, token: string, submissionId: string) {
    return conversion.completeConversion(database(this.env), principal, id, token, submissionId);
  }

  /** Let a held client go when its submission was refused. */
  releaseClientConversion(principal: Principal, id: string, token: string) {
    return conversion.releaseConversion(database(this.env), principal, id, token);
  }

  // The rule studio: the org's underwriting rules.

  createRule(principal: Principal, input: CreateRuleRequest) {
    return ruleStudio.createRule(database(this.env), principal, input);
  }

  listRules(principal: Principal, query?: NonNullable<ListRulesData["query"]>) {
    return ruleStudio.listRules(database(this.env), principal, query);
  }

  getRule(principal: Principal, id: string) {
    return ruleStudio.getRule(database(this.env), principal, id);
  }

  updateRule(principal: Principal, id: string, input: UpdateRuleRequest) {
    return ruleStudio.updateRule(database(this.env), principal, id, input);
  }

  deleteRule(principal: Principal, id: string) {
    return ruleStudio.deleteRule(database(this.env), principal, id);
  }

  listRuleVersions(principal: Principal, id: string, query?: NonNullable<ListRuleVersionsData["query"]>) {
    return ruleStudio.listVersions(database(this.env), principal, id, query);
  }

  simulateRule(principal: Principal, input: SimulateRuleRequest, recent?: SubmissionRuleFacts[]) {
    return ruleStudio.simulateRule(database(this.env), principal, input, recent);
  }

  executeRules(principal: Principal, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts) {
    return ruleStudio.executeRules(database(this.env), principal, input, subject);
  }

  executeRule(principal: Principal, id: string, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts) {
    return ruleStudio.executeRule(database(this.env), principal, id, input, subject);
  }
}

/**
 * The internal entrypoint, bound to underwriting only: quoting reads the org's enabled rules here,
 * judged and combined, on every quote (the org comes from underwriting's own principal).
 */
export class MarketInternal extends WorkerEntrypoint<MarketEnv> implements MarketInternalRpc {
  decideRules(orgId: string, context: RuleContext) {
    return ruleStudio.decideForQuote(database(this.env), orgId, context);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
} satisfies ExportedHandler<MarketEnv>;
