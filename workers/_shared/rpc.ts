/**
 * Every type that crosses a service binding between two workers: each domain worker's public
 * entrypoint (what the gateway is bound to) and its internal one (what named sibling workers are
 * bound to), with the inputs and answers that travel over them. A worker's entrypoint class
 * `implements` its interface here, and a caller types its binding with `Service<…Rpc>`, so neither
 * side imports the other's `src/` and the two deploy independently (test/contract/registry.test.ts
 * fails on any cross-worker `src/` import).
 *
 * Bodies and answers integrators see are the contract's generated types (typespec/generated); the
 * rest is plain data. Timestamps are ISO-8601 UTC strings. Every method answers a plain `Result`
 * (class instances and custom error fields do not survive RPC), unless its comment says otherwise.
 */
import type {
  ApiKey,
  Appointment,
  BillingSettings,
  BindPreview,
  BindReferred,
  CancelPolicyRequest,
  Certificate,
  CertificateHolder,
  Claim,
  ClaimActivity,
  ClaimDetail,
  ClaimPaymentResult,
  CloseClaimRequest,
  Commission,
  CommissionsSummary,
  CreateApiKeyRequest,
  CreateAppointmentRequest,
  CreateClaimPaymentRequest,
  CreateClaimRequest,
  CreateDaAgreementRequest,
  CreatedApiKey,
  CreatedWebhookEndpoint,
  CreateOrgRequest,
  CreatePaymentIntentRequest,
  CreateProducerRequest,
  CreateSubmissionRequest,
  DaAgreement,
  DaUtilizationReport,
  DealRoom,
  DealRoomMessage,
  DelinquencyRun,
  DenyClaimRequest,
  DocumentKind,
  DocumentWithDownload,
  EndorsementReferred,
  EndorsePolicyRequest,
  GetCommissionsSummaryData,
  IngestedDocument,
  InstallmentPlan,
  Insured,
  InvestigateClaimRequest,
  Invoice,
  InvoicePaymentIntent,
  LineOfBusiness,
  ListClaimsData,
  ListInvoicesData,
  ListPoliciesData,
  ListProducerCommissionsData,
  ListProducersData,
  ListReferralsData,
  ListSubmissionsData,
  LoginRequest,
  LoginResult,
  MailingAddress,
  Org,
  OutboxEmail,
  PayInvoiceRequest,
  Policy,
  PolicyholderCodeRequest,
  PolicyholderCodeRequested,
  PolicyholderToken,
  PolicyholderTokenRequest,
  PolicyTransaction,
  PolicyTransactionResult,
  PortalDocuments,
  PortalHome,
  PortalInvoices,
  PortalPolicies,
  PortalProfile,
  PortfolioAnalytics,
  PortfolioClaims,
  Producer,
  PushTokenRegistration,
  SandboxPush,
  Quote,
  QuoteReadiness,
  Referral,
  RefundInvoiceRequest,
  RegisterPushTokenRequest,
  ReinstatePolicyRequest,
  RenderTemplateName,
  RenewalResult,
  ReopenClaimRequest,
  ResendCodeRequest,
  ResendCodeResult,
  ReserveChangeResult,
  RotateApiKeyRequest,
  RotatedApiKey,
  RotatedWebhookSecret,
  RunDelinquencyRequest,
  SandboxClock,
  SetReservesRequest,
  SetSandboxClockRequest,
  SettleClaimRequest,
  SettlementResult,
  SignupRequest,
  SignupResult,
  Submission,
  TokenResponse,
  UpdateAppointmentRequest,
  UpdateBillingSettingsRequest,
  UpdateInsuredRequest,
  UpdateOrgRequest,
  UpdatePortalProfileRequest,
  UpdateProducerRequest,
  User,
  UsState,
  VerifyEmailRequest,
  VerifyEmailResult,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from "#contract/types.gen";
import type {
  AttributionEvent,
  CreateAttributionEventRequest,
  CreatePartnerCodeRequest,
  CreatePartnerRequest,
  ListCommissionsOfPartnerData,
  ListPartnerCommissionsData,
  ListPartnersData,
  Partner,
  PartnerCode,
  PartnerCommission,
  PartnerInvitation,
  PartnerPayout,
  PayPartnerCommissionsRequest,
} from "#contract/types.gen";
import type { Principal, RateLimitTier, Role, ScopePreset } from "./auth.ts";
import type { FlagKey, FlagType, FlagValue } from "./flags.catalogue.ts";
import type { ErrorDetailValue, Result } from "./errors.ts";
import type { EventEnvelope } from "./events.ts";
import type { Page, PageQuery } from "./pagination.ts";

// Identity: public only (the gateway is its one caller).

/** What the gateway needs to build a Principal from an API key. */
export interface ApiKeyIdentity {
  keyId: string;
  /** The first key of `keyId`'s rotation chain (`keyId` itself when never rotated into): the key's stable principal id. */
  lineageId: string;
  orgId: string;
  scopes: string[];
  rateLimitTier: RateLimitTier;
  expiresAt: string | null;
  name: string;
}

export interface ApiKeyPreset {
  name: ScopePreset;
  scopes: string[];
}

export interface LogoutResult {
  loggedOut: true;
}

export interface SandboxEmailQuery extends PageQuery {
  /** Only emails to this address (case-insensitive). */
  to?: string;
}

/** `IdentityService`, the gateway's `IDENTITY` binding. */
export interface IdentityRpc extends Rpc.WorkerEntrypointBranded {
  authenticateApiKey(rawKey: string): Promise<Result<ApiKeyIdentity>>;
  /** The hash naming the key's admitting object at the gateway. */
  getApiKeyHash(principal: Principal, id: string): Promise<Result<string>>;

  /** System principal only (the gateway checks). */
  createOrg(input: Omit<CreateOrgRequest, "plan">): Promise<Result<IdentityOrg>>;
  getOrg(principal: Principal, orgId: string): Promise<Result<IdentityOrg>>;
  updateOrg(principal: Principal, orgId: string, input: Omit<UpdateOrgRequest, "plan">): Promise<Result<IdentityOrg>>;
  findOrgBySlug(slug: string): Promise<Result<IdentityOrg>>;
  /** System principal only (the gateway checks): every org, by cursor pages (the workspaces list). */
  listOrgs(query?: PageQuery & { createdAfter?: string; createdBefore?: string }): Promise<Result<Page<IdentityOrg>>>;

  createApiKey(principal: Principal, input: CreateApiKeyRequest): Promise<Result<CreatedApiKey>>;
  listApiKeys(principal: Principal, query?: PageQuery): Promise<Result<Page<ApiKey>>>;
  getApiKey(principal: Principal, id: string): Promise<Result<ApiKey>>;
  revokeApiKey(principal: Principal, id: string): Promise<Result<ApiKey>>;
  rotateApiKey(principal: Principal, id: string, input?: RotateApiKeyRequest): Promise<Result<RotatedApiKey>>;
  /** Static data, so a bare value rather than a Result. */
  listApiKeyPresets(): Promise<{ data: ApiKeyPreset[] }>;

  issueDemoToken(secret: string, orgId?: string): Promise<Result<TokenResponse>>;

  signup(input: SignupRequest): Promise<Result<SignupResult>>;
  verifyEmail(input: VerifyEmailRequest): Promise<Result<VerifyEmailResult>>;
  resendVerificationCode(input: ResendCodeRequest): Promise<Result<ResendCodeResult>>;
  login(input: LoginRequest): Promise<Result<LoginResult>>;
  logout(sessionToken: string): Promise<Result<LogoutResult>>;
  getProfile(sessionToken: string): Promise<Result<User>>;
  exchangeSession(sessionToken: string): Promise<Result<TokenResponse>>;

  /** Outside production only (the service refuses in production whatever the gateway does). */
  listSandboxEmails(query?: SandboxEmailQuery): Promise<Result<Page<OutboxEmail>>>;
  getSandboxClock(principal: Principal): Promise<Result<SandboxClock>>;
  setSandboxClock(principal: Principal, input: SetSandboxClockRequest): Promise<Result<SandboxClock>>;
  resetSandboxClock(principal: Principal): Promise<Result<SandboxClock>>;
  /** The gateway's per-request read: the org's clock offset in ms, 0 outside development. */
  clockOffsetOf(orgId: string): Promise<number>;
}

// Underwriting: public (the gateway) and internal (event reading, for the webhooks worker).

/** The list filters are the contract's own query parameters (validated by the gateway). */
export type ListSubmissionsQuery = NonNullable<ListSubmissionsData["query"]>;
export type ListPoliciesQuery = NonNullable<ListPoliciesData["query"]>;
export type ListReferralsQuery = NonNullable<ListReferralsData["query"]>;

export interface BindInput {
  installmentPlan: InstallmentPlan;
  quoteId?: string;
}

export interface CreateReferralInput {
  submissionId: string;
  reason: string;
  dealRoomId?: string;
}

export interface DecideReferralInput {
  decision: "approve" | "reject" | "request_info";
  notes?: string;
}

/** Portfolio analytics as underwriting computes them: premium and counts; the gateway adds the claims and the loss ratio. */
export type PortfolioPremium = Omit<PortfolioAnalytics, "claims" | "lossRatio">;

/** `UnderwritingService`, the gateway's `UNDERWRITING` binding. Every method is confined to `principal.orgId`. */
export interface UnderwritingRpc extends Rpc.WorkerEntrypointBranded {
  createSubmission(principal: Principal, input: CreateSubmissionRequest): Promise<Result<Submission>>;
  /** ACORD 125 intake: the PDF's form fields, with `overrides` applied over them. */
  createSubmissionFromAcord(principal: Principal, pdf: Uint8Array, overrides: Partial<CreateSubmissionRequest>): Promise<Result<Submission>>;
  getSubmission(principal: Principal, id: string): Promise<Result<Submission>>;
  listSubmissions(principal: Principal, query: ListSubmissionsQuery): Promise<Result<Page<Submission>>>;
  /** The premium each of the org's submissions named came to (bound policy, else current quote); ids without one are absent. */
  submissionPremiums(principal: Principal, ids: string[]): Promise<Result<Record<string, SubmissionPremium>>>;
  getQuoteReadiness(principal: Principal, id: string): Promise<Result<QuoteReadiness>>;

  createQuote(principal: Principal, submissionId: string, options: { daAgreementId?: string }): Promise<Result<Quote>>;
  /** `preview: true` answers the bind it would make, with no side effect. */
  bindSubmission(principal: Principal, submissionId: string, input: BindInput, preview: boolean): Promise<Result<Policy | BindPreview | BindReferred>>;

  listPolicies(principal: Principal, query: ListPoliciesQuery): Promise<Result<Page<Policy>>>;
  getPolicy(principal: Principal, id: string): Promise<Result<Policy>>;
  /** The org's insured with the ids of their policies. */
  getInsured(principal: Principal, id: string): Promise<Result<Insured>>;
  /** Correct an insured's email (409 when another insured of the org has it); portal sign-in follows it. */
  updateInsured(principal: Principal, id: string, input: UpdateInsuredRequest): Promise<Result<Insured>>;
  getPolicyTimeline(principal: Principal, id: string, query: PageQuery): Promise<Result<Page<PolicyTransaction>>>;
  /** Applied (`PolicyTransactionResult`), or held for a referral outside delegated authority (`EndorsementReferred`, `status: "referred"`). */
  endorsePolicy(principal: Principal, id: string, input: EndorsePolicyRequest, preview: boolean): Promise<Result<PolicyTransactionResult | EndorsementReferred>>;
  cancelPolicy(principal: Principal, id: string, input: CancelPolicyRequest, preview: boolean): Promise<Result<PolicyTransactionResult>>;
  reinstatePolicy(principal: Principal, id: string, input: ReinstatePolicyRequest, preview: boolean): Promise<Result<PolicyTransactionResult>>;
  renewPolicy(principal: Principal, id: string): Promise<Result<RenewalResult>>;

  listReferrals(principal: Principal, query: ListReferralsQuery): Promise<Result<Page<Referral>>>;
  createReferral(principal: Principal, input: CreateReferralInput): Promise<Result<Referral>>;
  decideReferral(principal: Principal, id: string, input: DecideReferralInput): Promise<Result<Referral>>;
  createDaAgreement(principal: Principal, input: CreateDaAgreementRequest): Promise<Result<DaAgreement>>;
  listDaAgreements(principal: Principal, query: PageQuery): Promise<Result<Page<DaAgreement>>>;
  getDaAgreement(principal: Principal, id: string): Promise<Result<DaAgreement>>;

  getDaUtilization(principal: Principal): Promise<Result<DaUtilizationReport>>;
  /** Premium figures only: the gateway adds the claims and the loss ratio (`ClaimsService.lossSummary`). */
  getPortfolio(principal: Principal, asOf?: string): Promise<Result<PortfolioPremium>>;

  /**
   * The facts a certificate of insurance may state about a policy: `policy_not_in_force` when it is
   * cancelled or expired on the org's today or starts more than 60 days later; `endorsement_required`
   * when a flag is asked without its endorsement. Writes nothing.
   */
  certificateFacts(principal: Principal, policyId: string, request: CertificateFactsRequest): Promise<Result<CertificateFacts>>;
}

/** What a certificate asks of the policy: the holder (an additional insured must be named on the policy) and the boxes it would tick. */
export interface CertificateFactsRequest {
  holderName: string;
  additionalInsured?: boolean;
  waiverOfSubrogation?: boolean;
}

/** One coverage row of a certificate: the ACORD 25 line with its limits (USD major units). */
export interface CertificateCoverage {
  lineOfBusiness: LineOfBusiness;
  title: string;
  /** The insurer affording it, by its letter in the certificate's insurer list. */
  insurerLetter: string;
  policyNumber: string;
  effectiveDate: string;
  expirationDate: string;
  limits: { label: string; amount: number }[];
  additionalInsured: boolean;
  waiverOfSubrogation: boolean;
}

/**
 * What underwriting vouches for on a certificate (`certificateFacts`): the policy is in force on
 * `asOf` (the org's today), the insured, the insurer with its NAIC code (null when the agreement's
 * carrier is not in the platform's reference list), and the coverage with its limits.
 */
export interface CertificateFacts {
  asOf: string;
  policy: { id: string; policyNumber: string; lineOfBusiness: LineOfBusiness; effectiveDate: string; expirationDate: string; cancellationEffectiveDate: string | null };
  insured: { name: string; state: string; email: string | null };
  insurer: { letter: string; name: string; naic: string | null };
  coverages: CertificateCoverage[];
  additionalInsured: boolean;
  waiverOfSubrogation: boolean;
}

// Underwriting, internal: what the claims worker judges coverage, limits and the loss ratio by.

/** One entry of a policy's timeline as coverage reads it (the contract's `PolicyTransaction`, trimmed). */
export interface CoverageTimelineEntry {
  transactionId: string;
  type: "new_business" | "endorsement" | "cancellation" | "reinstatement" | "renewal";
  /** `YYYY-MM-DD`: a cancellation's cover stops on this day; a reinstatement's resumes on it. */
  effectiveDate: string;
  createdAt: string;
}

/**
 * A policy as a claim needs it (`policyForClaim`): its term, the timeline coverage is judged from,
 * and the money limits as of today. Money is USD major units, as in the API.
 */
export interface ClaimPolicyFacts {
  policyId: string;
  policyNumber: string;
  status: Policy["status"];
  lineOfBusiness: LineOfBusiness;
  insuredName: string;
  /** The term, `YYYY-MM-DD`: cover from `effectiveDate` up to but not including `expirationDate`. */
  effectiveDate: string;
  expirationDate: string;
  /** Per-occurrence limit of liability. */
  limit: number;
  deductible: number | null;
  /** Every transaction, oldest first (by createdAt, then id). */
  timeline: CoverageTimelineEntry[];
}

/** Earned and written premium of an org's whole portfolio as of one date (the loss ratio's denominator). */
export interface EarnedPremiumFacts {
  asOf: string;
  earnedPremium: number;
  writtenPremium: number;
  policyCount: number;
}

/**
 * `UnderwritingInternal`, bound to the events consumer (readEvents) and to the workers whose
 * registry entry names it (claims). Not org-scoped by a principal: the caller names the org, and
 * another org's policy is `not_found`.
 */
export interface UnderwritingInternalRpc extends EventSourceRpc {
  policyForClaim(orgId: string, policyId: string): Promise<Result<ClaimPolicyFacts>>;
  earnedPremium(orgId: string, asOf: string): Promise<Result<EarnedPremiumFacts>>;
  /** `orgId`'s policy as billing invoices it: the installment schedule, the quote's taxes and fees, and every transaction's premium delta. */
  billingFacts(orgId: string, policyId: string): Promise<Result<BillingPolicyFacts>>;
  /**
   * Billing's delinquency job: put the policy in `pending_cancellation` (emitting
   * `policy.pending_cancellation`) once; a policy already marked answers its mark with `changed: false`.
   */
  markPendingCancellation(orgId: string, policyId: string, request: PendingCancellationRequest): Promise<Result<PendingCancellationAnswer>>;
  /** Billing, once the unpaid invoices are paid: back to `active`. `lifted: false` when it was not pending. */
  liftPendingCancellation(orgId: string, policyId: string): Promise<Result<{ lifted: boolean; status: string }>>;
  /** Billing's delinquency job: cancel pro rata for `non_payment` through the policy's own cancellation path. */
  cancelForNonPayment(orgId: string, policyId: string, request: NonPaymentCancellationRequest): Promise<Result<NonPaymentCancellation>>;
  /** Every org's insured with this email, normalised (the portal's sign-in asks each org it is known to). */
  insuredsByEmail(email: string): Promise<InsuredIdentity[]>;
  /** Insured `insuredId` of `orgId`, or null. */
  insuredOf(orgId: string, insuredId: string): Promise<InsuredIdentity | null>;
  /** The insured's policies, newest first (at most 50), as of `today` (YYYY-MM-DD, the org's clock). */
  insuredPolicies(orgId: string, insuredId: string, today: string): Promise<Policy[]>;
  /** One policy of the insured; another insured's or org's is `not_found`. */
  insuredPolicy(orgId: string, insuredId: string, policyId: string, today: string): Promise<Result<Policy>>;
  /**
   * A certificate's facts for a policyholder's own policy (`principal` the insured's, the insured the
   * holder) and the policy's version; another insured's policy is `not_found`, one out of force `policy_not_in_force`.
   */
  insuredCertificateFacts(principal: Principal, policyId: string): Promise<Result<InsuredCertificateFacts>>;
  /** The insured `orgId`'s policy is linked to, or null (no such policy, or none linked): the portal notifies them about it. */
  policyInsured(orgId: string, policyId: string): Promise<InsuredIdentity | null>;
  /** The partners worker: a submission's referral code and creation time; `not_found` for another org's or none. */
  submissionReferral(orgId: string, submissionId: string): Promise<Result<SubmissionReferral>>;
  /** The partners worker writes the submission's attribution (null clears it); `not_found` for no such submission. */
  recordAttribution(orgId: string, submissionId: string, attribution: SubmissionAttributionFacts | null): Promise<Result<{ recorded: boolean }>>;
  /** The partners worker: a policy's submission and premium-bearing timeline (cents), for its partner's commission. */
  partnerPolicyFacts(orgId: string, policyId: string): Promise<Result<PartnerPolicyFacts>>;
}

/** What `insuredCertificateFacts` answers: the facts, and the version of the policy (its latest transaction) they reflect. */
export interface InsuredCertificateFacts {
  facts: CertificateFacts;
  version: string;
}

// Underwriting, internal: what the partners worker reads and writes (workers/underwriting/src/partner-facts.service.ts).

/** A submission as attribution needs it: when its 90-day window ends, and the code it came with (upper case). */
export interface SubmissionReferral {
  submissionId: string;
  createdAt: string;
  referralCode: string | null;
  policyId: string | null;
}

/** A submission's attribution: the partner last touched, the code (null for a touch by partner id), and when. */
export interface SubmissionAttributionFacts {
  partnerId: string;
  code: string | null;
  touchedAt: string;
}

/** A policy as its partner's commission follows it: the submission it came from and its timeline, oldest first. */
export interface PartnerPolicyFacts {
  policyId: string;
  policyNumber: string;
  submissionId: string;
  lineOfBusiness: LineOfBusiness;
  transactions: CommissionTransaction[];
}

// Underwriting, internal: what billing's delinquency job asks (workers/underwriting/src/delinquency.service.ts).

/** Dates `YYYY-MM-DD`: when the policy became delinquent, when notice is given, when it is cancelled unless paid. */
export interface PendingCancellationRequest {
  invoiceId: string;
  since: string;
  noticeDate: string;
  cancelOn: string;
}

export interface PendingCancellationAnswer {
  /** False when the policy was already pending cancellation (nothing written, no event). */
  changed: boolean;
  policyNumber: string;
  insuredName: string;
  /** Where the notice goes: the insured's contact on the submission, if it named one. */
  insuredEmail: string | null;
  /** The mark in force. */
  pendingCancellation: { reason: "non_payment"; invoiceId: string; since: string; noticeDate: string; cancelOn: string };
}

export interface NonPaymentCancellationRequest {
  effectiveDate: string;
  /** The unpaid invoice, noted on the cancellation. */
  invoiceId?: string;
  /** The job's clock as an offset from real time (a sandbox run as of another day); absent: real time. */
  clockOffsetMs?: number;
}

export interface NonPaymentCancellation {
  transactionId: string;
  effectiveDate: string;
  /** Major units, as the cancellation's transaction shows it. */
  returnPremium: number;
  /** The day the cancellation was recorded on (the job's clock). */
  asOf: string;
}

// Underwriting, internal: the policyholder the portal signs in.

/** An insured as the portal sees them: who, in which org, and their contact as underwriting holds it. */
export interface InsuredIdentity {
  insuredId: string;
  orgId: string;
  name: string;
  /** Normalised (trimmed, lower case). */
  email: string;
  phone: string | null;
  mailingAddress: MailingAddress | null;
  createdAt: string;
  updatedAt: string;
}

// Underwriting, internal: what the billing worker invoices a policy's money from.

/** One transaction of a policy's timeline as billing needs it. Money is integer cents. */
export interface BillingTransaction {
  transactionId: string;
  /** The policy's own sequence: 1 is the bind, each later transaction n + 1. */
  seq: number;
  type: "new_business" | "endorsement" | "cancellation" | "reinstatement" | "renewal";
  effectiveDate: string;
  /** Change of written premium (negative for a return). */
  premiumDeltaCents: number;
  /** For a reinstatement: the cancellation it reverses; null otherwise. */
  reversesTransactionId: string | null;
  createdAt: string;
}

/**
 * A policy's money as underwriting holds it (`billingFacts`): the installment schedule fixed at bind
 * (premiums summing to the bound premium exactly), the quote's taxes and fees (billed on the first
 * invoice), and the whole timeline in sequence. Money is integer cents, so billing converts nothing.
 */
export interface BillingPolicyFacts {
  policyId: string;
  policyNumber: string;
  insuredName: string;
  installmentPlan: InstallmentPlan;
  effectiveDate: string;
  expirationDate: string;
  writtenPremiumCents: number;
  installments: { number: number; dueDate: string; premiumCents: number; feeCents: number }[];
  taxes: { name: string; amountCents: number }[];
  fees: { name: string; amountCents: number }[];
  /** Oldest first, by `seq`. */
  transactions: BillingTransaction[];
}

/**
 * The internal entrypoint of every worker that records events (its registry entry says `emitsEvents`):
 * the webhooks worker reads the bodies of the ids it was sent. Ids it does not know are absent from
 * the answer. Not org-scoped, which is why no gateway binding ever reaches it.
 */
export interface EventSourceRpc extends Rpc.WorkerEntrypointBranded {
  readEvents(ids: string[]): Promise<EventEnvelope[]>;
}

// Webhooks: public only.

export interface CreateEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
}

