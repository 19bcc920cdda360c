/**
 * The workspace worker: each org's plan and settings (the workspace is the org), the committed plan
 * table, and metered usage counted exactly in one {@link UsageMeter} object per org. The gateway
 * reaches {@link WorkspaceService} over a service binding, having authenticated the caller and checked
 * the scope (`entitlements:read|write`; the workspace routes are the system principal's);
 * underwriting meters each bind through {@link WorkspaceInternal}. It owns `WORKSPACE_DB` and calls
 * no other worker. Every entitlement method is confined to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { AcceptedInvitation, AcceptInvitationRequest, EntitlementCheck, EntitlementSummary, Feature, Invitation, InviteRequest, Member, PlanList, RecordedUsage, RecordUsageRequest, TeamWorkspace } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { CheckEntitlementQuery, ListInvitationsQuery, MembersQuery, OrgLlmCompletion, OrgLlmMessage, RemovedMember, WorkspaceInternalRpc, WorkspaceRpc, WorkspaceState, WorkspaceUpdate } from "#shared/rpc";
import type { Page, PageQuery } from "#shared/pagination";
import type { CreateEmailTemplateRequest, CreateLlmKeyRequest, EmailLog, EmailTemplate, LlmKey, LlmKeyList, SendEmailRequest } from "#contract/types.gen";
import type { ListEmailLogsQuery } from "#shared/rpc";
import { database } from "./database.ts";
import { checkEntitlement, checkUsage, countUsage, entitlementSummary, listPlans, recordUsage, reserveUsage, returnUsage } from "./entitlements.service.ts";
import type { WorkspaceEnv } from "./env.ts";
import * as workspaces from "./workspaces.service.ts";
import * as team from "./team.service.ts";
import * as retention from "./retention.service.ts";
import type { PurgeProgress } from "#shared/purge";
import type { PurgeTicket } from "#shared/rpc";
import * as email from "./connectors/email.service.ts";
import { handleEmailQueue } from "./connectors/email-delivery.ts";
import * as llmKeys from "./connectors/llm-keys.service.ts";
import { beginUsageReconcile, finishUsageReconcile, meterApiCalls } from "./usage-gauges.service.ts";
import type { ApiCallsMeterAnswer, UsageReconciled } from "#shared/rpc";

export type { WorkspaceEnv } from "./env.ts";
export { UsageMeter } from "./usage-meter.do.ts";

/** The public entrypoint: the gateway's `WORKSPACE` binding. */
export class WorkspaceService extends WorkerEntrypoint<WorkspaceEnv> implements WorkspaceRpc {
  checkEntitlement(principal: Principal, query: CheckEntitlementQuery): Promise<Result<EntitlementCheck>> {
    return checkEntitlement(this.env, database(this.env), principal, query?.feature, query?.quantity ?? 1);
  }

  recordUsage(principal: Principal, input: RecordUsageRequest): Promise<Result<RecordedUsage>> {
    return recordUsage(this.env, database(this.env), principal, input);
  }

  entitlementSummary(principal: Principal): Promise<Result<EntitlementSummary>> {
    return entitlementSummary(this.env, database(this.env), principal);
  }

  async listPlans(): Promise<PlanList> {
    return listPlans();
  }

  workspaceOf(orgId: string): Promise<WorkspaceState> {
    return workspaces.workspaceOf(database(this.env), orgId);
  }

  workspacesOf(orgIds: string[]): Promise<WorkspaceState[]> {
    return workspaces.workspacesOf(database(this.env), orgIds);
  }

  async checkUpdate(input: WorkspaceUpdate): Promise<Result<null>> {
    const valid = workspaces.validUpdate(input);
    return valid.ok ? { ok: true, value: null } : valid;
  }

  updateWorkspace(principal: Principal, orgId: string, input: WorkspaceUpdate): Promise<Result<WorkspaceState>> {
    return workspaces.updateWorkspace(database(this.env), principal, orgId, input);
  }

  deleteWorkspace(principal: Principal, orgId: string): Promise<Result<WorkspaceState>> {
    return workspaces.deleteWorkspace(database(this.env), principal, orgId);
  }

  orgActive(orgId: string): Promise<boolean> {
    return workspaces.orgActive(database(this.env), orgId);
  }

  // Data retention (retention.service.ts): eligibility, this worker's share, the tombstone.

  purgeTicket(orgId: string): Promise<Result<PurgeTicket>> {
    return retention.purgeTicket(database(this.env), orgId);
  }

  purgesDue(limit: number): Promise<string[]> {
    return retention.purgesDue(database(this.env), limit);
  }

  purgeOrg(principal: Principal): Promise<Result<PurgeProgress>> {
    return retention.purgeWorkspaceData(this.env, principal);
  }

  markPurged(orgId: string): Promise<Result<PurgeTicket>> {
    return retention.markPurged(database(this.env), orgId);
  }

  memberRemoved(orgId: string, userId: string): Promise<boolean> {
    return team.memberRemoved(database(this.env), orgId, userId);
  }

  // The team (team.service.ts): invitations here, members in identity.

  teamWorkspace(principal: Principal): Promise<Result<TeamWorkspace>> {
    return team.teamWorkspace(this.env, database(this.env), principal);
  }

  invite(principal: Principal, input: InviteRequest): Promise<Result<Invitation>> {
    return team.invite(this.env, database(this.env), principal, input);
  }

  listInvitations(principal: Principal, query?: ListInvitationsQuery): Promise<Result<Page<Invitation>>> {
    return team.listInvitations(database(this.env), principal, query);
  }

