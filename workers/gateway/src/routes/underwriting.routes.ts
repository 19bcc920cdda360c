import { zCreateSubmissionBody, zGetSubmissionPath, zListPoliciesQuery, zListSubmissionsQuery } from "#contract/zod.gen";
import { route } from "../http/route.ts";

/** Submissions and policies: the underwriting domain worker behind `UNDERWRITING`. */
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
    path: "/v1/policies",
    operationId: "listPolicies",
    auth: "credential",
    scope: "policies:read",
    schemas: { query: zListPoliciesQuery },
    handler: ({ env, principal, input }) => env.UNDERWRITING.listPolicies(principal, input.query),
  }),
];
