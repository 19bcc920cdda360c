import { WorkerEntrypoint } from "cloudflare:workers";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { clockOf, realClock } from "#shared/clock";
import { notFound, ok, type Result } from "#shared/errors";
import { checkInput } from "#shared/input";
import { eventQueues, readOutboxEvents, relayOutbox } from "#shared/outbox";
import type { PageQuery } from "#shared/pagination";
import type { UpdateInsuredRequest } from "#contract/types.gen";
import type { CertificateFactsRequest, NonPaymentCancellationRequest, PendingCancellationRequest, SubmissionAttributionFacts, UnderwritingInternalRpc, UnderwritingRpc } from "#shared/rpc";
import * as analytics from "./analytics.service.ts";
import { billingFacts } from "./billing-facts.service.ts";
import * as partnerFacts from "./partner-facts.service.ts";
import { feedCommissions } from "./commission-feed.ts";
import * as claimFacts from "./claim-facts.service.ts";
import { bindSubmission, type BindInput } from "./bind.service.ts";
import { certificateFacts, insuredCertificateFacts } from "./certificates.service.ts";
import * as da from "./da-agreements.service.ts";
import * as delinquency from "./delinquency.service.ts";
import * as insureds from "./insureds.service.ts";
import type { UnderwritingEnv } from "./env.ts";
import { createSubmissionFromAcord, getQuoteReadiness } from "./intake.service.ts";
import { REQUIRED_SUBMISSION_FIELDS } from "./intake/acord125.ts";
import * as policies from "./policies.service.ts";
import { sweepPendingPaper } from "./policy-paper.ts";
import * as transactions from "./policy-transactions.service.ts";
import { knownProducer, producerAuthority } from "./producer-authority.ts";
import { bookOf, EMPTY_PAGE, insuredInBook, policyInBook, submissionInBook } from "./producer-book.ts";
import { createQuote } from "./quotes.service.ts";
import { autoBindMaxCents } from "./auto-bind.ts";
import * as referrals from "./referrals.service.ts";
import * as submissions from "./submissions.service.ts";
import { findSubmission } from "./submissions.repo.ts";
import { applyRuleRequirements, recentRuleFactsOf, ruleFactsOfRow, rulesJudge } from "./underwriting-rules.ts";
import { submissionPremiums } from "./submission-premiums.ts";
import type {
  CancelInput,
  CreateDaAgreementInput,
  CreateSubmissionInput,
  EndorseInput,
  ListPoliciesQuery,
  ListReferralsQuery,
  ListSubmissionsQuery,
  ReinstateInput,
} from "./types.ts";
import { underwritingPurge } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export { DaLedger } from "./da-ledger.do.ts";
export type * from "./types.ts";

/** One drizzle handle per D1 binding for the isolate's life (entrypoints are created per call). */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

/**
 * The shared input rules (#shared/input) again where RPC input arrives: the gateway applied them at
 * the door, and this keeps any other caller (and a gateway bug) from storing what the door refuses.
 * The use case runs on the cleaned input; `required` are the fields it cannot do without.
 */
function admitted<T, R>(principal: Principal, input: T, required: readonly string[], use: (clean: T) => Promise<Result<R>>): Promise<Result<R>> {
  const checked = checkInput(input, clockOf(principal).today(), required);
  return checked.ok ? use(checked.value) : Promise.resolve(checked);
}

/**
 * This worker's registry name: the `source` of the event messages its outbox relay sends. Not
 * exported, because workerd takes every export of the main module for an entrypoint.
 */
const EVENT_SOURCE = "underwriting";

/**
 * The underwriting domain over service-binding RPC: the public entrypoint, the only one the gateway
 * is bound to. The gateway has authenticated the caller and checked scopes; every method confines
 * itself to `principal.orgId`.
 */