/** Absent fields are unchanged. `enabled: true` clears a disabled state and the failure run. */
export interface UpdateEndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export interface DeletedEndpoint {
  id: string;
  deleted: true;
}

export interface ListDeliveriesQuery extends PageQuery {
  status?: WebhookDeliveryStatus;
}

export interface ListEventsQuery extends PageQuery {
  type?: string;
}

/** `WebhooksService`, the gateway's `WEBHOOKS` binding. Every method is confined to `principal.orgId`. */
export interface WebhooksRpc extends Rpc.WorkerEntrypointBranded {
  /** The answer carries the signing secret; it is never shown again. */
  createEndpoint(principal: Principal, input: CreateEndpointInput): Promise<Result<CreatedWebhookEndpoint>>;
  listEndpoints(principal: Principal, query?: PageQuery): Promise<Result<Page<WebhookEndpoint>>>;
  getEndpoint(principal: Principal, id: string): Promise<Result<WebhookEndpoint>>;
  updateEndpoint(principal: Principal, id: string, input: UpdateEndpointInput): Promise<Result<WebhookEndpoint>>;
  deleteEndpoint(principal: Principal, id: string): Promise<Result<DeletedEndpoint>>;
  rotateSecret(principal: Principal, id: string): Promise<Result<RotatedWebhookSecret>>;
  sendTest(principal: Principal, id: string): Promise<Result<WebhookDelivery>>;
  listDeliveries(principal: Principal, endpointId: string, query?: ListDeliveriesQuery): Promise<Result<Page<WebhookDelivery>>>;
  retryDelivery(principal: Principal, endpointId: string, deliveryId: string): Promise<Result<WebhookDelivery>>;
  listEvents(principal: Principal, query?: ListEventsQuery): Promise<Result<Page<EventEnvelope>>>;
  getEvent(principal: Principal, id: string): Promise<Result<EventEnvelope>>;
}

