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
  CreateOrgRequest as ContractCreateOrg,
  CreatedApiKey,
  LoginRequest as LoginInput,
  LoginResult as SessionResponse,
  Org as ContractOrg,
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
  UpdateOrgRequest as ContractUpdateOrg,
  User,
  VerifyEmailRequest as VerifyEmailInput,
  VerifyEmailResult,
} from "#contract/types.gen";

/**
 * The org as identity keeps it: its plan is the workspace worker's, which the gateway adds to the
 * contract's `Org` (and takes out of a create or update before identity sees it).
 */
export type Org = Omit<ContractOrg, "plan">;
export type CreateOrgInput = Omit<ContractCreateOrg, "plan">;
export type UpdateOrgInput = Omit<ContractUpdateOrg, "plan">;

/** Bodies and answers that cross to clients are the contract's generated types (typespec/generated). */
export type {
  ApiKey,
  CreateApiKeyInput,
  CreatedApiKey,
  LoginInput,
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
  User,
  VerifyEmailInput,
  VerifyEmailResult,
};

export type { Principal, RateLimitTier, Role, ScopePreset, Result, Page, PageQuery };

/** What every IdentityService method answers: the platform's {@link Result} (its errors carry JSON details only). */
export type RpcResult<T> = Result<T>;

/** The types the gateway sees cross the binding: the platform's one RPC module (workers/_shared/rpc.ts). */
export type { ApiKeyIdentity, ApiKeyPreset, IdentityRpc, LogoutResult, SandboxEmailQuery } from "#shared/rpc";

/** `verification_code` (sign-up), or what another worker queued through `IdentityInternal.queueEmail` (snake_case). */
export type OutboxEmailKind = "verification_code" | (string & {});
