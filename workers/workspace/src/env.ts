import type { IdentityInternalRpc } from "#shared/rpc";
import type { UsageMeter } from "./usage-meter.do.ts";

/** Bindings of the workspace worker (workers/workspace/wrangler.toml, generated from the registry). */
export interface WorkspaceEnv {
  /** Each org's plan and settings (`workspaces`) and the usage integrators recorded (`usage_records`). */
  WORKSPACE_DB: D1Database;
  /** One object per org: its metered usage, counted exactly (usage-meter.do.ts). */
  USAGE_METER: DurableObjectNamespace<UsageMeter>;
  /** Identity, internal: the team's members (users, roles, sessions, keys) and the invitation emails (queueEmail). */
  IDENTITY: Service<IdentityInternalRpc>;
  ENVIRONMENT: string;
  /** The page an invitation email links to (with `invitation` and `token` in its query). */
  INVITE_ACCEPT_URL?: string;
  /** Where a refused action's `upgradeUrl` points. */
  UPGRADE_URL?: string;
  /** Secret (base64 of 32 bytes): seals the org's LLM keys at rest (AES-256-GCM, connectors/llm-keys.service.ts). */
  CONNECTOR_ENCRYPTION_KEY?: string;
  /** Development only: where an LLM key's test and the org's completions go instead of the provider (a local stand-in). */
  LLM_OPENAI_BASE_URL?: string;
  LLM_ANTHROPIC_BASE_URL?: string;
  LLM_WORKERS_AI_BASE_URL?: string;
  /** Secret: the email provider's (Resend's) API key; production delivers through it (connectors/email-delivery.ts). */
  EMAIL_API_KEY?: string;
  /** The sender of every email, e.g. `OpenInsure <no-reply@openinsure.dev>` (a domain verified with the provider). */
  EMAIL_FROM?: string;
  /** Tests only: where the provider's SDK sends instead of its API (the local stand-in). */
  EMAIL_API_BASE_URL?: string;
}