  revokeInvitation(principal: Principal, id: string): Promise<Result<Invitation>> {
    return team.revokeInvitation(database(this.env), principal, id);
  }

  resendInvitation(principal: Principal, id: string): Promise<Result<Invitation>> {
    return team.resendInvitation(this.env, database(this.env), principal, id);
  }

  acceptInvitation(id: string, input: AcceptInvitationRequest): Promise<Result<AcceptedInvitation>> {
    return team.acceptInvitation(this.env, database(this.env), id, input);
  }

  listMembers(principal: Principal, query?: MembersQuery): Promise<Result<Page<Member>>> {
    return team.listMembers(this.env, principal, query);
  }

  updateMember(principal: Principal, id: string, input: { role: Member["role"] }): Promise<Result<Member>> {
    return team.updateMember(this.env, principal, id, input);
  }

  removeMember(principal: Principal, id: string): Promise<Result<RemovedMember>> {
    return team.removeMember(this.env, database(this.env), principal, id);
  }

  // Connectors (connectors/*): the org's LLM keys and the email connector.

  createLlmKey(principal: Principal, input: CreateLlmKeyRequest): Promise<Result<LlmKey>> {
    return llmKeys.createLlmKey(this.env, database(this.env), principal, input);
  }

  listLlmKeys(principal: Principal): Promise<Result<LlmKeyList>> {
    return llmKeys.listLlmKeys(database(this.env), principal);
  }

  deleteLlmKey(principal: Principal, idOrProvider: string): Promise<Result<null>> {
    return llmKeys.deleteLlmKey(database(this.env), principal, idOrProvider);
  }

  testLlmKey(principal: Principal, idOrProvider: string): Promise<Result<LlmKey>> {
    return llmKeys.testLlmKey(this.env, database(this.env), principal, idOrProvider);
  }

  createEmailTemplate(principal: Principal, input: CreateEmailTemplateRequest): Promise<Result<EmailTemplate>> {
    return email.createTemplate(database(this.env), principal, input);
  }

  listEmailTemplates(principal: Principal, query?: PageQuery): Promise<Result<Page<EmailTemplate>>> {
    return email.listTemplates(database(this.env), principal, query);
  }

  sendEmail(principal: Principal, input: SendEmailRequest): Promise<Result<EmailLog>> {
    return email.sendEmail(this.env, database(this.env), principal, input);
  }

  listEmailLogs(principal: Principal, query?: ListEmailLogsQuery): Promise<Result<Page<EmailLog>>> {
    return email.listLogs(database(this.env), principal, query);
  }

  /** The gateway's batched `api_calls` (usage-gauges.service.ts). */
  meterApiCalls(orgId: string, quantity: number): Promise<ApiCallsMeterAnswer> {
    return meterApiCalls(this.env, database(this.env), orgId, quantity);
  }
}

/** The internal entrypoint: underwriting's `WORKSPACE` binding (metering each bind) and webhooks' (each live endpoint). */
export class WorkspaceInternal extends WorkerEntrypoint<WorkspaceEnv> implements WorkspaceInternalRpc {
  checkUsage(principal: Principal, feature: Feature, quantity?: number): Promise<Result<{ used: number; limit: number | null }>> {
    return checkUsage(this.env, database(this.env), principal, feature, quantity ?? 1);
  }

  reserveUsage(principal: Principal, feature: Feature, key: string, quantity?: number): Promise<Result<{ used: number; limit: number | null }>> {
    return reserveUsage(this.env, database(this.env), principal, feature, key, quantity ?? 1);
  }

  countUsage(principal: Principal, feature: Feature, key: string, quantity?: number): Promise<Result<{ used: number; limit: number | null }>> {
    return countUsage(this.env, database(this.env), principal, feature, key, quantity ?? 1);
  }

  async commitUsage(orgId: string, key: string): Promise<void> {
    await this.env.USAGE_METER.getByName(orgId).commit(orgId, key);
  }

  async releaseUsage(orgId: string, key: string): Promise<void> {
    await this.env.USAGE_METER.getByName(orgId).release(orgId, key);
  }

  returnUsage(orgId: string, feature: Feature, key: string, quantity?: number): Promise<Result<{ used: number }>> {
    return returnUsage(this.env, orgId, feature, key, quantity ?? 1);
  }

  // The reconcile of standing totals from their source (webhooks' endpoints, documents' sizes).

  beginUsageReconcile(orgId: string, feature: Feature): Promise<Result<{ reconcileId: string }>> {
    return beginUsageReconcile(this.env, orgId, feature);
  }

  finishUsageReconcile(orgId: string, feature: Feature, reconcileId: string, live: [string, number][]): Promise<Result<UsageReconciled>> {
    return finishUsageReconcile(this.env, orgId, feature, reconcileId, live);
  }

  /** The documents worker's classification with the org's own LLM key (connectors/llm-keys.service.ts); the key never leaves this worker. */
  completeWithOrgLlm(orgId: string, request: { messages: OrgLlmMessage[]; maxTokens: number }): Promise<Result<OrgLlmCompletion>> {
    return llmKeys.completeWithOrgLlm(this.env, database(this.env), orgId, request);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
  /** The email queue and its dead-letter queue: each email logged in its org's connector log and delivered (connectors/email-delivery.ts). */
  queue: (batch: MessageBatch<unknown>, env: WorkspaceEnv) => handleEmailQueue(batch, env, database(env)),
} satisfies ExportedHandler<WorkspaceEnv>;
