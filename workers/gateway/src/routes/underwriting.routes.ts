import {
  zBindSubmissionBody,
  zBindSubmissionPath,
  zBindSubmissionQuery,
  zCancelPolicyBody,
  zCancelPolicyPath,
  zCancelPolicyQuery,
  zCreateDaAgreementBody,
  zCreateQuoteBody,
  zCreateQuotePath,
  zCreateReferralBody,
  zCreateSubmissionBody,
  zCreateSubmissionRequest,
  zDecideReferralBody,
  zDecideReferralPath,
  zEndorsePolicyBody,
  zEndorsePolicyPath,
  zEndorsePolicyQuery,
  zGetDaAgreementPath,
  zGetDaUtilizationPath,
  zGetPolicyPath,
  zGetPolicyTimelinePath,
  zGetPolicyTimelineQuery,
  zGetPortfolioAnalyticsPath,
  zGetPortfolioAnalyticsQuery,
  zGetQuoteReadinessPath,
  zGetSubmissionPath,
  zListDaAgreementsQuery,
  zListPoliciesQuery,
  zListReferralsQuery,
  zListSubmissionsQuery,
  zReinstatePolicyBody,
  zReinstatePolicyPath,
  zReinstatePolicyQuery,
  zRenewPolicyPath,
} from "#contract/zod.gen";
import type { Principal } from "#shared/auth";
import { fail, invalid, type Result } from "#shared/errors";
import { route } from "../http/route.ts";
import { toValidationError } from "../http/validation.ts";

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

/** An ACORD 125 upload: the `file` part (a PDF) and optional JSON `overrides` checked against the contract. */
async function readAcordUpload(form: FormData): Promise<Result<{ pdf: Uint8Array; overrides: Record<string, unknown> }>> {
  const file = form.get("file");
  if (!(file instanceof File)) return invalid("file", "required", "Missing required field: file (the ACORD 125 PDF)");
  const pdf = new Uint8Array(await file.arrayBuffer());
  if (!PDF_MAGIC.every((b, i) => pdf[i] === b)) return invalid("file", "pdf", "file must be a PDF document");
  const raw = form.get("overrides");
  if (raw === null) return { ok: true, value: { pdf, overrides: {} } };
  if (typeof raw !== "string") return invalid("overrides", "json", "overrides must be a JSON object sent as text");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return invalid("overrides", "json", "overrides is not valid JSON");
  }
  const checked = zCreateSubmissionRequest.partial().safeParse(parsed);
  if (!checked.success) return { ok: false, error: toValidationError("body", checked.error, parsed) };
  return { ok: true, value: { pdf, overrides: checked.data } };
}

/** Analytics name the org in the path; only the caller's own org exists for it. */
const ownOrg = (principal: Principal, orgId: string) => (orgId === principal.orgId ? null : fail("not_found", "Organization not found"));