// Deal rooms: public (the gateway) and internal (system messages, for underwriting).

export interface CreateRoomInput {
  /** 1..200 characters. */
  name: string;
  submissionId?: string;
  /** At most 50 entries, each 1..200 characters; duplicates are dropped. */
  participants?: string[];
}

export interface ListRoomsQuery {
  limit?: number;
  cursor?: string;
  sort?: string;
  submissionId?: string;
}

export interface ListMessagesQuery {
  /** 1..100, default 25 (out-of-range values are clamped, as in every list). */
  limit?: number;
  cursor?: string;
}

export interface PostMessageInput {
  /** 1..4000 characters, not only whitespace. */
  body: string;
}

/**
 * `DealRoomsService`, the gateway's `DEAL_ROOMS` binding. Its `fetch` takes only the WebSocket
 * upgrades the gateway has verified (trusted `x-*` headers), which is why nothing else may be bound to it.
 */
export interface DealRoomsRpc extends Rpc.WorkerEntrypointBranded {
  createRoom(principal: Principal, input: CreateRoomInput): Promise<Result<DealRoom>>;
  listRooms(principal: Principal, query?: ListRoomsQuery): Promise<Result<Page<DealRoom>>>;
  getRoom(principal: Principal, id: string): Promise<Result<DealRoom>>;
  listMessages(principal: Principal, id: string, query?: ListMessagesQuery): Promise<Result<Page<DealRoomMessage>>>;
  postMessage(principal: Principal, id: string, input: PostMessageInput): Promise<Result<DealRoomMessage>>;
}

/** `DealRoomsInternal`, bound only to the workers whose registry entry names it (underwriting's referrals). */
export interface DealRoomsInternalRpc extends Rpc.WorkerEntrypointBranded {
  /** A referral's `dealRoomId` must be a room of the principal's org. */
  getRoom(principal: Principal, id: string): Promise<Result<DealRoom>>;
  /** A `system` message in `orgId`'s room; another org's room is `not_found`. */
  postSystemMessage(orgId: string, roomId: string, body: string): Promise<Result<DealRoomMessage>>;
}

/** Whether an API key may still act, as a long-lived connection opened with it must re-check. */
export interface ApiKeyStatus {
  /** False once the key is revoked, expired (its rotation grace included) or gone. */
  active: boolean;
  /** When it stops working (ISO 8601), or null for never; null too when inactive. */
  expiresAt: string | null;
}

/**
 * `IdentityInternal`, bound only to the workers whose registry entry names it: deal-rooms, whose
 * sockets outlive the request that authenticated them and must close when their key is revoked, and
 * underwriting, which names the org on the policy paper it issues.
 */
export interface IdentityInternalRpc extends Rpc.WorkerEntrypointBranded {
  /** The key `keyId` of `orgId` (another org's key answers inactive). */
  apiKeyStatus(orgId: string, keyId: string): Promise<ApiKeyStatus>;
  /** `orgId`'s display name, or null when there is no such org: underwriting prints it as the producer on policy paper. */
  orgName(orgId: string): Promise<string | null>;
  /** User `userId` of `orgId` with their role, or null when there is no such user in that org (claims checks an adjuster's role). */
  member(orgId: string, userId: string): Promise<OrgMember | null>;
  /**
   * Queue an email for `orgId` in the platform's outbox (the sandbox email log shows it). Any worker
   * the registry binds may use it: billing's notice of pending cancellation, the portal's mail.
   * `validation_failed` naming the field for a bad address, subject, body or kind; `not_found` for no such org.
   */
  queueEmail(request: QueueEmailRequest): Promise<Result<QueuedEmail>>;
  /** The org with this slug, or null. */
  orgBySlug(slug: string): Promise<{ id: string; slug: string; name: string } | null>;
  /** The org's slug and name, or null for no such org. */
  orgSummary(orgId: string): Promise<{ id: string; slug: string; name: string } | null>;
  /** `orgId`'s sandbox clock offset in ms (0 outside development): the producers cron judges license expiry on it. */
  clockOffsetOf(orgId: string): Promise<number>;

  // The team (the workspace worker's routes): identity keeps the users, roles, sessions and keys.
  /** The org's users as members, by cursor pages. */
  listMembers(orgId: string, query?: PageQuery & { createdAfter?: string; createdBefore?: string }): Promise<Result<Page<Member>>>;
  /** How many users the org has: its seats used. */
  memberCount(orgId: string): Promise<number>;
  /** Whether an address is a member of `orgId`, a user of another org, or free. */
  emailStatus(orgId: string, email: string): Promise<"member" | "other_org" | "free">;
  /** A member's role; the last `org_admin` is never demoted (`business_rule_violation`). */
  setMemberRole(orgId: string, userId: string, role: Role): Promise<Result<Member>>;
  /** Removes a member with their sessions, revoking the API keys they created; the last `org_admin` stays. */
  removeMember(orgId: string, userId: string): Promise<Result<RemovedMember>>;
  /** The verified account an accepted invitation creates, within `seatLimit` (`feature_limit_reached` past it). */
  createMember(orgId: string, input: NewMemberInput): Promise<Result<Member>>;
}

/** A user of an org as the team routes show them (the contract's `Member`). */
export type Member = import("#contract/types.gen").Member;

/** What an accepted invitation creates. */
export interface NewMemberInput {
  email: string;
  role: Role;
  name?: string;
  password?: string;
  /** The plan's seats; null: no limit. */
  seatLimit: number | null;
}

/** A removed member, and the hashes of the API keys their removal revoked (the gateway forgets them). */
export interface RemovedMember {
  member: Member;
  revokedKeyHashes: string[];
}

export interface QueueEmailRequest {
  orgId: string;
  to: string;
  /** At most 200 characters. */
  subject: string;
  /** Plain text, at most 20,000 characters. */
  body: string;
  /** What triggered it, snake_case (e.g. `pending_cancellation_notice`). */
  kind: string;
  /** The template it was rendered from: a platform template's name (#shared/email-templates) or the org's own. */
  template?: string;
  /** Who sent it through the email connector (the principal's actor id); absent for the platform's own. */
  sentBy?: string;
  /**
   * The body the provider delivers when it differs from `body`: the full text whose secrets (a code,
   * a token) the stored copy redacts in production. Carried on the email queue only, never stored.
   */
  deliveryBody?: string;
}

export interface QueuedEmail {
  id: string;
  to: string;
  kind: string;
  createdAt: string;
}

/** A user of an org as a sibling worker may see them. */
export interface OrgMember {
  id: string;
  orgId: string;
  name: string;
  email: string;
  role: Role;
}

// Documents: public only (the gateway now; claims and billing will store through it too).

/** A stored file's metadata, as `GET /v1/documents/:id` shows it without its link. */
export type DocumentRecord = Omit<DocumentWithDownload, "downloadUrl" | "downloadUrlExpiresAt">;

export interface StoreDocumentInput {
  kind: DocumentKind;
  /** 1..255 characters, no control characters or path separators. */
  filename: string;
  /** The sender's claim; the stored type is the one detected from the bytes, whatever this says. */
  contentType?: string;
  /** Streamed into R2 as it is read; 1 byte to 25 MiB. */
  body: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array;
  policyId?: string;
  submissionId?: string;
  claimId?: string;
  invoiceId?: string;
  /** What a `rendered` document was made from: its template's name, or `html`. */
  template?: string;
}

/**
 * A PDF to render (`POST /v1/documents/render-pdf`): a named template with its data, or HTML of
 * the documented subset. `title` and `filename` are optional in both.
 */
export type RenderDocumentInput = ({ template: RenderTemplateName; data: unknown; html?: never } | { html: string; template?: never; data?: never }) & {
  title?: string;
  filename?: string;
};
/** A client's file to ingest: stored as an `upload` once read, typed and classified. */
export interface IngestDocumentInput {
  /** 1..255 characters, no control characters or path separators. */
  filename: string;
  /** Read to the end (at most 25 MiB: past it the rest is not read) before anything is stored. */
  body: ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array;
  /** Checked by the gateway to be the org's (ids only cross the boundary). */
  policyId?: string;
  submissionId?: string;
  claimId?: string;
}

