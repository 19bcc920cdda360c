/**
 * The identity worker: orgs, users, API keys, sessions and JWT issuance. No public HTTP surface:
 * the gateway reaches {@link IdentityService} over a service binding, having already authenticated
 * the caller and checked scopes. Every method answers a plain `RpcResult` (listApiKeyPresets: bare data);
 * expected failures are values, only bugs throw.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Principal, Role } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page, PageQuery } from "#shared/pagination";
import type { ApiKeyStatus, IdentityInternalRpc, Member, NewMemberInput, OrgMember, QueuedEmail, QueueEmailRequest, RemovedMember } from "#shared/rpc";
import * as apiKeys from "./api-keys.service.ts";
import { issueDemoToken } from "./demo-token.service.ts";
import { drizzle } from "drizzle-orm/d1";
import { createDeps, type IdentityDeps } from "./deps.ts";
import { relayPendingEmails } from "./email-relay.ts";
import * as emails from "./emails.service.ts";
import type { IdentityEnv } from "./env.ts";
import * as orgs from "./orgs.service.ts";
import * as members from "./members.service.ts";
import { listSandboxEmails } from "./outbox.service.ts";
import * as sandboxClock from "./sandbox-clock.service.ts";
import * as sessions from "./sessions.service.ts";
import type {
  ApiKey,
  ApiKeyIdentity,
  ApiKeyPreset,
  CreateApiKeyInput,
  CreatedApiKey,
  CreateOrgInput,
  IdentityRpc,
  LoginInput,
  LogoutResult,
  Org,
  OutboxEmail,
  ResendVerificationInput,
  ResendVerificationResult,
  RotateApiKeyInput,
  RotatedApiKey,
  RpcResult,
  SandboxClock,
  SandboxEmailQuery,
  SetSandboxClockInput,
  SessionResponse,
  SignupInput,
  SignupResult,
  TokenResponse,
  UpdateOrgInput,
  User,
  VerifyEmailInput,
  VerifyEmailResult,
} from "./types.ts";
import { IDENTITY_PURGE } from "./purge.service.ts";
import { purgeOrgOf, type PurgeProgress } from "#shared/purge";

export type * from "./types.ts";

const rpc = <T>(result: Promise<Result<T>>): Promise<RpcResult<T>> => result;

export class IdentityService extends WorkerEntrypoint<IdentityEnv> implements IdentityRpc {
  /** The org's data purged (retention over; the gateway's purge job): a bounded share per call, `done` when none is left. */
  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return purgeOrgOf(principal, this.env.IDENTITY_DB, IDENTITY_PURGE);
  }

  readonly #deps: IdentityDeps;

  constructor(ctx: ExecutionContext, env: IdentityEnv) {
    super(ctx, env);
    this.#deps = createDeps(env, ctx);
  }

  // API keys

  /** Hot path of every API-key request: one indexed read; `last_used_at` is written after replying. */
  async authenticateApiKey(rawKey: string): Promise<RpcResult<ApiKeyIdentity>> {
    return rpc(apiKeys.authenticateApiKey(this.#deps, rawKey));
  }

  async createApiKey(principal: Principal, input: CreateApiKeyInput): Promise<RpcResult<CreatedApiKey>> {
    return rpc(apiKeys.createApiKey(this.#deps, principal, input));
  }

  async listApiKeys(principal: Principal, query?: PageQuery): Promise<RpcResult<Page<ApiKey>>> {
    return rpc(apiKeys.listApiKeys(this.#deps, principal, query));
  }

  async getApiKey(principal: Principal, id: string): Promise<RpcResult<ApiKey>> {
    return rpc(apiKeys.getApiKey(this.#deps, principal, id));
  }

  /** Internal: the hash naming the key's admitting object at the gateway (see api-keys.service). */
  async getApiKeyHash(principal: Principal, id: string): Promise<RpcResult<string>> {
    return rpc(apiKeys.getApiKeyHash(this.#deps, principal, id));
  }

  async revokeApiKey(principal: Principal, id: string): Promise<RpcResult<ApiKey>> {
    return rpc(apiKeys.revokeApiKey(this.#deps, principal, id));
  }

  async rotateApiKey(principal: Principal, id: string, input?: RotateApiKeyInput): Promise<RpcResult<RotatedApiKey>> {
    return rpc(apiKeys.rotateApiKey(this.#deps, principal, id, input));
  }

  async listApiKeyPresets(): Promise<{ data: ApiKeyPreset[] }> {
    return apiKeys.listApiKeyPresets();
  }

  // Orgs

  /** System principal only (the gateway checks); everything else is confined to `principal.orgId`. */
  async createOrg(input: CreateOrgInput): Promise<RpcResult<Org>> {
    return rpc(orgs.createOrg(this.#deps, input));
  }

  async getOrg(principal: Principal, orgId: string): Promise<RpcResult<Org>> {
    return rpc(orgs.getOrg(this.#deps, principal, orgId));
  }

  async updateOrg(principal: Principal, orgId: string, input: UpdateOrgInput): Promise<RpcResult<Org>> {
    return rpc(orgs.updateOrg(this.#deps, principal, orgId, input));
  }

  /** System principal only (the gateway checks): every org, by cursor pages. */
  async listOrgs(query?: PageQuery & { createdAfter?: string; createdBefore?: string }): Promise<RpcResult<Page<Org>>> {
    return rpc(orgs.listOrgs(this.#deps, query));
  }

  /** Internal: dev seeding and the demo sandbox. */
  async findOrgBySlug(slug: string): Promise<RpcResult<Org>> {
    return rpc(orgs.findOrgBySlug(this.#deps, slug));
  }

  // Tokens and sessions

  async issueDemoToken(secret: string, orgId?: string): Promise<RpcResult<TokenResponse>> {
    return rpc(issueDemoToken(this.#deps, secret, orgId));
  }

  async signup(input: SignupInput): Promise<RpcResult<SignupResult>> {
    return rpc(sessions.signup(this.#deps, input));
  }

  async verifyEmail(input: VerifyEmailInput): Promise<RpcResult<VerifyEmailResult>> {
    return rpc(sessions.verifyEmail(this.#deps, input));
  }

  async resendVerificationCode(input: ResendVerificationInput): Promise<RpcResult<ResendVerificationResult>> {
    return rpc(sessions.resendVerificationCode(this.#deps, input));
  }

  async login(input: LoginInput): Promise<RpcResult<SessionResponse>> {
    return rpc(sessions.login(this.#deps, input));
  }

  async logout(sessionToken: string): Promise<RpcResult<LogoutResult>> {
    return rpc(sessions.logout(this.#deps, sessionToken));
  }

  async getProfile(sessionToken: string): Promise<RpcResult<User>> {
    return rpc(sessions.getProfile(this.#deps, sessionToken));
  }

  async exchangeSession(sessionToken: string): Promise<RpcResult<TokenResponse>> {
    return rpc(sessions.exchangeSession(this.#deps, sessionToken));
  }

  // Sandbox

  /** Outside production only (the service refuses in production whatever the gateway does). */
  async listSandboxEmails(query?: SandboxEmailQuery): Promise<RpcResult<Page<OutboxEmail>>> {
    return rpc(listSandboxEmails(this.#deps, query));
  }

  /** The org's sandbox clock; `not_found` outside development and tests. */
  async getSandboxClock(principal: Principal): Promise<RpcResult<SandboxClock>> {
    return rpc(sandboxClock.getSandboxClock(this.#deps, principal));
  }

  async setSandboxClock(principal: Principal, input: SetSandboxClockInput): Promise<RpcResult<SandboxClock>> {
    return rpc(sandboxClock.setSandboxClock(this.#deps, principal, input));
  }

  async resetSandboxClock(principal: Principal): Promise<RpcResult<SandboxClock>> {
    return rpc(sandboxClock.resetSandboxClock(this.#deps, principal));
  }

  /** Internal, the gateway's per-request read: one primary-key lookup, and none outside the sandbox environments. */
  async clockOffsetOf(orgId: string): Promise<number> {
    return sandboxClock.clockOffsetOf(this.#deps, orgId);
  }
}

/**
 * The internal entrypoint, bound only to the workers the registry names (deal-rooms, whose sockets
 * re-check the API key that opened them). Never bound to the gateway.
 */
export class IdentityInternal extends WorkerEntrypoint<IdentityEnv> implements IdentityInternalRpc {
  /** Whether key `keyId` of `orgId` is still active, and until when. */
  async apiKeyStatus(orgId: string, keyId: string): Promise<ApiKeyStatus> {
    return apiKeys.apiKeyStatus(createDeps(this.env, this.ctx), orgId, keyId);
  }

  /** `orgId`'s display name (null for no such org), which underwriting prints as the producer on policy paper. */
  async orgName(orgId: string): Promise<string | null> {
    return orgs.orgName(createDeps(this.env, this.ctx), orgId);
  }

  /** User `userId` of `orgId` with their role (null for no such user there): claims checks an adjuster's role. */
  async member(orgId: string, userId: string): Promise<OrgMember | null> {
    return orgs.member(createDeps(this.env, this.ctx), orgId, userId);
  }

  /**
   * Queue an email for `orgId` in the platform's outbox (billing's delinquency notice, the portal's
   * sign-in codes, …); the caller redacts any secret in production, as identity does for its own codes.
   */
  async queueEmail(request: QueueEmailRequest): Promise<Result<QueuedEmail>> {
    return emails.queueEmail(createDeps(this.env, this.ctx), request);
  }

  /** The org with this slug, or null: the portal's sign-in names an org by it. */
  async orgBySlug(slug: string): Promise<{ id: string; slug: string; name: string } | null> {
    return orgs.orgBySlug(createDeps(this.env, this.ctx), slug);
  }

  /** The org's slug and name, or null: the portal's emails name the org a code is for. */
  async orgSummary(orgId: string): Promise<{ id: string; slug: string; name: string } | null> {
    return orgs.orgSummary(createDeps(this.env, this.ctx), orgId);
  }

  /** `orgId`'s sandbox clock offset (0 outside development): the producers cron judges license expiry on it. */
  async clockOffsetOf(orgId: string): Promise<number> {
    return sandboxClock.clockOffsetOf(createDeps(this.env, this.ctx), orgId);
  }

  // The team, for the workspace worker (members.service.ts).

  async listMembers(orgId: string, query?: PageQuery & { createdAfter?: string; createdBefore?: string }): Promise<Result<Page<Member>>> {
    return members.listMembers(createDeps(this.env, this.ctx), orgId, query);
  }

  async memberCount(orgId: string): Promise<number> {
    return members.memberCount(createDeps(this.env, this.ctx), orgId);
  }

  async emailStatus(orgId: string, email: string): Promise<"member" | "other_org" | "free"> {
    return members.emailStatus(createDeps(this.env, this.ctx), orgId, email);
  }

  async setMemberRole(orgId: string, userId: string, role: Role): Promise<Result<Member>> {
    return members.setMemberRole(createDeps(this.env, this.ctx), orgId, userId, role);
  }

  async removeMember(orgId: string, userId: string): Promise<Result<RemovedMember>> {
    return members.removeMember(createDeps(this.env, this.ctx), orgId, userId);
  }

  async createMember(orgId: string, input: NewMemberInput): Promise<Result<Member>> {
    return members.createMember(createDeps(this.env, this.ctx), orgId, input);
  }
}

export default {
  /** No public HTTP surface: the gateway speaks RPC. */
  async fetch(): Promise<Response> {
    return Response.json({ error: "route_not_found", message: "The identity worker has no HTTP routes" }, { status: 404 });
  },

  /** Every minute: the email sweep hands the queue any outbox email a prompt send missed. */
  async scheduled(controller: ScheduledController, env: IdentityEnv, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(relayPendingEmails(drizzle(env.IDENTITY_DB), env.EMAIL_QUEUE, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<IdentityEnv>;