export class UnderwritingService extends WorkerEntrypoint<UnderwritingEnv> implements UnderwritingRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.UNDERWRITING_DB, underwritingPurge(this.env));
  }

  private get db(): DrizzleD1Database {
    return database(this.env);
  }

  /**
   * `use()` when the submission, policy or insured `id` is in the principal's book (a `producer`
   * user's: producer-book.ts; everyone else's is the whole org, asked nothing), else the 404 a
   * missing one gets.
   */
  private async inBook<R>(kind: "Submission" | "Policy" | "Insured", principal: Principal, id: string, use: () => Promise<Result<R>>): Promise<Result<R>> {
    const inBook = kind === "Submission" ? submissionInBook : kind === "Policy" ? policyInBook : insuredInBook;
    return (await inBook(this.db, principal, id)) ? use() : notFound(kind);
  }

  /** After a write commits, relay its outbox events to the webhook queue without delaying the answer. */
  private relayAfter<T>(write: Promise<T>): Promise<T> {
    return write.finally(() => {
      this.ctx.waitUntil(relayOutbox(this.db, eventQueues(this.env), EVENT_SOURCE));
      // The commissions of the premium-bearing transactions it wrote, handed to the producers worker.
      this.ctx.waitUntil(feedCommissions(this.db, this.env.PRODUCERS, realClock.now().toISOString()));
    });
  }

  // Submissions

  createSubmission(principal: Principal, input: CreateSubmissionInput) {
    return admitted(principal, input, REQUIRED_SUBMISSION_FIELDS, async (clean) => {
      const producer = await knownProducer(this.env.PRODUCERS, principal.orgId, clean);
      if (!producer.ok) return producer;
      return this.relayAfter(submissions.createSubmission(this.db, principal, clean));
    });
  }

  /** ACORD 125 intake: the PDF's form fields, with `overrides` applied over them. */
  createSubmissionFromAcord(principal: Principal, pdf: Uint8Array, overrides: Partial<CreateSubmissionInput>) {
    return admitted(principal, overrides, [], (clean) => this.relayAfter(createSubmissionFromAcord(this.db, principal, pdf, clean)));
  }

  getSubmission(principal: Principal, id: string) {
    return this.inBook("Submission", principal, id, () => submissions.getSubmission(this.db, principal, id));
  }

  listSubmissions(principal: Principal, query: ListSubmissionsQuery) {
    // A producer user's list: only the submissions naming their producer.
    const book = bookOf(principal, query.producerId);
    if (book === null) return Promise.resolve(ok(EMPTY_PAGE));
    return submissions.listSubmissions(this.db, principal, book === undefined ? query : { ...query, producerId: book });
  }

  submissionPremiums(principal: Principal, ids: string[]) {
    return submissionPremiums(this.db, principal, Array.isArray(ids) ? ids : []);
  }

  getQuoteReadiness(principal: Principal, id: string) {
    return this.inBook("Submission", principal, id, async () => {
      const readiness = await getQuoteReadiness(this.db, principal, id);
      if (!readiness.ok) return readiness;
      // The org's `require` rules add the fields they demand of this risk.
      return applyRuleRequirements(this.db, principal.orgId, id, readiness.value, rulesJudge(this.env.MARKET, principal.orgId));
    });
  }

  // Quote and bind

  createQuote(principal: Principal, submissionId: string, options: { daAgreementId?: string }) {
    return this.inBook("Submission", principal, submissionId, () => this.quote(principal, submissionId, options));
  }

  private quote(principal: Principal, submissionId: string, options: { daAgreementId?: string }) {
    return admitted(principal, options, [], async (clean) => {
      const maxCents = await autoBindMaxCents(this.env.PRODUCERS, principal.orgId);
      const rules = rulesJudge(this.env.MARKET, principal.orgId);
      return this.relayAfter(createQuote(this.db, principal, submissionId, { ...clean, autoBindMaxCents: maxCents, rules }, (sub) => producerAuthority(this.env.PRODUCERS, principal.orgId, sub)));
    });
  }

  // The rule studio reads submissions as their rules see them (the gateway hands them to market).

  ruleFactsOf(principal: Principal, submissionId: string) {
    return this.inBook("Submission", principal, submissionId, async () => {
      const sub = await findSubmission(this.db, principal.orgId, submissionId);
      return sub ? ok(await ruleFactsOfRow(this.db, principal.orgId, sub)) : notFound("Submission");
    });
  }

  async recentRuleFacts(principal: Principal, limit: number) {
    // A producer user's simulation: only the submissions naming their producer.
    const book = bookOf(principal);
    if (book === null) return ok([]);
    return ok(await recentRuleFactsOf(this.db, principal.orgId, limit, book));
  }

  bindSubmission(principal: Principal, submissionId: string, input: BindInput, preview: boolean) {
    return this.inBook("Submission", principal, submissionId, () =>
      admitted(principal, input, ["installmentPlan"], (clean) => this.relayAfter(bindSubmission(this.db, this.env, principal, submissionId, clean, preview))),
    );
  }

  // Policies

  listPolicies(principal: Principal, query: ListPoliciesQuery) {
    // A producer user's list: only the policies bound from submissions naming their producer.
    const book = bookOf(principal);
    if (book === null) return Promise.resolve(ok(EMPTY_PAGE));
    return policies.listPolicies(this.db, principal, query, book);
  }

  getPolicy(principal: Principal, id: string) {
    return this.inBook("Policy", principal, id, () => policies.getPolicy(this.db, principal, id));
  }

  // Insureds

  getInsured(principal: Principal, id: string) {
    return this.inBook("Insured", principal, id, () => insureds.getInsured(this.db, principal, id));
  }

  updateInsured(principal: Principal, id: string, input: UpdateInsuredRequest) {
    return this.inBook("Insured", principal, id, () => admitted(principal, input, ["email"], (clean) => insureds.updateInsured(this.db, principal, id, clean)));
  }

  getPolicyTimeline(principal: Principal, id: string, query: PageQuery) {
    return this.inBook("Policy", principal, id, () => policies.getTimeline(this.db, principal, id, query));
  }

  endorsePolicy(principal: Principal, id: string, input: EndorseInput, preview: boolean) {
    return this.inBook("Policy", principal, id, () =>
      admitted(principal, input, ["effectiveDate", "changes"], (clean) => this.relayAfter(transactions.endorsePolicy(this.db, this.env, principal, id, clean, preview))),
    );
  }

  cancelPolicy(principal: Principal, id: string, input: CancelInput, preview: boolean) {
    return this.inBook("Policy", principal, id, () =>
      admitted(principal, input, ["effectiveDate", "method", "reason"], (clean) => this.relayAfter(transactions.cancelPolicy(this.db, this.env, principal, id, clean, preview))),
    );
  }

  reinstatePolicy(principal: Principal, id: string, input: ReinstateInput, preview: boolean) {
    return this.inBook("Policy", principal, id, () => admitted(principal, input, [], (clean) => this.relayAfter(transactions.reinstatePolicy(this.db, this.env, principal, id, clean, preview))));
  }

  renewPolicy(principal: Principal, id: string) {
    return this.inBook("Policy", principal, id, () => this.relayAfter(transactions.renewPolicy(this.db, this.env, principal, id, rulesJudge(this.env.MARKET, principal.orgId))));
  }

  // Referrals and delegated authority

  listReferrals(principal: Principal, query: ListReferralsQuery) {
    return referrals.listReferrals(this.db, principal, query);
  }

  async createReferral(principal: Principal, sent: { submissionId: string; reason: string; dealRoomId?: string }) {
    const checked = checkInput(sent, clockOf(principal).today(), ["submissionId", "reason"]);
    if (!checked.ok) return checked;
    const input = checked.value;
    if (!(await submissionInBook(this.db, principal, input.submissionId))) return notFound("Submission");
    if (input.dealRoomId && !(await this.env.DEAL_ROOMS.getRoom(principal, input.dealRoomId)).ok) return notFound("Deal room");
    const result = await this.relayAfter(referrals.createReferral(this.db, principal, input));
    if (result.ok) this.tellRoom(principal.orgId, result.value.dealRoomId, `Referral opened for submission ${result.value.submissionId}: ${result.value.reasons.join("; ")}`);
    return result;
  }

  async decideReferral(principal: Principal, id: string, sent: { decision: "approve" | "reject" | "request_info"; notes?: string }) {
    const checked = checkInput(sent, clockOf(principal).today(), ["decision"]);
    if (!checked.ok) return checked;
    const input = checked.value;
    const result = await this.relayAfter(referrals.decideReferral(this.db, principal, id, input, this.env));
    if (result.ok) {
      const r = result.value;
      this.tellRoom(principal.orgId, r.dealRoomId, `Referral ${r.status.replace(/_/g, " ")} for submission ${r.submissionId}${r.notes ? `: ${r.notes}` : ""}`);
    }
    return result;
  }

  /** A system message in the referral's deal room, after the referral committed; a failure is logged, not fatal. */
  private tellRoom(orgId: string, roomId: string | null, body: string) {
    if (!roomId) return;
    this.ctx.waitUntil(
      this.env.DEAL_ROOMS.postSystemMessage(orgId, roomId, body).then(
        (r) => void (!r.ok && console.error(JSON.stringify({ level: "warn", message: "referral system message refused", roomId }))),
        (e) => console.error(JSON.stringify({ level: "error", message: "referral system message failed", roomId, error: String(e) })),
      ),
    );
  }

  createDaAgreement(principal: Principal, input: CreateDaAgreementInput) {
    return admitted(principal, input, ["carrier", "program", "maxLimitPerRisk", "states", "naicsPrefixes", "aggregateCap"], (clean) => da.createDaAgreement(this.db, principal, clean));
  }

  listDaAgreements(principal: Principal, query: PageQuery) {
    return da.listDaAgreements(this.db, principal, query);
  }

  getDaAgreement(principal: Principal, id: string) {
    return da.getDaAgreement(this.db, principal, id);
  }

  // Analytics

  getDaUtilization(principal: Principal) {
    return da.daUtilization(this.db, principal);
  }

  getPortfolio(principal: Principal, asOf?: string) {
    return analytics.portfolio(this.db, principal, asOf);
  }

  // Certificates

  /** What a certificate of insurance may state about the policy today (read-only; the documents worker renders it). */
  certificateFacts(principal: Principal, policyId: string, request: CertificateFactsRequest) {
    return this.inBook("Policy", principal, policyId, () => admitted(principal, request, [], (clean) => certificateFacts(this.db, principal, policyId, clean)));
  }
}