/** An ingested document: its record (with its classification) and what its text said. */
export type IngestedDocumentRecord = Omit<IngestedDocument, "downloadUrl" | "downloadUrlExpiresAt">;

/** An ingested ACORD 125's bytes, handed to underwriting's intake through the gateway. */
export interface AcordSource {
  document: DocumentRecord;
  bytes: Uint8Array;
}

export interface ListDocumentsQuery extends PageQuery {
  kind?: DocumentKind;
  policyId?: string;
}

/** One `Range: bytes=…` as a client sent it: `first-last`, `first-` or `-suffix`. */
export type ByteRangeRequest = { first: number; last?: number } | { suffix: number };

/** A document's bytes for a download: the whole object or one satisfiable range. */
export interface DocumentDownload {
  document: DocumentRecord;
  /** The bytes sent (`null` only when `unsatisfiable`). */
  body: ReadableStream<Uint8Array> | null;
  /** The range sent, inclusive; null when the whole document is. */
  range: { first: number; last: number } | null;
  /** The requested range lies wholly past the end: answer 416 naming the size. */
  unsatisfiable: boolean;
}

/** What the documents worker needs to issue a certificate: underwriting's facts, the producer (the org) and the request's holder and text. */
export interface GenerateCertificateInput {
  facts: CertificateFacts;
  /** The org issuing it, as identity knows it. */
  producer: { name: string; orgId: string; slug: string | null };
  holder: CertificateHolder;
  descriptionOfOperations?: string;
}

/** A certificate as issued, with its document's metadata (the gateway adds the signed link). */
export type CertificateRecord = Omit<Certificate, "document"> & { document: DocumentRecord };

/** `DocumentsService`, the gateway's `DOCUMENTS` binding. Every method is confined to one org. */
export interface DocumentsRpc extends Rpc.WorkerEntrypointBranded {
  /**
   * A new document (never an overwrite) from `input.body`, its type detected from its bytes:
   * empty is `validation_failed`, over 25 MiB `payload_too_large` (the rest is never read), a type
   * outside the accepted ones `unsupported_media_type`.
   */
  storeDocument(principal: Principal, input: StoreDocumentInput): Promise<Result<DocumentRecord>>;
  getDocument(principal: Principal, id: string): Promise<Result<DocumentRecord>>;
  listDocuments(principal: Principal, query?: ListDocumentsQuery): Promise<Result<Page<DocumentRecord>>>;
  /**
   * The bytes of `orgId`'s document `id` (another org's is `not_found`). The gateway calls it only
   * with the org of a download token it has verified, which is why no principal travels.
   */
  openDownload(orgId: string, id: string, range?: ByteRangeRequest): Promise<Result<DocumentDownload>>;
  /**
   * Renders a PDF (at most 50 pages) and stores it as a `rendered` document. Template data failing
   * the template's schema, HTML outside the subset and a PDF past the page limit are all
   * `validation_failed` naming the field and the rule.
   */
  renderDocument(principal: Principal, input: RenderDocumentInput): Promise<Result<DocumentRecord>>;
  /**
   * Reads `input.body` (over 25 MiB `payload_too_large`, the rest unread), refuses an empty file
   * (`validation_failed`), a type other than a PDF or an image (`unsupported_media_type`) and a PDF
   * that cannot be parsed (`unreadable_document`), all before storing anything; then classifies it
   * and stores it as an `upload` with its classification.
   */
  ingestDocument(principal: Principal, input: IngestDocumentInput): Promise<Result<IngestedDocumentRecord>>;
  /** The bytes of an ingested ACORD 125 of `principal`'s org; another kind is `business_rule_violation`. */
  readAcordSource(principal: Principal, id: string): Promise<Result<AcordSource>>;
  /**
   * Render and store a certificate of insurance numbered `COI-{year}-{6 digits}` (gap-free per org
   * and year), with its `document.generated` event in the same batch. Trusts `facts` to be
   * underwriting's answer for this org; the gateway passes them straight through.
   */
  generateCertificate(principal: Principal, input: GenerateCertificateInput): Promise<Result<CertificateRecord>>;
}

// Documents, internal: policy paper issued on behalf of underwriting (bind and endorsement).

/** Money in policy paper is USD major units, as in the API (the issuer converts from cents once). */
export interface PolicyPaperParty {
  name: string;
  /** Printed as given, one line each. */
  addressLines?: string[];
}

/** What a declarations page lays out: the policy as of one transaction (bind, renewal or endorsement). */
export interface DeclarationsData {
  policyNumber: string;
  insured: PolicyPaperParty & { email?: string | null };
  /** The policy period, `YYYY-MM-DD`; printed from and to 12:01 a.m. standard time at the insured's address. */
  effectiveDate: string;
  expirationDate: string;
  lineOfBusiness: LineOfBusiness;
  /** The risk's state (where the insured's address is, when no mailing address is on file). */
  state: string;
  insurer: PolicyPaperParty & { naicNumber?: string | null };
  producer: PolicyPaperParty;
  limit: number;
  deductible: number | null;
  /** How the line is rated: revenue (GL), property values (PROP), vehicles (CA). */
  ratingBasis: { basis: "revenue" | "property_values" | "vehicles"; amount: number };
  /** Written premium for the term as of this transaction. */
  premium: number;
  annualPremium: number;
  taxes: { name: string; amount: number }[];
  fees: { name: string; amount: number }[];
  installmentPlan: InstallmentPlan;
  installments: { number: number; dueDate: string; premium: number; fee: number }[];
  /** Premium + taxes + fees + every installment fee. */
  total: number;
  /** The forms in force: this page, the coverage form, and the MCS-90 for commercial auto. */
  forms: { code: string; title: string }[];
  /** Every endorsement in force as of this transaction, oldest first. */
  endorsements: { number: number; effectiveDate: string; description: string }[];
  /** The transaction this issue reflects: `new_business`/`renewal` at bind, or the endorsement and its number. */
  reflects: { transactionType: "new_business" | "renewal" | "endorsement"; transactionId: string; effectiveDate: string; endorsementNumber: number | null };
  /** When the page was issued (ISO 8601); printed as the issue date. */
  issuedAt: string;
}

/** What an MCS-90 endorsement lays out. */
export interface Mcs90Data {
  policyNumber: string;
  insured: PolicyPaperParty;
  insurer: PolicyPaperParty & { naicNumber?: string | null };
  /** The endorsement's effective date, `YYYY-MM-DD`. */
  effectiveDate: string;
  /** The financial-responsibility limit: $750,000 federal minimum, $5,000,000 for hazardous materials. */
  limit: number;
  hazmat: boolean;
  /** The transaction this issue reflects (bind, renewal or an endorsement). */
  reflects: DeclarationsData["reflects"];
  issuedAt: string;
}

/** One piece of policy paper to issue: its kind and the data its template takes. */
export type PolicyDocumentRequest =
  | { kind: "declarations"; sourceKey: string; policyId: string; filename: string; data: DeclarationsData }
  | { kind: "mcs90"; sourceKey: string; policyId: string; filename: string; data: Mcs90Data };

/**
 * `DocumentsInternal`, bound only to the workers whose registry entry names it (underwriting, which
 * issues the paper of bind and endorsement). Not org-scoped by a principal: the caller names the org.
 */
export interface DocumentsInternalRpc extends Rpc.WorkerEntrypointBranded {
  /**
   * Renders and stores `request` as a new document of `orgId`, once per `sourceKey`: a second call
   * with the same key (a retry after a lost answer, a sweep racing a prompt issue) answers the
   * document the first one stored and renders nothing. Bad data is `validation_failed`.
   */
  issuePolicyDocument(orgId: string, request: PolicyDocumentRequest): Promise<Result<DocumentRecord>>;
  /**
   * Renders `request.data` with the `invoice` template and stores it as a document of kind `invoice`
   * (its `invoiceId` and `policyId` set), once per `sourceKey` like `issuePolicyDocument`. Billing
   * issues each invoice's PDF through it.
   */
  issueInvoiceDocument(orgId: string, request: InvoiceDocumentRequest): Promise<Result<DocumentRecord>>;
  /**
   * A certificate of insurance (as `DocumentsRpc.generateCertificate`) issued once per
   * `request.sourceKey` of `orgId`: a repeat, or a concurrent first call that lost, answers the one
   * stored (`created: false`) and numbers nothing. The portal issues a policyholder's own certificate through it.
   */
  issueCertificateOnce(orgId: string, request: CertificateOnceRequest): Promise<Result<{ certificate: CertificateRecord; created: boolean }>>;
}

/** A certificate to issue once per key: the portal's `portal-coi:{insuredId}:{policyId}:{version}:{holder hash}`. */
export interface CertificateOnceRequest {
  sourceKey: string;
  /** Who asked (the insured's `ins_` id): recorded as the certificate's and the document's creator. */
  issuedBy: string;
  certificate: GenerateCertificateInput;
}

/** One line of an invoice PDF, in USD major units. */
export interface InvoiceDocumentLine {
  description: string;
  amount: number;
}

/** The invoice template's data (workers/documents/src/templates/invoice.ts), as billing sends it. */
export interface InvoiceDocumentData {
  invoiceNumber: string;
  policyNumber: string;
  issueDate: string;
  dueDate: string;
  status: "open" | "paid" | "void" | "uncollectible";
  overdue?: boolean;
  billTo: { name: string; address?: string[] };
  issuer?: { name: string; address?: string[] };
  installment?: { number: number; of: number };
  lines: InvoiceDocumentLine[];
  credits?: InvoiceDocumentLine[];
  amountPaid?: number;
  amountRefunded?: number;
  paymentInstructions?: string[];
  notes?: string;
}

export interface InvoiceDocumentRequest {
  /** Billing's key for the PDF (`invoice:{invoiceId}`): a repeat answers the first document. */
  sourceKey: string;
  invoiceId: string;
  policyId: string;
  filename: string;
  data: InvoiceDocumentData;
}

// Claims: public (the gateway) and internal (event reading, and the loss figures analytics reads).

export type ListClaimsQuery = NonNullable<ListClaimsData["query"]>;

/**
 * A claim with its history as it crosses RPC: the contract's `ClaimDetail`, its activity entries'
 * `details` typed as the JSON they are (Workers RPC typings erase a type holding `unknown`).
 */
export type ClaimDetailRecord = Omit<ClaimDetail, "activity"> & { activity: (Omit<ClaimActivity, "details"> & { details: { [key: string]: ErrorDetailValue } })[] };

/** A claim attachment as the claims worker records it (the gateway adds the signed link). */
export interface ClaimAttachmentRecord {
  id: string;
  claimId: string;
  documentId: string;
  filename: string;
  size: number;
  contentType: string;
  sha256: string;
  uploadedBy: string;
  createdAt: string;
}

/**
 * An org's claims as of the end of one day, from the timestamps of their reserve transactions and
 * payments (so a figure as of a past date is what it was then): the `claims` block of portfolio
 * analytics, plus `asOf`.
 */
export interface LossSummary extends PortfolioClaims {
  asOf: string;
}

