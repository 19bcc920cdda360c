/** The partners worker under test, through its own entrypoint (RPC over loopback), and its stand-ins. */
import { env, exports } from "cloudflare:workers";
import type { CreatePartnerRequest, Partner } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { EventEnvelope } from "#shared/events";
import { newId } from "#shared/ids";
import type { PartnerPolicyFacts, SubmissionAttributionFacts, SubmissionReferral } from "#shared/rpc";
import type { PartnersService } from "../../workers/partners/src/index.ts";
import type { PartnersEnv } from "../../workers/partners/src/env.ts";
import { unwrap } from "../support/results.ts";

const entrypoints = exports as unknown as { PartnersService: Service<PartnersService> };
export const partnersRpc = entrypoints.PartnersService;
export const partnersEnv = env as unknown as PartnersEnv;

/** The underwriting stand-in (vitest.config.ts): submissions and policies a test registers, and the attributions written back. */
export const underwriting = env.UNDERWRITING as unknown as {
  partnerFactsForTest(put: { submissions?: { orgId: string; submission: SubmissionReferral }[]; policies?: { orgId: string; facts: PartnerPolicyFacts }[]; down?: boolean }): Promise<boolean>;
  attributionsForTest(orgId: string): Promise<{ submissionId: string; attribution: SubmissionAttributionFacts | null }[]>;
};

/** The identity stand-in's queued emails. */
export const identity = env.IDENTITY as unknown as { emailsForTest(orgId: string): Promise<{ to: string; subject: string; body: string; kind: string }[]> };

let n = 0;
export function partnerBody(overrides: Partial<CreatePartnerRequest> = {}): CreatePartnerRequest {
  n++;
  return { name: `Payroll App ${n}`, contactEmail: `partners${n}@payroll.example`, landingUrl: "https://payroll.example/insurance", commissionRate: 10, ...overrides };
}

export async function newPartner(principal: Principal, overrides: Partial<CreatePartnerRequest> = {}): Promise<Partner> {
  return unwrap(await partnersRpc.createPartner(principal, partnerBody(overrides)));
}

/** A submission registered with the underwriting stand-in, created at `createdAt`. */
export async function registerSubmission(orgId: string, createdAt: string, referralCode: string | null = null): Promise<SubmissionReferral> {
  const submission = { submissionId: newId("sub"), createdAt, referralCode, policyId: null };
  await underwriting.partnerFactsForTest({ submissions: [{ orgId, submission }] });
  return submission;
}

/** An underwriting event envelope, as the queue consumer reads it. */
export function envelope(orgId: string, type: string, data: Record<string, unknown>, timestamp: string): EventEnvelope {
  return { id: newId("evt"), type, orgId, timestamp, data };
}
