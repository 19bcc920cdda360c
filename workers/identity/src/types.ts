/**
 * The identity worker's RPC contract: every type crossing the service binding, plus {@link IdentityRpc},
 * the method set of `IdentityService`. The gateway imports this file type-only.
 * Timestamps are ISO-8601 UTC strings; every method but `listApiKeyPresets` answers a plain {@link RpcResult}.
 */
import type { Principal, RateLimitTier, Role, ScopePreset } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page, PageQuery } from "#shared/pagination";

export type { Principal, RateLimitTier, Role, ScopePreset, Result, Page, PageQuery };

/** What every IdentityService method answers: the platform's {@link Result} (its errors carry JSON details only). */
export type RpcResult<T> = Result<T>;

export interface Org {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateOrgInput {
  name: string;
  /** Derived from `name` when absent: lowercase, non-alphanumerics → `-`, at most 63 chars. */
  slug?: string;
}

export interface UpdateOrgInput {
  name?: string;
}

/** An API key as listed and read; never carries the key or its hash. */
export interface ApiKey {
  id: string;
  name: string;
  /** The first 16 characters of the key, for display (`oik_test_AbCdEfG`). */
  prefix: string;
  scopes: string[];
  rateLimitTier: RateLimitTier;
  /** After a rotation, the end of the old key's grace period. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  rotatedFromId: string | null;
}

/** A new key: the only time the full `key` is ever returned. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface RotatedApiKey extends CreatedApiKey {
  previousKeyId: string;
  previousKeyExpiresAt: string;
}

export interface CreateApiKeyInput {
  name: string;
  /** Explicit scopes; exclusive with `preset`. Neither: the creating principal's scopes. */
  scopes?: string[];
  preset?: ScopePreset;
  /** Default `sandbox`, or `standard` in production. */
  rateLimitTier?: RateLimitTier;
  expiresAt?: string | null;
}

export interface RotateApiKeyInput {
  /** How long the old key keeps working, 0..720 hours; default 24. */
  gracePeriodHours?: number;
}

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

export interface TokenResponse {
  token: string;
  tokenType: "Bearer";
  expiresAt: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: Role;
  emailVerified: boolean;
  createdAt: string;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  /** Default `${name}'s organisation`. */
  orgName?: string;
}

export interface SignupResult {
  userId: string;
  email: string;
  status: "pending_verification";
}

export interface VerifyEmailInput {
  email: string;
  code: string;
}

export interface VerifyEmailResult {
  verified: true;
  userId: string;
}

export interface ResendVerificationInput {
  email: string;
}

export interface ResendVerificationResult {
  sent: true;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface SessionResponse {
  /** Opaque `oiss_…` token; stored server-side as SHA-256 only. */
  sessionToken: string;
  expiresAt: string;
  user: User;
}

export interface LogoutResult {
  loggedOut: true;
}

export type OutboxEmailKind = "verification_code";

export interface OutboxEmail {
  id: string;
  to: string;
  subject: string;
  body: string;
  kind: OutboxEmailKind;
  createdAt: string;
}

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
}