/** `ClaimsService`, the gateway's `CLAIMS` binding. Every method is confined to `principal.orgId`. */
export interface ClaimsRpc extends Rpc.WorkerEntrypointBranded {
  /** FNOL: `loss_outside_coverage` when the policy did not cover `lossDate`, `conflict` for an open duplicate. */
  createClaim(principal: Principal, input: CreateClaimRequest): Promise<Result<Claim>>;
  listClaims(principal: Principal, query?: ListClaimsQuery): Promise<Result<Page<Claim>>>;
  /** The claim with its reserves, payments, settlements and activity: one batch of reads however long its history. */
  getClaim(principal: Principal, id: string): Promise<Result<ClaimDetailRecord>>;
  investigateClaim(principal: Principal, id: string, input?: InvestigateClaimRequest): Promise<Result<Claim>>;
  /** `insufficient_scope` (naming `claims:approve`) when the change takes total incurred above 100,000.00 without it. */
  setReserves(principal: Principal, id: string, input: SetReservesRequest): Promise<Result<ReserveChangeResult>>;
  /** `limit_exceeded` past the policy's limit; `insufficient_scope` as for reserves. */
  createPayment(principal: Principal, id: string, input: CreateClaimPaymentRequest): Promise<Result<ClaimPaymentResult>>;
  settleClaim(principal: Principal, id: string, input: SettleClaimRequest): Promise<Result<SettlementResult>>;
  acceptSettlement(principal: Principal, id: string, settlementId: string): Promise<Result<SettlementResult>>;
  denyClaim(principal: Principal, id: string, input: DenyClaimRequest): Promise<Result<Claim>>;
  closeClaim(principal: Principal, id: string, input?: CloseClaimRequest): Promise<Result<Claim>>;
  reopenClaim(principal: Principal, id: string, input?: ReopenClaimRequest): Promise<Result<Claim>>;
  /**
   * Records a document the gateway stored (kind `claim_attachment`, this claim's id) as the claim's
   * attachment, with an activity entry. The gateway checks the claim with `getClaim` first.
   */
  recordAttachment(principal: Principal, id: string, document: DocumentRecord): Promise<Result<ClaimAttachmentRecord>>;
  listAttachments(principal: Principal, id: string, query?: PageQuery): Promise<Result<Page<ClaimAttachmentRecord>>>;
  /** The org's loss figures as of `asOf` (`YYYY-MM-DD`), for portfolio analytics' loss ratio. */
  lossSummary(principal: Principal, asOf: string): Promise<Result<LossSummary>>;
}

/** `ClaimsInternal`, bound to the events consumer only (readEvents). */
export interface ClaimsInternalRpc extends EventSourceRpc {
  /** How many claims on these policies of `orgId` (at most 50) are open, investigating or in settlement. */
  openClaimCount(orgId: string, policyIds: string[]): Promise<number>;
}

// Billing: public (the gateway) and internal (event reading, for the webhooks worker).

/** An invoice as the API shows it. */
export type BillingInvoice = Invoice;
export type ListInvoicesQuery = NonNullable<ListInvoicesData["query"]>;
export type PayInvoiceInput = PayInvoiceRequest;
export type RefundInvoiceInput = RefundInvoiceRequest;
export type { InvoicePaymentIntent };
/** `paymentMethod?` of `createPaymentIntent` and `retryPayment`. */
export type PaymentIntentInput = CreatePaymentIntentRequest;

/** What `/webhooks/stripe` answers Stripe for a verified event. */
export interface StripeWebhookAck {
  received: true;
  eventId: string;
  /** The event had been received before: nothing was done again. */
  duplicate: boolean;
  /** What it did: `applied`, `stale` (older than what was applied, or after a final state), `already_recorded`, `unknown_payment_intent`, `ignored`. */
  outcome: string;
}