/**
 * The internal entrypoint, bound only to the workers the registry names (the webhooks worker):
 * event bodies by id, read from the outbox. Not org-scoped, so never bound to the gateway.
 */
export class UnderwritingInternal extends WorkerEntrypoint<UnderwritingEnv> implements UnderwritingInternalRpc {
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }

  /** `orgId`'s policy with its term, timeline and limits: what a claim is judged against. */
  policyForClaim(orgId: string, policyId: string) {
    return claimFacts.policyForClaim(database(this.env), orgId, policyId);
  }

  /** `orgId`'s earned and written premium as of `asOf`: the loss ratio's denominator. */
  earnedPremium(orgId: string, asOf: string) {
    return claimFacts.earnedPremium(database(this.env), orgId, asOf);
  }

  /** `orgId`'s policy as billing invoices it: installments, the quote's taxes and fees, the timeline's premium deltas. */
  billingFacts(orgId: string, policyId: string) {
    return billingFacts(database(this.env), orgId, policyId);
  }

  /** The partners worker: a submission's referral code and creation time (the start of its attribution window). */
  submissionReferral(orgId: string, submissionId: string) {
    return partnerFacts.submissionReferral(database(this.env), orgId, submissionId);
  }

  /** The partners worker: the submission's attribution as it computed it (null clears it). */
  recordAttribution(orgId: string, submissionId: string, attribution: SubmissionAttributionFacts | null) {
    return partnerFacts.recordAttribution(database(this.env), orgId, submissionId, attribution);
  }

  /** The partners worker: a policy's submission and premium-bearing timeline, which its partner's commission follows. */
  partnerPolicyFacts(orgId: string, policyId: string) {
    return partnerFacts.partnerPolicyFacts(database(this.env), orgId, policyId);
  }

  /** Every org's insured with this email: the portal sends each a sign-in code. */
  insuredsByEmail(email: string) {
    return insureds.insuredsByEmail(database(this.env), email);
  }

  /** Insured `insuredId` of `orgId` (null for none): the portal checks a signed-in insured still exists with the code's email. */
  insuredOf(orgId: string, insuredId: string) {
    return insureds.insuredOf(database(this.env), orgId, insuredId);
  }

  /** The insured's policies, newest first, as of the org's `today`. */
  insuredPolicies(orgId: string, insuredId: string, today: string) {
    return insureds.insuredPolicies(database(this.env), orgId, insuredId, today);
  }

  /** One policy of the insured; anyone else's is not found. */
  insuredPolicy(orgId: string, insuredId: string, policyId: string, today: string) {
    return insureds.insuredPolicy(database(this.env), orgId, insuredId, policyId, today);
  }

  /** The insured a policy is linked to (null for none): the portal's notifications about the policy go to them. */
  policyInsured(orgId: string, policyId: string) {
    return insureds.policyInsured(database(this.env), orgId, policyId);
  }

  /** The portal's certificate of a policyholder's own policy: its facts (the insured as holder) and the policy's version. */
  insuredCertificateFacts(principal: Principal, policyId: string) {
    return insuredCertificateFacts(database(this.env), principal, policyId);
  }

  /** Billing's delinquency job: the policy goes `pending_cancellation` (once, with its event). */
  markPendingCancellation(orgId: string, policyId: string, request: PendingCancellationRequest) {
    return relayAfterInternal(this.env, this.ctx, delinquency.markPendingCancellation(database(this.env), orgId, policyId, request));
  }

  /** Billing, once the overdue invoices are paid: back to `active`. */
  liftPendingCancellation(orgId: string, policyId: string) {
    return delinquency.liftPendingCancellation(database(this.env), orgId, policyId);
  }

  /** Billing's delinquency job: pro-rata cancellation for `non_payment`, through the policy's own cancellation path. */
  cancelForNonPayment(orgId: string, policyId: string, request: NonPaymentCancellationRequest) {
    return relayAfterInternal(this.env, this.ctx, delinquency.cancelForNonPayment(database(this.env), this.env, orgId, policyId, request));
  }
}