/** Submissions, quotes, policies, referrals, delegated authority and analytics: the underwriting worker. */
export const underwritingRoutes = [
  route({
    method: "post",
    path: "/v1/submissions",
    operationId: "createSubmission",
    auth: "credential",
    scope: "submissions:write",
    schemas: { body: zCreateSubmissionBody },
    status: 201,
    handler: ({ env, principal, input }) => env.UNDERWRITING.createSubmission(principal, input.body),
    multipart: async ({ env, principal, form }) => {
      const upload = await readAcordUpload(form);
      if (!upload.ok) return upload;
      return env.UNDERWRITING.createSubmissionFromAcord(principal, upload.value.pdf, upload.value.overrides);
    },
  }),
  route({
    method: "get",
    path: "/v1/submissions",
    operationId: "listSubmissions",
    auth: "credential",
    scope: "submissions:read",
    schemas: { query: zListSubmissionsQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.listSubmissions(principal, input.query),
  }),
  route({
    method: "get",
    path: "/v1/submissions/:id",
    operationId: "getSubmission",
    auth: "credential",
    scope: "submissions:read",
    schemas: { path: zGetSubmissionPath },
    handler: ({ env, principal, input }) => env.UNDERWRITING.getSubmission(principal, input.path.id),
  }),
  route({
    method: "get",
    path: "/v1/submissions/:id/quote-readiness",
    operationId: "getQuoteReadiness",
    auth: "credential",
    scope: "submissions:read",
    schemas: { path: zGetQuoteReadinessPath },
    handler: ({ env, principal, input }) => env.UNDERWRITING.getQuoteReadiness(principal, input.path.id),
  }),
  route({
    method: "post",
    path: "/v1/submissions/:id/quote",
    operationId: "createQuote",
    auth: "credential",
    scope: "submissions:write",
    schemas: { path: zCreateQuotePath, body: zCreateQuoteBody.optional() },
    status: 201,
    handler: ({ env, principal, input }) => env.UNDERWRITING.createQuote(principal, input.path.id, input.body ?? {}),
  }),
  route({
    method: "post",
    path: "/v1/submissions/:id/bind",
    operationId: "bindSubmission",
    auth: "credential",
    scope: "policies:write",
    schemas: { path: zBindSubmissionPath, query: zBindSubmissionQuery, body: zBindSubmissionBody },
    // A real bind creates the policy (201); a preview creates nothing (200).
    status: (input) => (input.query.preview === true ? 200 : 201),
    handler: ({ env, principal, input }) => env.UNDERWRITING.bindSubmission(principal, input.path.id, input.body, input.query.preview === true),
  }),
  route({
    method: "get",
    path: "/v1/policies",
    operationId: "listPolicies",
    auth: "credential",
    scope: "policies:read",
    schemas: { query: zListPoliciesQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.listPolicies(principal, input.query),
  }),
  route({
    method: "get",
    path: "/v1/policies/:id",
    operationId: "getPolicy",
    auth: "credential",
    scope: "policies:read",
    schemas: { path: zGetPolicyPath },
    handler: ({ env, principal, input }) => env.UNDERWRITING.getPolicy(principal, input.path.id),
  }),
  route({
    method: "post",
    path: "/v1/policies/:id/endorse",
    operationId: "endorsePolicy",
    auth: "credential",
    scope: "policies:write",
    schemas: { path: zEndorsePolicyPath, query: zEndorsePolicyQuery, body: zEndorsePolicyBody },
    handler: ({ env, principal, input }) => env.UNDERWRITING.endorsePolicy(principal, input.path.id, input.body, input.query.preview === true),
  }),
  route({
    method: "post",
    path: "/v1/policies/:id/cancel",
    operationId: "cancelPolicy",
    auth: "credential",
    scope: "policies:write",
    schemas: { path: zCancelPolicyPath, query: zCancelPolicyQuery, body: zCancelPolicyBody },
    handler: ({ env, principal, input }) => env.UNDERWRITING.cancelPolicy(principal, input.path.id, input.body, input.query.preview === true),
  }),
  route({
    method: "post",
    path: "/v1/policies/:id/reinstate",
    operationId: "reinstatePolicy",
    auth: "credential",
    scope: "policies:write",
    schemas: { path: zReinstatePolicyPath, query: zReinstatePolicyQuery, body: zReinstatePolicyBody.optional() },
    handler: ({ env, principal, input }) => env.UNDERWRITING.reinstatePolicy(principal, input.path.id, input.body ?? {}, input.query.preview === true),
  }),
  route({
    method: "post",
    path: "/v1/policies/:id/renew",
    operationId: "renewPolicy",
    auth: "credential",
    scope: "policies:write",
    schemas: { path: zRenewPolicyPath },
    status: 201,
    handler: ({ env, principal, input }) => env.UNDERWRITING.renewPolicy(principal, input.path.id),
  }),
  route({
    method: "get",
    path: "/v1/policies/:id/timeline",
    operationId: "getPolicyTimeline",
    auth: "credential",
    scope: "policies:read",
    schemas: { path: zGetPolicyTimelinePath, query: zGetPolicyTimelineQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.getPolicyTimeline(principal, input.path.id, input.query),
  }),
  route({
    method: "get",
    path: "/v1/referrals",
    operationId: "listReferrals",
    auth: "credential",
    scope: "referrals:read",
    schemas: { query: zListReferralsQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.listReferrals(principal, input.query),
  }),
  route({
    method: "post",
    path: "/v1/referrals",
    operationId: "createReferral",
    auth: "credential",
    scope: "referrals:write",
    schemas: { body: zCreateReferralBody },
    status: 201,
    handler: ({ env, principal, input }) => env.UNDERWRITING.createReferral(principal, input.body),
  }),
  route({
    method: "post",
    path: "/v1/referrals/:id/decision",
    operationId: "decideReferral",
    auth: "credential",
    scope: "referrals:write",
    schemas: { path: zDecideReferralPath, body: zDecideReferralBody },
    handler: ({ env, principal, input }) => env.UNDERWRITING.decideReferral(principal, input.path.id, input.body),
  }),
  route({
    method: "post",
    path: "/v1/da-agreements",
    operationId: "createDaAgreement",
    auth: "credential",
    scope: "orgs:write",
    schemas: { body: zCreateDaAgreementBody },
    status: 201,
    handler: ({ env, principal, input }) => env.UNDERWRITING.createDaAgreement(principal, input.body),
  }),
  route({
    method: "get",
    path: "/v1/da-agreements",
    operationId: "listDaAgreements",
    auth: "credential",
    scope: "orgs:read",
    schemas: { query: zListDaAgreementsQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.listDaAgreements(principal, input.query),
  }),
  route({
    method: "get",
    path: "/v1/da-agreements/:id",
    operationId: "getDaAgreement",
    auth: "credential",
    scope: "orgs:read",
    schemas: { path: zGetDaAgreementPath },
    handler: ({ env, principal, input }) => env.UNDERWRITING.getDaAgreement(principal, input.path.id),
  }),
  route({
    method: "get",
    path: "/v1/analytics/:orgId/portfolio",
    operationId: "getPortfolioAnalytics",
    auth: "credential",
    scope: "analytics:read",
    schemas: { path: zGetPortfolioAnalyticsPath, query: zGetPortfolioAnalyticsQuery },
    handler: async ({ env, principal, input }) => ownOrg(principal, input.path.orgId) ?? env.UNDERWRITING.getPortfolio(principal, input.query.asOf),
  }),
  route({
    method: "get",
    path: "/v1/analytics/:orgId/da-utilization",
    operationId: "getDaUtilization",
    auth: "credential",
    scope: "analytics:read",
    schemas: { path: zGetDaUtilizationPath },
    handler: async ({ env, principal, input }) => ownOrg(principal, input.path.orgId) ?? env.UNDERWRITING.getDaUtilization(principal),
  }),
];