/** `BillingService`, the gateway's `BILLING` binding. Every method is confined to `principal.orgId`. */
export interface BillingRpc extends Rpc.WorkerEntrypointBranded {
  listInvoices(principal: Principal, query?: ListInvoicesQuery): Promise<Result<Page<BillingInvoice>>>;
  getInvoice(principal: Principal, id: string): Promise<Result<BillingInvoice>>;
  /** Partial allowed; more than the amount due (as the batch commits) is `business_rule_violation`. */
  payInvoice(principal: Principal, id: string, input: PayInvoiceInput): Promise<Result<BillingInvoice>>;
  /** Only an open invoice with nothing paid; its premium is re-issued on a new invoice. */
  voidInvoice(principal: Principal, id: string): Promise<Result<BillingInvoice>>;
  /** Never more than paid less refunded. */
  refundInvoice(principal: Principal, id: string, input: RefundInvoiceInput): Promise<Result<BillingInvoice>>;
  /** The invoice's Stripe PaymentIntent for its amount due; `payment_provider_unavailable` (nothing written) when Stripe does not answer. */
  createPaymentIntent(principal: Principal, id: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>>;
  /** Confirm the invoice's failed PaymentIntent again; `invalid_state_transition` when nothing failed. */
  retryPayment(principal: Principal, id: string, input?: PaymentIntentInput): Promise<Result<InvoicePaymentIntent>>;
  /**
   * A Stripe event as the gateway received it: the raw body and its `Stripe-Signature`. Not
   * org-scoped: the signature is the credential (`validation_failed` when it does not verify).
   */
  receiveStripeEvent(payload: string, signature: string | null): Promise<Result<StripeWebhookAck>>;
  /** The org's billing settings (`graceDays`), defaults when never set. */
  getBillingSettings(principal: Principal): Promise<Result<BillingSettingsView>>;
  /** `validation_failed` naming `graceDays` outside 1..90. */
  updateBillingSettings(principal: Principal, input: UpdateBillingSettingsInput): Promise<Result<BillingSettingsView>>;
  /** The sandbox's run of the delinquency job for the principal's org, as of `asOf` (default its clock's today); `not_found` outside development. */
  runDelinquency(principal: Principal, input: RunDelinquencyInput): Promise<Result<DelinquencyRunView>>;
}

export type BillingSettingsView = BillingSettings;
export type UpdateBillingSettingsInput = UpdateBillingSettingsRequest;
export type RunDelinquencyInput = RunDelinquencyRequest;
export type DelinquencyRunView = DelinquencyRun;

/** `BillingInternal`: the bodies of billing's events, for the webhooks consumer. */
export interface BillingInternalRpc extends EventSourceRpc {
  /** Every invoice of these policies of `orgId` (at most 50 policies), by due date, as of the org's `today`: the portal's insured's. */
  invoicesOfPolicies(orgId: string, policyIds: string[], today: string): Promise<BillingInvoice[]>;
  /** The orgs with at least one open invoice (at most 1,000): the portal's "payment due" pass visits each on its own clock. */
  orgsWithOpenInvoices(): Promise<string[]>;
  /** `orgId`'s open invoices due from `from` to `to` inclusive (YYYY-MM-DD, at most 500), by due date, as of `today`. */
  openInvoicesDueBetween(orgId: string, from: string, to: string, today: string): Promise<BillingInvoice[]>;
}
// Producers: public (the gateway) and internal (underwriting's distribution-authority check at bind).


export type ListProducersQuery = NonNullable<ListProducersData["query"]>;

/** `ProducersService`: producers and their appointments, confined to `principal.orgId`. */
export interface ProducersRpc extends Rpc.WorkerEntrypointBranded {
  /** `conflict` (with `details.existingProducerId`) for an NPN another producer of the org holds. */
  createProducer(principal: Principal, input: CreateProducerRequest): Promise<Result<Producer>>;
  listProducers(principal: Principal, query?: ListProducersQuery): Promise<Result<Page<Producer>>>;
  getProducer(principal: Principal, id: string): Promise<Result<Producer>>;
  /** `invalid_state_transition` for any change to a terminated producer; `conflict` for a taken NPN. */
  updateProducer(principal: Principal, id: string, input: UpdateProducerRequest): Promise<Result<Producer>>;
  listAppointments(principal: Principal, producerId: string, query?: PageQuery): Promise<Result<Page<Appointment>>>;
  /** Starts `pending`; `invalid_state_transition` for a terminated producer. */
  createAppointment(principal: Principal, producerId: string, input: CreateAppointmentRequest): Promise<Result<Appointment>>;
  /** `pending → active → terminated` (or `pending → terminated`); anything else is `invalid_state_transition`. */
  updateAppointment(principal: Principal, producerId: string, id: string, input: UpdateAppointmentRequest): Promise<Result<Appointment>>;
  /** A producer's commission rows, newest first; a `producer` user's own only (another's is `not_found`). */
  listProducerCommissions(principal: Principal, producerId: string, query?: ListProducerCommissionsQuery): Promise<Result<Page<Commission>>>;
  /** The org's written premium and commission per group over whole months, from the summary rows. */
  commissionsSummary(principal: Principal, query?: CommissionsSummaryQuery): Promise<Result<CommissionsSummary>>;
  /** The producer record a `producer` user sells as (null when none is linked): their book, for every list they read. */
  producerOfUser(principal: Principal): Promise<string | null>;
}

export type ListProducerCommissionsQuery = NonNullable<ListProducerCommissionsData["query"]>;
export type CommissionsSummaryQuery = NonNullable<GetCommissionsSummaryData["query"]>;

/** One premium-bearing transaction of a policy, as underwriting hands it to the producers worker. */
export interface CommissionTransaction {
  transactionId: string;
  seq: number;
  type: "new_business" | "endorsement" | "cancellation" | "reinstatement" | "renewal";
  effectiveDate: string;
  premiumDeltaCents: number;
  /** When it was written (ISO 8601, on its org's clock): its day is the commission's `bookedOn`. */
  createdAt: string;
}

/** A policy sold by a producer and its premium-bearing transactions, for `recordCommissions`. */
export interface CommissionFacts {
  policyId: string;
  policyNumber: string;
  producerId: string;
  lineOfBusiness: LineOfBusiness;
  /** The policy renews another: its term earns the renewal rate. */
  renewal: boolean;
  /** Every premium-bearing transaction of the policy, in sequence (those already recorded are skipped). */
  transactions: CommissionTransaction[];
}

/** What a bind asks of a producer: the risk's state and line, and the policy's effective date. */
export interface AuthorityRequest {
  state: UsState;
  lineOfBusiness: LineOfBusiness;
  /** `YYYY-MM-DD`: every check is judged on this day. */
  effectiveDate: string;
}

/** One of the four checks of distribution authority, and whether it held. */
export interface AuthorityCheck {
  check: "status" | "license" | "expiry" | "appointment";
  passed: boolean;
  message: string;
}

/** A producer's distribution authority for one state, line and day: authorized only when every check passed. */
export interface ProducerAuthority {
  producerId: string;
  producerName: string;
  state: UsState;
  lineOfBusiness: LineOfBusiness;
  effectiveDate: string;
  authorized: boolean;
  checks: AuthorityCheck[];
}

/** `ProducersInternal`, bound to underwriting only: trusts the caller's `orgId`. */
export interface ProducersInternalRpc extends Rpc.WorkerEntrypointBranded {
  /** `not_found` when the org has no such producer. */
  authorityFor(orgId: string, producerId: string, request: AuthorityRequest): Promise<Result<ProducerAuthority>>;
  /**
   * Record the commission of each transaction of `facts` not recorded yet (one row per transaction
   * id, with the summary rows in the same batch), so a repeated or concurrent hand-over writes
   * nothing twice. `not_found` when the org has no such producer.
   */
  recordCommissions(orgId: string, facts: CommissionFacts): Promise<Result<{ recorded: number }>>;
  /** The bodies of this worker's events (`producer.license_expiring`), for the webhooks consumer. */
  readEvents(ids: string[]): Promise<EventEnvelope[]>;
}

// Flags (issue 14), kept by the producers worker: these declarations merge with ProducersRpc and
// ProducersInternalRpc above, so the flag methods stay apart from the producers' own.

/** A catalogue flag evaluated for an org: what `GET /v1/flags` answers and what every worker reads. */
export interface EvaluatedFlag {
  key: FlagKey;
  type: FlagType;
  value: FlagValue;
  defaultValue: FlagValue;
  source: "default" | "org";
  reason: string;
  description: string;
  overrideId: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** `ProducersService`'s flag methods, for the gateway: confined to `principal.orgId`. */
export interface ProducersRpc {
  /** Every catalogue flag evaluated for the org (also what the gateway reads a flag through, `#shared/flags`). */
  listFlags(principal: Principal): Promise<Result<{ data: EvaluatedFlag[] }>>;
  /** `not_found` for a key outside the catalogue. */
  getFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>>;
  /** `insufficient_scope` without `flags:write`; `not_found` for an unknown key; `validation_failed` naming `value` for a value of the wrong type. */
  setFlag(principal: Principal, key: string, value: unknown): Promise<Result<EvaluatedFlag>>;
  /** Reverts to the default; answers the flag so evaluated. `insufficient_scope` without `flags:write`; `not_found` for an unknown key. */
  deleteFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>>;
}

/** `ProducersInternal`'s flag method, for every worker bound to it: trusts the caller's `orgId`. */
export interface ProducersInternalRpc {
  /** Every catalogue flag evaluated for the org (read through `#shared/flags`). */
  flags(orgId: string): Promise<Result<EvaluatedFlag[]>>;
}

// The gateway's bindings.

/**
 * Each domain worker's public entrypoint, by registry name (workers/registry.ts). The gateway is
 * bound to every one of them (the registry generates the bindings), and `GatewayEnv` types them
 * from this map, so a new domain worker is typed at the gateway by its line here.
 */
// Portal: public only (the gateway). Sign-in is public; every other method takes an insured
// principal (`kind: "insured"`, `actorId` its `ins_` id) and reads only that insured's data.

/** The insured's certificate as the portal answers it (the gateway adds the signed link). */
export interface PortalCertificateRecord {
  documentId: string;
  certificateId: string;
  certificateNumber: string;
  policyId: string;
  policyNumber: string;
  policyVersion: string;
  created: boolean;
}

export interface PortalRpc extends Rpc.WorkerEntrypointBranded {
  /** Send a sign-in code to each org's insured with this email (or the one of `orgSlug`); the same answer whether or not any exists. */
  requestCode(input: PolicyholderCodeRequest): Promise<Result<PolicyholderCodeRequested>>;
  /** A policyholder JWT for a live code sent to this email; `unauthorized` for every failure. */
  issueToken(input: PolicyholderTokenRequest): Promise<Result<PolicyholderToken>>;
  getHome(principal: Principal): Promise<Result<PortalHome>>;
  listInvoices(principal: Principal): Promise<Result<PortalInvoices>>;
  getInvoice(principal: Principal, id: string): Promise<Result<Invoice>>;
  listPolicies(principal: Principal): Promise<Result<PortalPolicies>>;
  getPolicy(principal: Principal, id: string): Promise<Result<Policy>>;
  listDocuments(principal: Principal): Promise<Result<PortalDocuments>>;
  /** `{documentId}` when it is a document of one of the insured's policies (the gateway signs its link); else `not_found`. */
  documentForDownload(principal: Principal, documentId: string): Promise<Result<{ documentId: string }>>;
  /** The current MCS-90 of one of the insured's policies; `not_found` for a policy with none. */
  mcs90ForDownload(principal: Principal, policyId: string): Promise<Result<{ documentId: string }>>;
  /** The insured's own certificate of one of their policies (issued once per policy version); `not_found` for anyone else's policy. */
  coiForDownload(principal: Principal, policyId: string): Promise<Result<PortalCertificateRecord>>;
  /** The PDF of one of the insured's invoices; `not_found` for anyone else's, and (with `details.reason: "pdf_pending"`) before it is issued. */
  invoiceForDownload(principal: Principal, invoiceId: string): Promise<Result<{ documentId: string }>>;
  getProfile(principal: Principal): Promise<Result<PortalProfile>>;
  updateProfile(principal: Principal, input: UpdatePortalProfileRequest): Promise<Result<PortalProfile>>;
  /** Register a device's push token for the insured (deduplicated; at most 10, the least recently seen dropped). */
  registerPushToken(principal: Principal, input: RegisterPushTokenRequest): Promise<Result<PushTokenRegistration>>;
  /** The sandbox push log, newest first; `not_found` outside development (the gateway lets only the API secret ask). */
  listSandboxPush(query?: SandboxPushQuery): Promise<Result<Page<SandboxPush>>>;
}

export interface SandboxPushQuery extends PageQuery {
  /** Only pushes to this insured's devices. */
  insuredId?: string;
}

// Market: public only (the gateway). The market finder (carriers, products, appetites, matching and
// classification), clients and the rule studio, each confined to the principal's org; reference
// carriers are seen by every org, an org's own by it alone.
import type {
  Appetite as MarketAppetite,
  Carrier,
  CarrierMatchResult,
  CarrierProduct,
  CarrierSearchResult,
  ClassifyRequest,
  ClassifyResult,
  CreateAppetiteRequest,
  CreateCarrierRequest,
  JurisdictionsRequest,
  JurisdictionsResult,
  ListAppetitesData,
  ListCarrierProductsData,
  ListCarriersData,
  MarketProfile,
  ProductLinesRequest,
  ProductLinesResult,
  SimilarBusinessesRequest,
  SimilarBusinessesResult,
  Client,
  ClientDuplicateCheck,
  CreateClientRequest,
  TermsStatus,
  UpdateClientRequest,
  ListClientsData,
  SearchClientsData,
  CheckClientDuplicateData,
} from "#contract/types.gen";
import type { ScanWebsiteRequest, ScanWebsiteResult } from "#contract/types.gen";
import type { ClientSubmissionRequest, CreateSubmissionRequest as ClientSubmissionBody } from "#contract/types.gen";

/** What a submission came to: the bound policy's premium (`policy`), else its current quote's (`quote`); USD major units. */
export interface SubmissionPremium {
  premium: number;
  source: "quote" | "policy";
}

/** One of the org's submissions, as the gateway hands it to the market worker for `similar-businesses`. */
export interface SimilarSubmissionFacts {
  id: string;
  insuredName: string;
  naicsCode: string;
  state: UsState;
  lineOfBusiness: LineOfBusiness;
  annualRevenue: number;
  status: string;
  policyId: string | null;
  createdAt: string;
  /** What it came to, when it was quoted or bound (underwriting's `submissionPremiums`). */
  premium?: SubmissionPremium | null;
}

export interface MarketRpc extends Rpc.WorkerEntrypointBranded {
  listCarriers(principal: Principal, query?: NonNullable<ListCarriersData["query"]>): Promise<Result<Page<Carrier>>>;
  getCarrier(principal: Principal, id: string): Promise<Result<Carrier & { products: CarrierProduct[] }>>;
  createCarrier(principal: Principal, input: CreateCarrierRequest): Promise<Result<Carrier>>;
  listProducts(principal: Principal, query?: NonNullable<ListCarrierProductsData["query"]>): Promise<Result<Page<CarrierProduct>>>;
  listAppetites(principal: Principal, query?: NonNullable<ListAppetitesData["query"]>): Promise<Result<Page<MarketAppetite>>>;
  createAppetite(principal: Principal, input: CreateAppetiteRequest): Promise<Result<MarketAppetite>>;
  /** The eligible carriers of a risk, ranked; a NAICS code not on the official list is `validation_failed`. */
  search(principal: Principal, input: MarketProfile): Promise<Result<CarrierSearchResult>>;
  /** Every carrier scored 0–100 with each criterion, or excluded with its reasons; deterministic. */
  matchDetailed(principal: Principal, input: MarketProfile): Promise<Result<CarrierMatchResult>>;
  jurisdictions(principal: Principal, input: JurisdictionsRequest): Promise<Result<JurisdictionsResult>>;
  productLines(principal: Principal, input: ProductLinesRequest): Promise<Result<ProductLinesResult>>;
  /** The submissions nearest a profile among those the gateway read from underwriting. */
  similarBusinesses(principal: Principal, input: SimilarBusinessesRequest, submissions: SimilarSubmissionFacts[]): Promise<Result<SimilarBusinessesResult>>;
  /** The top five NAICS codes of a description (public: no principal). */
  classify(input: ClassifyRequest): Promise<Result<ClassifyResult>>;
  /** True for a six-digit code of the official 2017 NAICS list. */
  isNaicsCode(code: string): Promise<boolean>;
  /** Read a public website (the webhook SSRF rules, 5 s, 1 MiB) and classify its text. */
  scanWebsite(principal: Principal, input: ScanWebsiteRequest): Promise<Result<ScanWebsiteResult>>;

