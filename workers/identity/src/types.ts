/**
 * The identity worker's RPC contract: every type crossing the service binding, plus {@link IdentityRpc},
 * the method set of `IdentityService`. The gateway imports this file type-only.
 * Timestamps are ISO-8601 UTC strings; every method but `listApiKeyPresets` answers a plain {@link RpcResult}.
 */
import type { Principal, RateLimitTier, Role, ScopePreset } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page, PageQuery } from "#shared/pagination";
import type {
  ApiKey,
  CreateApiKeyRequest as CreateApiKeyInput,
  CreateOrgRequest as CreateOrgInput,
  CreatedApiKey,
  LoginRequest as LoginInput,
  LoginResult as SessionResponse,
  Org,
  OutboxEmail,
  ResendCodeRequest as ResendVerificationInput,
  ResendCodeResult as ResendVerificationResult,
  RotateApiKeyRequest as RotateApiKeyInput,
  RotatedApiKey,
  SandboxClock,
  SetSandboxClockRequest as SetSandboxClockInput,
  SignupRequest as SignupInput,
  SignupResult,
  TokenResponse,
  UpdateOrgRequest as UpdateOrgInput,
  User,
  VerifyEmailRequest as VerifyEmailInput,
  VerifyEmailResult,
} from "#contract/types.gen";

/** Bodies and answers that cross to clients are the contract's generated types (typespec/generated). */
export type {
  ApiKey,
  CreateApiKeyInput,
  CreateOrgInput,
  CreatedApiKey,
  LoginInput,
  Org,
  OutboxEmail,
  ResendVerificationInput,
  ResendVerificationResult,
  RotateApiKeyInput,
  RotatedApiKey,
  SandboxClock,
  SessionResponse,
  SetSandboxClockInput,
  SignupInput,
  SignupResult,
  TokenResponse,
  UpdateOrgInput,
  User,
  VerifyEmailInput,
  VerifyEmailResult,
};

export type { Principal, RateLimitTier, Role, ScopePreset, Result, Page, PageQuery };

/** What every IdentityService method answers: the platform's {@link Result} (its errors carry JSON details only). */
export type RpcResult<T> = Result<T>;

/** What the gateway needs to build a Principal from an API key. */
export interface ApiKeyIdentity {
  keyId: string;
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

export type OutboxEmailKind = "verification_code";

export interface SandboxEmailQuery extends PageQuery {
  /** Only emails to this address (case-insensitive). */
  to?: string;
}

/** The public RPC surface of `IdentityService` (what the gateway's `IDENTITY` binding exposes). */
export interface IdentityRpc {
  authenticateApiKey(rawKey: string): Promise<RpcResult<ApiKeyIdentity>>;
  getApiKeyHash(principal: Principal, id: string): Promise<RpcResult<string>>;

  createOrg(input: CreateOrgInput): Promise<RpcResult<Org>>;
  getOrg(principal: Principal, orgId: string): Promise<RpcResult<Org>>;
  updateOrg(principal: Principal, orgId: string, input: UpdateOrgInput): Promise<RpcResult<Org>>;
  findOrgBySlug(slug: string): Promise<RpcResult<Org>>;

  createApiKey(principal: Principal, input: CreateApiKeyInput): Promise<RpcResult<CreatedApiKey>>;
  listApiKeys(principal: Principal, query?: PageQuery): Promise<RpcResult<Page<ApiKey>>>;
  getApiKey(principal: Principal, id: string): Promise<RpcResult<ApiKey>>;
  revokeApiKey(principal: Principal, id: string): Promise<RpcResult<ApiKey>>;
  rotateApiKey(principal: Principal, id: string, input?: RotateApiKeyInput): Promise<RpcResult<RotatedApiKey>>;
  /** Static data, so a bare value rather than a Result. */
  listApiKeyPresets(): Promise<{ data: ApiKeyPreset[] }>;

  issueDemoToken(secret: string, orgId?: string): Promise<RpcResult<TokenResponse>>;

  signup(input: SignupInput): Promise<RpcResult<SignupResult>>;
  verifyEmail(input: VerifyEmailInput): Promise<RpcResult<VerifyEmailResult>>;
  resendVerificationCode(input: ResendVerificationInput): Promise<RpcResult<ResendVerificationResult>>;
  login(input: LoginInput): Promise<RpcResult<SessionResponse>>;
  logout(sessionToken: string): Promise<RpcResult<LogoutResult>>;
  getProfile(sessionToken: string): Promise<RpcResult<User>>;
  exchangeSession(sessionToken: string): Promise<RpcResult<TokenResponse>>;

  listSandboxEmails(query?: SandboxEmailQuery): Promise<RpcResult<Page<OutboxEmail>>>;
  getSandboxClock(principal: Principal): Promise<RpcResult<SandboxClock>>;
  setSandboxClock(principal: Principal, input: SetSandboxClockInput): Promise<RpcResult<SandboxClock>>;
  resetSandboxClock(principal: Principal): Promise<RpcResult<SandboxClock>>;
  /** The gateway's per-request read: the org's clock offset in ms, 0 outside the sandbox environments. */
  clockOffsetOf(orgId: string): Promise<number>;
}
