/**
 * The identity worker's RPC vocabulary: the contract's shapes and, re-exported from the platform's one
 * RPC module (workers/_shared/rpc.ts), `IdentityRpc`, the method set of `IdentityService`.
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

/** The types the gateway sees cross the binding: the platform's one RPC module (workers/_shared/rpc.ts). */
export type { ApiKeyIdentity, ApiKeyPreset, IdentityRpc, LogoutResult, SandboxEmailQuery } from "#shared/rpc";

/**
 * What an outbox email is: identity's own `verification_code`, or the snake_case kind another worker
 * queued it as through `IdentityInternal.queueEmail` (the portal's `policyholder_code`).
 */
export type OutboxEmailKind = "verification_code" | (string & {});