/** After an internal write commits, relay its outbox events without delaying the answer. */
function relayAfterInternal<T>(env: UnderwritingEnv, ctx: ExecutionContext, write: Promise<T>): Promise<T> {
  return write.finally(() => ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE)));
}

function database(env: UnderwritingEnv): DrizzleD1Database {
  let db = handles.get(env.UNDERWRITING_DB);
  if (!db) handles.set(env.UNDERWRITING_DB, (db = drizzle(env.UNDERWRITING_DB)));
  return db;
}

export default {
  /** No public HTTP: only the gateway speaks HTTP. */
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /**
   * The periodic sweep: relays whatever a prompt relay missed (a crash between commit and send), and
   * issues policy paper still pending (the documents worker was down, slow, or its answer was lost).
   */
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(relayOutbox(database(env), eventQueues(env), EVENT_SOURCE));
    // Due retries are judged at the cron's own time.
    ctx.waitUntil(sweepPendingPaper(database(env), env, undefined, () => new Date(controller.scheduledTime).toISOString()));
    // Commissions a prompt hand-over missed (producers down, or the isolate gone before it ran).
    ctx.waitUntil(feedCommissions(database(env), env.PRODUCERS, new Date(controller.scheduledTime).toISOString()));
  },
} satisfies ExportedHandler<UnderwritingEnv>;