  // Clients: the org's prospects, and the terms the principal accepted.
  createClient(principal: Principal, input: CreateClientRequest): Promise<Result<Client>>;
  listClients(principal: Principal, query?: NonNullable<ListClientsData["query"]>): Promise<Result<Page<Client>>>;
  searchClients(principal: Principal, query?: NonNullable<SearchClientsData["query"]>): Promise<Result<Page<Client>>>;
  getClient(principal: Principal, id: string): Promise<Result<Client>>;
  updateClient(principal: Principal, id: string, input: UpdateClientRequest): Promise<Result<Client>>;
  checkClientDuplicate(principal: Principal, query?: NonNullable<CheckClientDuplicateData["query"]>): Promise<Result<ClientDuplicateCheck>>;
  acceptTerms(principal: Principal, input: { version: string }): Promise<Result<TermsStatus>>;
  termsStatus(principal: Principal): Promise<Result<TermsStatus>>;
  /** Hold a client for one conversion (409 once converted, or while another runs) and build its submission body. */
  claimClientConversion(principal: Principal, id: string, input: ClientSubmissionRequest): Promise<Result<{ token: string; submission: ClientSubmissionBody }>>;
  /** Link the created submission to the held client, which becomes `converted`. */
  completeClientConversion(principal: Principal, id: string, token: string, submissionId: string): Promise<Result<Client>>;
  /** Let a held client go when underwriting refused its submission. */
  releaseClientConversion(principal: Principal, id: string, token: string): Promise<Result<null>>;
}

// Partners (issue 18): referral partners, their codes and the click router, attribution events, partner commissions.

export type ListPartnersQuery = NonNullable<ListPartnersData["query"]>;
export type ListPartnerCommissionsQuery = NonNullable<ListPartnerCommissionsData["query"]>;
export type ListCommissionsOfPartnerQuery = NonNullable<ListCommissionsOfPartnerData["query"]>;

/** A click on a referral link as the gateway hands it over: keyed hashes of the address and agent, never the raw address. */
export interface ReferralClick {
  /** The `Referer` header, at most 500 characters; null when none. */
  referrer: string | null;
  /** Hex HMAC-SHA256 of the client IP (the gateway's key): the same visitor hashes the same, and the address cannot be read back. */
  ipHash: string;
  userAgentHash: string | null;
}

/** Where a referral link sends the visitor: the partner's landing URL with `ref=<code>`. */
export interface ReferralTarget {
  location: string;
  /** The click's id (kept internal; recorded exactly once). */
  clickId: string;
}

/** One click to record, as the partners worker builds it and queues it: its own id makes it count once. */
export interface ReferralClickRecord {
  kind: "click";
  id: string;
  code: string;
  orgId: string;
  partnerId: string;
  clickedAt: string;
  referrer: string | null;
  ipHash: string;
  userAgentHash: string | null;
}

/** A referral link looked up but not yet recorded: where it sends the visitor, and the click to record once admitted. */
export interface ResolvedReferralLink {
  location: string;
  click: ReferralClickRecord;
}

export interface PartnersRpc extends Rpc.WorkerEntrypointBranded {
  createPartner(principal: Principal, input: CreatePartnerRequest): Promise<Result<Partner>>;
  listPartners(principal: Principal, query?: ListPartnersQuery): Promise<Result<Page<Partner>>>;
  getPartner(principal: Principal, id: string): Promise<Result<Partner>>;
  /** Email the partner's contact a login link (on `origin`, the API's public origin) through identity's outbox; `invalid_state_transition` for a revoked partner. */
  invitePartner(principal: Principal, id: string, origin: string): Promise<Result<PartnerInvitation>>;
  revokePartner(principal: Principal, id: string): Promise<Result<Partner>>;
  createPartnerCode(principal: Principal, partnerId: string, input: CreatePartnerCodeRequest): Promise<Result<PartnerCode>>;
  listPartnerCodes(principal: Principal, partnerId: string, query?: PageQuery): Promise<Result<Page<PartnerCode>>>;
  /** The public click router (no principal): the code's row from its object, the click recorded once after the answer; `not_found` for an unknown or revoked code. */
  followLink(code: string, click: ReferralClick): Promise<Result<ReferralTarget>>;
  recordAttributionEvent(principal: Principal, input: CreateAttributionEventRequest): Promise<Result<AttributionEvent>>;
  listCommissions(principal: Principal, query?: ListPartnerCommissionsQuery): Promise<Result<Page<PartnerCommission>>>;
  listCommissionsOfPartner(principal: Principal, partnerId: string, query?: ListCommissionsOfPartnerQuery): Promise<Result<Page<PartnerCommission>>>;
  /** Mark the partner's payable commissions (effective on or before `through`, default today) paid, once. */
  payCommissions(principal: Principal, partnerId: string, input: PayPartnerCommissionsRequest): Promise<Result<PartnerPayout>>;
  /** The click router's read alone (no principal): where the code sends the visitor and the click to record; `not_found` for an unknown or revoked code. Records nothing. */
  resolveLink(code: string, click: ReferralClick): Promise<Result<ResolvedReferralLink>>;
  /** Record clicks {@link resolveLink} built, each once by its id (queued; inserted directly if the queue refuses). Anything else is ignored. */
  recordClicks(clicks: ReferralClickRecord[]): Promise<void>;
}

export interface PublicEntrypoints {
  identity: IdentityRpc;
  underwriting: UnderwritingRpc;
  webhooks: WebhooksRpc;
  /** Its `fetch` also takes the WebSocket upgrades the gateway has authorised. */
  "deal-rooms": DealRoomsRpc;
  documents: DocumentsRpc;
  claims: ClaimsRpc;
  billing: BillingRpc;
  producers: ProducersRpc;
  portal: PortalRpc;
  market: MarketRpc;
  workspace: WorkspaceRpc;
  partners: PartnersRpc;
}

type Snake<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}_${Snake<Tail>}` : S;

/** A registry name's binding, as `bindingOf` (workers/_shared/names.ts) computes it: `deal-rooms` → `DEAL_ROOMS`. */
export type BindingOf<Name extends string> = Uppercase<Snake<Name>>;

/** The gateway's service bindings: `IDENTITY: Service<IdentityRpc>`, …, one per entry of {@link PublicEntrypoints}. */
export type PublicBindings = { readonly [Name in keyof PublicEntrypoints as BindingOf<Name>]: Service<PublicEntrypoints[Name]> };

// The rule studio (issue 17): the org's underwriting rules in the market worker, the facts they are
// judged on, and how quoting reaches them. Declared as additions to MarketRpc and UnderwritingRpc
// (interface merging), so the rule studio's methods sit apart from the market finder's.
import type { CreateRuleRequest, ExecuteRulesRequest, ListRulesData, ListRuleVersionsData, Rule, RuleExecution, RuleSimulation, RuleVersion, SimulateRuleRequest, UpdateRuleRequest } from "#contract/types.gen";
import type { RuleContext, RuleDecision, RuleEvaluation } from "./rule-context.ts";

/** A stored submission as its rules see it: built by underwriting (the one owner of submissions), judged by market. */
export interface SubmissionRuleFacts {
  submissionId: string;
  insuredName: string;
  status: string;
  /** The current quote's gross premium, USD; null without a live quote. */
  grossPremium: number | null;
  context: RuleContext;
}

export interface MarketRpc {
  createRule(principal: Principal, input: CreateRuleRequest): Promise<Result<Rule>>;
  listRules(principal: Principal, query?: NonNullable<ListRulesData["query"]>): Promise<Result<Page<Rule>>>;
  getRule(principal: Principal, id: string): Promise<Result<Rule>>;
  /** A new version; another org's id is `not_found`. */
  updateRule(principal: Principal, id: string, input: UpdateRuleRequest): Promise<Result<Rule>>;
  deleteRule(principal: Principal, id: string): Promise<Result<null>>;
  listRuleVersions(principal: Principal, id: string, query?: NonNullable<ListRuleVersionsData["query"]>): Promise<Result<Page<RuleVersion>>>;
  /** Nothing is written. `recent`: the org's recent submissions, read by the gateway when the body asks for them. */
  simulateRule(principal: Principal, input: SimulateRuleRequest, recent?: SubmissionRuleFacts[]): Promise<Result<RuleSimulation>>;
  /** The org's enabled rules on `subject` (the body's submissionId, read by the gateway) or the body's context. */
  executeRules(principal: Principal, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts): Promise<Result<RuleExecution>>;
  executeRule(principal: Principal, id: string, input: ExecuteRulesRequest, subject?: SubmissionRuleFacts): Promise<Result<RuleExecution>>;
}

/** Market's internal entrypoint (`MarketInternal`): what underwriting's quoting asks of the rule studio. */
export interface MarketInternalRpc extends Rpc.WorkerEntrypointBranded {
  /**
   * The org's enabled rules, by priority, judged on a quote's context and combined. A throw (the
   * worker unreachable) is the caller's to handle: quoting fails closed with 503 `rules_unavailable`.
   */
  decideRules(orgId: string, context: RuleContext): Promise<Result<{ decision: RuleDecision; evaluations: RuleEvaluation[] }>>;
}

export interface UnderwritingRpc {
  /** A submission of the org (in the principal's book) as its rules see it, with its live quote's rating. */
  ruleFactsOf(principal: Principal, submissionId: string): Promise<Result<SubmissionRuleFacts>>;
  /** The org's most recent submissions (at most `limit`, newest first) as their rules see them. */
  recentRuleFacts(principal: Principal, limit: number): Promise<Result<SubmissionRuleFacts[]>>;
}
// Workspace: plans, metered entitlements and the org's workspace settings.

/** The query of `GET /v1/entitlements/check`. */
export type CheckEntitlementQuery = { feature: import("#contract/types.gen").Feature; quantity?: number };

/** The org as the workspace worker keeps it: plan, settings, soft deletion (identity keeps name and slug). */
export interface WorkspaceState {
  orgId: string;
  plan: import("#contract/types.gen").Plan;
  settings: { timezone: string; locale: string };
  status: "active" | "deleted";
  deletedAt: string | null;
  purgeAfter: string | null;
  /** When the workspace row was last written; null for an org on the defaults. */
  updatedAt: string | null;
  /** When its data was purged (retention over): the row stays as the tombstone; null until then. */
  purgedAt: string | null;
}

/** A workspace change: plan and settings (the name is identity's). */
export interface WorkspaceUpdate {
  plan?: import("#contract/types.gen").Plan;
  settings?: { timezone?: string; locale?: string };
}

/** `WorkspaceService`, the gateway's `WORKSPACE` binding. Entitlement methods are confined to `principal.orgId`. */
export interface WorkspaceRpc extends Rpc.WorkerEntrypointBranded {
  /** Whether `quantity` more of a metered feature fits the org's plan now (200 either way). */
  checkEntitlement(principal: Principal, query: CheckEntitlementQuery): Promise<Result<import("#contract/types.gen").EntitlementCheck>>;
  /** Usage an integrator meters itself (`api_calls`), checked and counted in one step; past the limit `feature_limit_reached`. */
  recordUsage(principal: Principal, input: import("#contract/types.gen").RecordUsageRequest): Promise<Result<import("#contract/types.gen").RecordedUsage>>;
  entitlementSummary(principal: Principal): Promise<Result<import("#contract/types.gen").EntitlementSummary>>;
  listPlans(): Promise<import("#contract/types.gen").PlanList>;
  /** System principal only (the gateway checks): the org's workspace state, the defaults when none was written. */
  workspaceOf(orgId: string): Promise<WorkspaceState>;
  workspacesOf(orgIds: string[]): Promise<WorkspaceState[]>;
  /** Whether a change would be accepted (a plan of the table, a known time zone and locale), writing nothing. */
  checkUpdate(input: WorkspaceUpdate): Promise<Result<null>>;
  updateWorkspace(principal: Principal, orgId: string, input: WorkspaceUpdate): Promise<Result<WorkspaceState>>;
  /** Soft delete; idempotent. */
  deleteWorkspace(principal: Principal, orgId: string): Promise<Result<WorkspaceState>>;
  /** False once the org's workspace is deleted: the gateway refuses its credentials. */
  orgActive(orgId: string): Promise<boolean>;
  /** True once `userId` was removed from `orgId`'s team: the gateway refuses their JWTs (stateless, up to an hour). */
  memberRemoved(orgId: string, userId: string): Promise<boolean>;

  // The team: invitations (this worker's) and members (identity's users, through its internal entrypoint).
  teamWorkspace(principal: Principal): Promise<Result<import("#contract/types.gen").TeamWorkspace>>;
  /** An invitation emailed with its single-use token; 409 for a member, another org's user or a pending invitation. */
  invite(principal: Principal, input: import("#contract/types.gen").InviteRequest): Promise<Result<import("#contract/types.gen").Invitation>>;
  listInvitations(principal: Principal, query?: ListInvitationsQuery): Promise<Result<Page<import("#contract/types.gen").Invitation>>>;
  revokeInvitation(principal: Principal, id: string): Promise<Result<import("#contract/types.gen").Invitation>>;
  /** A new token (the old one stops working), valid 7 days, emailed again. */
  resendInvitation(principal: Principal, id: string): Promise<Result<import("#contract/types.gen").Invitation>>;
  /** Public: the token is the credential; 401 with one message for any token that does not open it. */
  acceptInvitation(id: string, input: import("#contract/types.gen").AcceptInvitationRequest): Promise<Result<import("#contract/types.gen").AcceptedInvitation>>;
  listMembers(principal: Principal, query?: MembersQuery): Promise<Result<Page<Member>>>;
  updateMember(principal: Principal, id: string, input: { role: Role }): Promise<Result<Member>>;
  /** The revoked keys' hashes come back so the gateway drops their admitting objects' records. */
  removeMember(principal: Principal, id: string): Promise<Result<RemovedMember>>;

  // Connectors: the org's LLM keys (sealed, never returned) and the email connector.
  /** One key per provider (409 for a second); the key is sealed and only its last four come back. */
  createLlmKey(principal: Principal, input: import("#contract/types.gen").CreateLlmKeyRequest): Promise<Result<import("#contract/types.gen").LlmKey>>;
  listLlmKeys(principal: Principal): Promise<Result<import("#contract/types.gen").LlmKeyList>>;
  /** By the key's id or its provider's name. */
  deleteLlmKey(principal: Principal, idOrProvider: string): Promise<Result<null>>;
  /** The provider's cheapest authenticated call (5 s), its outcome recorded on the key. */
  testLlmKey(principal: Principal, idOrProvider: string): Promise<Result<import("#contract/types.gen").LlmKey>>;
  createEmailTemplate(principal: Principal, input: import("#contract/types.gen").CreateEmailTemplateRequest): Promise<Result<import("#contract/types.gen").EmailTemplate>>;
  listEmailTemplates(principal: Principal, query?: PageQuery): Promise<Result<Page<import("#contract/types.gen").EmailTemplate>>>;
  /** Rendered and queued through identity's outbox, and logged. */
  sendEmail(principal: Principal, input: import("#contract/types.gen").SendEmailRequest): Promise<Result<import("#contract/types.gen").EmailLog>>;
  listEmailLogs(principal: Principal, query?: ListEmailLogsQuery): Promise<Result<Page<import("#contract/types.gen").EmailLog>>>;
}

export type MembersQuery = PageQuery & { createdAfter?: string; createdBefore?: string };
export type ListInvitationsQuery = MembersQuery & { status?: import("#contract/types.gen").InvitationStatus };
export type ListEmailLogsQuery = PageQuery & { status?: import("#contract/types.gen").EmailLogStatus };

/** `WorkspaceInternal`: underwriting meters `policies_bound` at bind (reserve, then commit or release); documents count `document_storage_bytes` (count, returned if the write fails). */
export interface WorkspaceInternalRpc extends Rpc.WorkerEntrypointBranded {
  /** What `reserveUsage` would answer now, counting nothing (a bind preview). */
  checkUsage(principal: Principal, feature: import("#contract/types.gen").Feature, quantity?: number): Promise<Result<{ used: number; limit: number | null }>>;
  /** Counts `quantity` (default 1) of `feature` under `key` now, or 403 `feature_limit_reached`; a key already held counts once. */
  reserveUsage(principal: Principal, feature: import("#contract/types.gen").Feature, key: string, quantity?: number): Promise<Result<{ used: number; limit: number | null }>>;
  /** A standing total (`document_storage_bytes`) counted and committed under `key` in one step, or 403 `feature_limit_reached`; given back with `returnUsage` if its write fails. */
  countUsage(principal: Principal, feature: import("#contract/types.gen").Feature, key: string, quantity?: number): Promise<Result<{ used: number; limit: number | null }>>;
  /** The write under `key` committed: its count stays. */
  commitUsage(orgId: string, key: string): Promise<void>;
  /** The write under `key` did not commit: its count is given back. */
  releaseUsage(orgId: string, key: string): Promise<void>;
  /** What the committed write under `key` counted of a standing total (`webhook_endpoints`) is given back: what it created is gone. Once per key. */
  returnUsage(orgId: string, feature: import("#contract/types.gen").Feature, key: string, quantity?: number): Promise<Result<{ used: number }>>;
}

/** The org as identity keeps it: the contract's `Org` without `plan`, which is the workspace worker's. */
export type IdentityOrg = Omit<Org, "plan">;

// The partner login (issue 18): accepting an invitation and signing in as a partner, declared as
// additions to PartnersRpc (interface merging). The gateway signs the partner JWT from the sign-in.
import type { PartnerAcceptRequest, PartnerLogin, PartnerTokenRequest } from "#contract/types.gen";

/** Who signed in as a partner: the gateway signs a `typ: partner` JWT from it. */
export interface PartnerSignIn {
  partnerId: string;
  orgId: string;
  name: string;
}

export interface PartnersRpc {
  /** Consume an invitation's single-use token and create the partner's login (or replace its password); `unauthorized` for a bad, used or expired token, `conflict` when the email signs in as another partner. */
  acceptPartnerInvitation(input: PartnerAcceptRequest): Promise<Result<PartnerLogin>>;
  /** Check a partner's email and password; `unauthorized` for a wrong one or a revoked partner. */
  signInPartner(input: PartnerTokenRequest): Promise<Result<PartnerSignIn>>;
  /** Whether a partner JWT of this partner still works (its login exists and it is not revoked): asked on every partner request. */
  partnerLoginActive(orgId: string, partnerId: string): Promise<boolean>;
}

// Data retention (issue 16): 30 days after a workspace's soft delete, the gateway's purge job
// (workers/gateway/src/purge.ts) deletes the org's data in every worker through `purgeOrg`,
// declared here as an addition to each public entrypoint (interface merging), then the workspace
// worker records `purgedAt` on its row, the tombstone.
import type { PurgeProgress } from "./purge.ts";

export type { PurgeProgress } from "./purge.ts";

/** The part of the purge every public entrypoint serves. */
export interface OrgPurgeRpc {
  /**
   * Deletes a bounded share of `principal.orgId`'s data in this worker (its D1 rows with the org's
   * `org_id`, and what they name: Durable Objects, R2 objects) and answers whether any is left; the
   * caller repeats until `done`. The system principal only; idempotent, so a rerun after a crash
   * finishes the job. The gateway calls it only for a workspace past its retention.
   */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>>;
}

export interface IdentityRpc extends OrgPurgeRpc {}
export interface UnderwritingRpc extends OrgPurgeRpc {}
export interface WebhooksRpc extends OrgPurgeRpc {}
export interface DealRoomsRpc extends OrgPurgeRpc {}
export interface DocumentsRpc extends OrgPurgeRpc {}
export interface ClaimsRpc extends OrgPurgeRpc {}
export interface BillingRpc extends OrgPurgeRpc {}
export interface ProducersRpc extends OrgPurgeRpc {}
export interface PortalRpc extends OrgPurgeRpc {}
export interface MarketRpc extends OrgPurgeRpc {}
export interface PartnersRpc extends OrgPurgeRpc {}

/** A workspace the purge may act on: deleted, its retention over on the real clock. */
export interface PurgeTicket {
  orgId: string;
  deletedAt: string;
  purgeAfter: string;
  /** Set once the purge finished: a rerun has nothing to do. */
  purgedAt: string | null;
}

export interface WorkspaceRpc extends OrgPurgeRpc {
  /**
   * Whether `orgId` may be purged now (real time: retention is platform machinery, never a sandbox
   * clock): its ticket, or 404 `not_found` (no workspace row: never deleted, or no such org) or 422
   * `invalid_state_transition` (not deleted, or deleted less than 30 days ago, with `purgeAfter`).
   */
  purgeTicket(orgId: string): Promise<Result<PurgeTicket>>;
  /** Up to `limit` workspaces past their retention and not yet purged, oldest first. */
  purgesDue(limit: number): Promise<string[]>;
  /** Records the purge on the tombstone (after every worker answered done); the eligibility is checked again. */
  markPurged(orgId: string): Promise<Result<PurgeTicket>>;
}

// Metering of issue 16's remaining parts, declared as additions (interface merging): the gateway's
// batched `api_calls`, and the reconcile of the standing totals whose truth is another worker's rows.

/** The org's `api_calls` after a flush: `exhausted` once `used >= limit`, until the window rolls at `resetAt`. */
export interface ApiCallsMeterAnswer {
  used: number;
  limit: number | null;
  exhausted: boolean;
  /** `YYYY-MM` on the org's clock. */
  window: string;
  resetAt: string;
  /** Milliseconds until the window rolls, on the org's clock (a sandbox clock's `resetAt` may be long past in real time). */
  resetInMs: number;
  /** Where the refusal's `upgradeUrl` points (the workspace worker's UPGRADE_URL). */
  upgradeUrl: string;
}

/** One standing total set from its source of truth: what the meter held and what it holds now. */
export interface UsageReconciled {
  feature: import("#contract/types.gen").Feature;
  before: number;
  after: number;
  /** Rows of the source the meter had never counted (written before metering began), now counted and returned at their delete. */
  adopted: number;
}

export interface WorkspaceRpc {
  /** The gateway's flush of one isolate's batch of `quantity` API calls of `orgId` (0 only reads); never refuses. */
  meterApiCalls(orgId: string, quantity: number): Promise<ApiCallsMeterAnswer>;
}

export interface WorkspaceInternalRpc {
  /** Opens a reconcile of a standing total (`webhook_endpoints`, `document_storage_bytes`); read the source only after it answers. */
  beginUsageReconcile(orgId: string, feature: import("#contract/types.gen").Feature): Promise<Result<{ reconcileId: string }>>;
  /** Sets the total from the source's live rows (`[key, quantity]`) read since the begin, keeping writes that raced the read; `conflict` if superseded. */
  finishUsageReconcile(orgId: string, feature: import("#contract/types.gen").Feature, reconcileId: string, live: [string, number][]): Promise<Result<UsageReconciled>>;
}

export interface WebhooksRpc {
  /** Sets the org's `webhook_endpoints` from its live (not deleted) endpoints: the daily job and the system principal's reconcile. */
  reconcileEndpointUsage(orgId: string): Promise<Result<UsageReconciled>>;
}

export interface DocumentsRpc {
  /** Sets the org's `document_storage_bytes` from the sizes of its stored documents: the daily job and the system principal's reconcile. */
  reconcileStorageUsage(orgId: string): Promise<Result<UsageReconciled>>;
}

// Issue 16's BYOK classification, declared as an addition (interface merging): a completion with the
// org's own LLM key, run by the workspace worker so the plaintext key never leaves it.

/** One message of a completion with the org's key; a `system` message is the instruction. */
export interface OrgLlmMessage {
  role: "system" | "user";
  content: string;
}

/** The org key's answer: its provider, the model it ran and the text. */
export interface OrgLlmCompletion {
  provider: import("#contract/types.gen").LlmProvider;
  model: string;
  text: string;
}

export interface WorkspaceInternalRpc {
  /**
   * A completion of `messages` (at most `maxTokens`, 1–1,000) with the org's own LLM key (openai,
   * then anthropic, then Workers AI when it has several): 404 `not_found` when it has no usable key,
   * `internal_error` with the provider's status and message (never the key) when the provider fails.
   */
  completeWithOrgLlm(orgId: string, request: { messages: OrgLlmMessage[]; maxTokens: number }): Promise<Result<OrgLlmCompletion>>;
}
