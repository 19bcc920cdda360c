/** Structural guarantees of the committed OpenAPI document (typespec/generated/openapi.json). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_DIR } from "../../scripts/gen-contract.ts";
import { EVENT_TYPES } from "../../workers/_shared/events.ts";

interface Parameter {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers?: { url: string }[];
  security?: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { enum?: string[] } & Record<string, unknown>>;
    parameters?: Record<string, Parameter>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

const doc = JSON.parse(readFileSync(join(GENERATED_DIR, "openapi.json"), "utf8")) as OpenApiDocument;

const HTTP_METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];

/** Every operation of the contract: [method, path, operationId, auth]. */
const EXPECTED: [string, string, string, "public" | "credential" | "session" | "insured"][] = [
  ["GET", "/health", "getHealth", "public"],
  ["GET", "/openapi.json", "getOpenApiDocument", "public"],
  ["POST", "/v1/orgs", "createOrg", "credential"],
  ["GET", "/v1/orgs/{id}", "getOrg", "credential"],
  ["PATCH", "/v1/orgs/{id}", "updateOrg", "credential"],
  ["POST", "/v1/api-keys", "createApiKey", "credential"],
  ["GET", "/v1/api-keys", "listApiKeys", "credential"],
  ["GET", "/v1/api-keys/presets", "listApiKeyPresets", "credential"],
  ["GET", "/v1/api-keys/{id}", "getApiKey", "credential"],
  ["POST", "/v1/api-keys/{id}/rotate", "rotateApiKey", "credential"],
  ["DELETE", "/v1/api-keys/{id}", "revokeApiKey", "credential"],
  ["GET", "/v1/auth/validate", "validateApiKey", "credential"],
  ["POST", "/auth/demo", "createDemoToken", "public"],
  ["POST", "/auth/signup", "signup", "public"],
  ["POST", "/auth/verify", "verifyEmail", "public"],
  ["POST", "/auth/resend-code", "resendVerificationCode", "public"],
  ["POST", "/auth/login", "login", "public"],
  ["POST", "/auth/logout", "logout", "session"],
  ["GET", "/auth/profile", "getProfile", "session"],
  ["POST", "/auth/better/exchange", "exchangeSession", "session"],
  ["GET", "/v1/sandbox/emails", "listSandboxEmails", "credential"],
  ["POST", "/v1/submissions", "createSubmission", "credential"],
  ["GET", "/v1/submissions", "listSubmissions", "credential"],
  ["GET", "/v1/submissions/{id}", "getSubmission", "credential"],
  ["GET", "/v1/submissions/{id}/quote-readiness", "getQuoteReadiness", "credential"],
  ["POST", "/v1/submissions/{id}/quote", "createQuote", "credential"],
  ["POST", "/v1/submissions/{id}/bind", "bindSubmission", "credential"],
  ["GET", "/v1/policies", "listPolicies", "credential"],
  ["GET", "/v1/policies/{id}", "getPolicy", "credential"],
  ["POST", "/v1/policies/{id}/endorse", "endorsePolicy", "credential"],
  ["POST", "/v1/policies/{id}/cancel", "cancelPolicy", "credential"],
  ["POST", "/v1/policies/{id}/reinstate", "reinstatePolicy", "credential"],
  ["POST", "/v1/policies/{id}/renew", "renewPolicy", "credential"],
  ["GET", "/v1/policies/{id}/timeline", "getPolicyTimeline", "credential"],
  ["GET", "/v1/referrals", "listReferrals", "credential"],
  ["POST", "/v1/referrals", "createReferral", "credential"],
  ["POST", "/v1/referrals/{id}/decision", "decideReferral", "credential"],
  ["POST", "/v1/da-agreements", "createDaAgreement", "credential"],
  ["GET", "/v1/da-agreements", "listDaAgreements", "credential"],
  ["GET", "/v1/da-agreements/{id}", "getDaAgreement", "credential"],
  ["GET", "/v1/analytics/{orgId}/portfolio", "getPortfolioAnalytics", "credential"],
  ["GET", "/v1/analytics/{orgId}/da-utilization", "getDaUtilization", "credential"],
  ["GET", "/v1/webhooks", "listWebhooks", "credential"],
  ["POST", "/v1/webhooks", "createWebhook", "credential"],
  ["GET", "/v1/webhooks/{id}", "getWebhook", "credential"],
  ["PATCH", "/v1/webhooks/{id}", "updateWebhook", "credential"],
  ["DELETE", "/v1/webhooks/{id}", "deleteWebhook", "credential"],
  ["POST", "/v1/webhooks/{id}/test", "testWebhook", "credential"],
  ["GET", "/v1/webhooks/{id}/deliveries", "listWebhookDeliveries", "credential"],
  ["POST", "/v1/webhooks/{id}/deliveries/{deliveryId}/retry", "retryWebhookDelivery", "credential"],
  ["POST", "/v1/webhooks/{id}/rotate-secret", "rotateWebhookSecret", "credential"],
  ["GET", "/v1/events", "listEvents", "credential"],
  ["GET", "/v1/events/{id}", "getEvent", "credential"],
  ["GET", "/v1/deal-rooms", "listDealRooms", "credential"],
  ["POST", "/v1/deal-rooms", "createDealRoom", "credential"],
  ["GET", "/v1/deal-rooms/{id}", "getDealRoom", "credential"],
  ["GET", "/v1/deal-rooms/{id}/messages", "listDealRoomMessages", "credential"],
  ["POST", "/v1/deal-rooms/{id}/messages", "postDealRoomMessage", "credential"],
  ["GET", "/v1/deal-rooms/{id}/ws", "getDealRoomSocket", "credential"],
  ["POST", "/v1/documents/render-pdf", "renderPdf", "credential"],
  ["POST", "/v1/documents/ingest", "ingestDocument", "credential"],
  ["GET", "/v1/documents/{id}", "getDocument", "credential"],
  // The signed link's token is the only credential.
  ["GET", "/v1/documents/{id}/download", "downloadDocument", "public"],
  ["POST", "/v1/coi/generate", "generateCertificate", "credential"],
  ["POST", "/v1/claims", "createClaim", "credential"],
  ["GET", "/v1/claims", "listClaims", "credential"],
  ["GET", "/v1/claims/{id}", "getClaim", "credential"],
  ["POST", "/v1/claims/{id}/investigate", "investigateClaim", "credential"],
  ["POST", "/v1/claims/{id}/reserves", "setClaimReserves", "credential"],
  ["POST", "/v1/claims/{id}/payments", "createClaimPayment", "credential"],
  ["POST", "/v1/claims/{id}/settle", "settleClaim", "credential"],
  ["POST", "/v1/claims/{id}/settlements/{settlementId}/accept", "acceptSettlement", "credential"],
  ["POST", "/v1/claims/{id}/deny", "denyClaim", "credential"],
  ["POST", "/v1/claims/{id}/close", "closeClaim", "credential"],
  ["POST", "/v1/claims/{id}/reopen", "reopenClaim", "credential"],
  ["POST", "/v1/claims/{id}/attachments", "createClaimAttachment", "credential"],
  ["GET", "/v1/claims/{id}/attachments", "listClaimAttachments", "credential"],
  ["GET", "/v1/invoices", "listInvoices", "credential"],
  ["GET", "/v1/invoices/{id}", "getInvoice", "credential"],
  ["POST", "/v1/invoices/{id}/pay", "payInvoice", "credential"],
  ["POST", "/v1/invoices/{id}/void", "voidInvoice", "credential"],
  ["POST", "/v1/invoices/{id}/refund", "refundInvoice", "credential"],
  ["POST", "/v1/invoices/{id}/payment-intent", "createPaymentIntent", "credential"],
  ["POST", "/v1/invoices/{id}/retry", "retryPayment", "credential"],
  ["POST", "/v1/producers", "createProducer", "credential"],
  ["GET", "/v1/producers", "listProducers", "credential"],
  ["GET", "/v1/producers/{id}", "getProducer", "credential"],
  ["PATCH", "/v1/producers/{id}", "updateProducer", "credential"],
  ["GET", "/v1/producers/{id}/appointments", "listAppointments", "credential"],
  ["POST", "/v1/producers/{id}/appointments", "createAppointment", "credential"],
  ["PATCH", "/v1/producers/{id}/appointments/{apptId}", "updateAppointment", "credential"],
  ["GET", "/v1/flags", "listFlags", "credential"],
  ["GET", "/v1/flags/{key}", "getFlag", "credential"],
  ["PUT", "/v1/flags/{key}", "setFlag", "credential"],
  ["DELETE", "/v1/flags/{key}", "deleteFlag", "credential"],
  ["GET", "/v1/insureds/{id}", "getInsured", "credential"],
  ["PATCH", "/v1/insureds/{id}", "updateInsured", "credential"],
  ["POST", "/auth/policyholder-otp-request", "requestPolicyholderCode", "public"],
  ["POST", "/auth/policyholder-token", "issuePolicyholderToken", "public"],
  ["GET", "/v1/portal/home", "getPortalHome", "insured"],
  ["GET", "/v1/portal/policies", "listPortalPolicies", "insured"],
  ["GET", "/v1/portal/policies/{id}", "getPortalPolicy", "insured"],
  ["GET", "/v1/portal/policies/{id}/mcs90", "getPortalMcs90", "insured"],
  ["GET", "/v1/portal/documents", "listPortalDocuments", "insured"],
  ["GET", "/v1/portal/documents/{id}/download", "downloadPortalDocument", "insured"],
  ["GET", "/v1/portal/invoices", "listPortalInvoices", "insured"],
  ["GET", "/v1/portal/invoices/{id}", "getPortalInvoice", "insured"],
  ["GET", "/v1/portal/profile", "getPortalProfile", "insured"],
  ["PUT", "/v1/portal/profile", "updatePortalProfile", "insured"],
  ["POST", "/v1/portal/push-tokens", "registerPortalPushToken", "insured"],
  ["POST", "/webhooks/stripe", "receiveStripeWebhook", "public"],
  ["GET", "/v1/market-finder/carriers", "listCarriers", "credential"],
  ["POST", "/v1/market-finder/carriers", "createCarrier", "credential"],
  ["GET", "/v1/market-finder/carriers/{id}", "getCarrier", "credential"],
  ["GET", "/v1/market-finder/products", "listCarrierProducts", "credential"],
  ["GET", "/v1/market-finder/appetites", "listAppetites", "credential"],
  ["POST", "/v1/market-finder/appetites", "createAppetite", "credential"],
  ["POST", "/v1/market-finder/search", "searchCarriers", "credential"],
  ["POST", "/v1/market-finder/match-carriers-detailed", "matchCarriersDetailed", "credential"],
  ["POST", "/v1/market-finder/jurisdictions", "listJurisdictions", "credential"],
  ["POST", "/v1/market-finder/product-lines", "listProductLines", "credential"],
  ["POST", "/v1/market-finder/similar-businesses", "findSimilarBusinesses", "credential"],
  ["POST", "/v1/market-finder/classify", "classifyBusiness", "public"],
  ["POST", "/v1/market-finder/scan", "scanWebsite", "credential"],
  ["POST", "/v1/clients", "createClient", "credential"],
  ["GET", "/v1/clients", "listClients", "credential"],
  ["GET", "/v1/clients/search", "searchClients", "credential"],
  ["GET", "/v1/clients/check-duplicate", "checkClientDuplicate", "credential"],
  ["POST", "/v1/clients/accept-terms", "acceptClientTerms", "credential"],
  ["GET", "/v1/clients/terms-status", "getClientTermsStatus", "credential"],
  ["GET", "/v1/clients/{id}", "getClient", "credential"],
  ["PATCH", "/v1/clients/{id}", "updateClient", "credential"],
  // The rule studio.
  ["POST", "/v1/rules", "createRule", "credential"],
  ["GET", "/v1/rules", "listRules", "credential"],
  ["POST", "/v1/rules/simulate", "simulateRule", "credential"],
  ["POST", "/v1/rules/execute", "executeRules", "credential"],
  ["GET", "/v1/rules/{id}", "getRule", "credential"],
  ["PATCH", "/v1/rules/{id}", "updateRule", "credential"],
  ["DELETE", "/v1/rules/{id}", "deleteRule", "credential"],
  ["GET", "/v1/rules/{id}/versions", "listRuleVersions", "credential"],
  ["POST", "/v1/rules/{id}/execute", "executeRule", "credential"],
  ["POST", "/v1/clients/{id}/submission", "createClientSubmission", "credential"],
  ["GET", "/v1/entitlements/check", "checkEntitlement", "credential"],
  ["POST", "/v1/entitlements/usage", "recordUsage", "credential"],
  ["GET", "/v1/entitlements/summary", "getEntitlementSummary", "credential"],
  ["GET", "/v1/entitlements/plans", "listPlans", "credential"],
  ["GET", "/v1/workspaces", "listWorkspaces", "credential"],
  ["POST", "/v1/workspaces", "createWorkspace", "credential"],
  ["GET", "/v1/workspaces/{id}", "getWorkspace", "credential"],
  ["PATCH", "/v1/workspaces/{id}", "updateWorkspace", "credential"],
  ["DELETE", "/v1/workspaces/{id}", "deleteWorkspace", "credential"],
  ["POST", "/v1/workspaces/{id}/purge", "purgeWorkspace", "credential"],
  ["GET", "/v1/team/workspace", "getTeamWorkspace", "credential"],
  ["POST", "/v1/team/invite", "inviteMember", "credential"],
  ["GET", "/v1/team/members", "listMembers", "credential"],
  ["PATCH", "/v1/team/members/{id}", "updateMember", "credential"],
  ["DELETE", "/v1/team/members/{id}", "removeMember", "credential"],
  ["GET", "/v1/team/invitations", "listInvitations", "credential"],
  ["POST", "/v1/team/invitations/{id}/accept", "acceptInvitation", "public"],
  ["POST", "/v1/team/invitations/{id}/revoke", "revokeInvitation", "credential"],
  ["POST", "/v1/team/invitations/{id}/resend", "resendInvitation", "credential"],
  ["POST", "/v1/partners", "createPartner", "credential"],
  ["GET", "/v1/partners", "listPartners", "credential"],
  ["GET", "/v1/partners/{id}", "getPartner", "credential"],
  ["POST", "/v1/partners/{id}/invite", "invitePartner", "credential"],
  ["POST", "/v1/partners/{id}/revoke", "revokePartner", "credential"],
  ["POST", "/v1/partners/{id}/codes", "createPartnerCode", "credential"],
  ["GET", "/v1/partners/{id}/codes", "listPartnerCodes", "credential"],
  ["GET", "/r/{code}", "followReferralLink", "public"],
  ["POST", "/v1/attribution/events", "createAttributionEvent", "credential"],
  ["GET", "/v1/commissions", "listPartnerCommissions", "credential"],
  ["GET", "/v1/partners/{id}/commissions", "listCommissionsOfPartner", "credential"],
  ["POST", "/v1/partners/{id}/commissions/pay", "payPartnerCommissions", "credential"],
  ["POST", "/auth/partner-accept", "acceptPartnerInvitation", "public"],
  ["POST", "/auth/partner-token", "issuePartnerToken", "public"],
];

/** Operations whose success is a redirect, not a 2XX: a partner's public referral link. */
const REDIRECT_IDS = new Set(["followReferralLink"]);


/**
 * Operations that also accept `multipart/form-data` (a TypeSpec `@sharedRoute` pair merged into one
 * OpenAPI operation): `createSubmission` takes an ACORD 125 PDF (`file`) plus JSON `overrides`;
 */
const MULTIPART_IDS = new Set(["createSubmission"]);

/** Operations that take only `multipart/form-data`: `ingestDocument` (the `file` and its link fields). */
const MULTIPART_ONLY_IDS = new Set(["ingestDocument", "createClaimAttachment"]);

const PUBLIC_IDS = new Set(EXPECTED.filter((e) => e[3] === "public").map((e) => e[2]));

const ERROR_CODES = [
  "validation_failed",
  "invalid_idempotency_key",
  "unauthorized",
  "insufficient_scope",
  "not_found",
  "route_not_found",
  "method_not_allowed",
  "conflict",
  "idempotency_request_in_progress",
  "payload_too_large",
  "unsupported_media_type",
  "range_not_satisfiable",
  "invalid_state_transition",
  "da_limit_exceeded",
  "quote_expired",
  "idempotency_key_reused",
  "business_rule_violation",
  "self_approval",
  "submission_not_ready",
  "policy_not_in_force",
  "endorsement_required",
  "unreadable_document",
  "loss_outside_coverage",
  "limit_exceeded",
  "producer_not_authorized",
  "rate_limit_exceeded",
  "internal_error",
  "payment_provider_unavailable",
  "declined_by_rule",
  "rules_unavailable",
  "website_unreachable",
  "feature_limit_reached",
];

interface Op {
  method: string;
  path: string;
  op: Operation;
}

const operations: Op[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => HTTP_METHODS.includes(method))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);

const label = ({ method, path, op }: Op) => `${method} ${path} (${op.operationId ?? "no operationId"})`;

/** Resolves `#/components/parameters/…` references. */
function parameters(op: Operation): Parameter[] {
  return (op.parameters ?? []).map((p) => {
    if (!p.$ref) return p;
    const name = decodeURIComponent(p.$ref.replace("#/components/parameters/", ""));
    const resolved = doc.components.parameters?.[name];
    if (!resolved) throw new Error(`unresolved parameter ${p.$ref}`);
    return resolved;
  });
}

describe("OpenAPI document shape", () => {
  it("is OpenAPI 3.1 with the service metadata", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe("OpenInsure API");
    expect(doc.info.version).toBe("1.0.0");
    expect(doc.servers?.map((s) => s.url)).toContain("http://127.0.0.1:8787");
  });

  it("contains every operation of the contract, with its operationId", () => {
    const actual = operations.map((o) => `${o.method} ${o.path} ${o.op.operationId}`).sort();
    for (const [method, path, operationId] of EXPECTED) {
      expect(actual).toContain(`${method} ${path} ${operationId}`);
    }
  });

  it("gives every operation a unique operationId", () => {
    const ids = operations.map((o) => o.op.operationId);
    for (const o of operations) expect(o.op.operationId, label(o)).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares the security schemes once", () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.ApiKeyAuth).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    expect(schemes.BearerAuth).toMatchObject({ type: "http", scheme: expect.stringMatching(/^bearer$/i) });
    expect(schemes.SessionAuth).toMatchObject({ type: "http", scheme: expect.stringMatching(/^bearer$/i) });
    expect(schemes.InsuredAuth).toMatchObject({ type: "http", scheme: expect.stringMatching(/^bearer$/i) });
  });

  it("declares security on every non-public operation", () => {
    for (const o of operations) {
      const requirements = o.op.security ?? [];
      if (PUBLIC_IDS.has(o.op.operationId ?? "")) {
        // Public: no requirement, or only the empty ("anonymous") one.
        expect(requirements.every((r) => Object.keys(r).length === 0), label(o)).toBe(true);
        continue;
      }
      expect(requirements.length, label(o)).toBeGreaterThan(0);
      // Every alternative names a declared scheme; none is the anonymous `{}`.
      for (const r of requirements) {
        expect(Object.keys(r).length, label(o)).toBeGreaterThan(0);
        for (const name of Object.keys(r)) expect(doc.components.securitySchemes, label(o)).toHaveProperty(name);
      }
    }
  });

  it("accepts an API key or a bearer credential on credential routes, a session token on session routes, an insured token on portal routes", () => {
    const byId = new Map(operations.map((o) => [o.op.operationId, o]));
    for (const [, , operationId, auth] of EXPECTED) {
      const o = byId.get(operationId);
      if (!o || auth === "public") continue;
      const names = (o.op.security ?? []).flatMap((r) => Object.keys(r)).sort();
      expect(names, label(o)).toEqual(auth === "session" ? ["SessionAuth"] : auth === "insured" ? ["InsuredAuth"] : ["ApiKeyAuth", "BearerAuth"]);
    }
  });

  it("declares one error envelope with the full error vocabulary", () => {
    const envelope = doc.components.schemas.ErrorEnvelope;
    expect(envelope).toMatchObject({ type: "object", required: ["error", "message", "requestId"] });
    expect(doc.components.schemas.ErrorCode?.enum).toEqual(ERROR_CODES);
  });

  it("answers every error with the error envelope", () => {
    for (const o of operations) {
      const statuses = Object.keys(o.op.responses);
      expect(statuses.some((s) => s.startsWith("2")) || (REDIRECT_IDS.has(o.op.operationId ?? "") && statuses.includes("302")), label(o)).toBe(true);
      expect(statuses, label(o)).toContain("500");
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        const schema = o.op.responses[status]?.content?.["application/json"]?.schema;
        expect(schema?.$ref, `${label(o)} ${status}`).toBe("#/components/schemas/ErrorEnvelope");
      }
      // A 429 (declared where one can happen: see operations.test.ts) always says when to retry.
      if (o.op.responses["429"]) expect(o.op.responses["429"].headers, label(o)).toHaveProperty("Retry-After");
    }
  });

  it("documents the error statuses of authenticated operations", () => {
    for (const o of operations) {
      if (PUBLIC_IDS.has(o.op.operationId ?? "")) continue;
      const statuses = Object.keys(o.op.responses);
      expect(statuses, label(o)).toContain("401");
      // A policyholder token holds no scopes, so a portal operation has no 403 to answer.
      if (!o.path.startsWith("/auth/") && !o.path.startsWith("/v1/portal/")) expect(statuses, label(o)).toContain("403");
      if (o.path.includes("{id}")) expect(statuses, label(o)).toContain("404");
      if (o.method !== "GET") {
        for (const s of ["400", "409", "413", "415", "422"]) expect(statuses, label(o)).toContain(s);
      }
      const hasQuery = parameters(o.op).some((p) => p.in === "query");
      if (hasQuery) expect(statuses, label(o)).toContain("400");
    }
  });

  it("accepts an optional Idempotency-Key header on every write", () => {
    for (const o of operations) {
      if (!["POST", "PUT", "PATCH", "DELETE"].includes(o.method)) continue;
      const header = parameters(o.op).find((p) => p.in === "header" && p.name?.toLowerCase() === "idempotency-key");
      expect(header, label(o)).toBeDefined();
      expect(header?.required ?? false, label(o)).toBe(false);
      expect(header?.schema, label(o)).toMatchObject({ type: "string", maxLength: 255 });
    }
  });

  it("keeps path ids as plain strings (a malformed id is a 404, not a 400)", () => {
    for (const o of operations) {
      for (const p of parameters(o.op).filter((p) => p.in === "path")) {
        expect(p.schema, label(o)).toEqual({ type: "string" });
      }
    }
  });

  it("sends request bodies as application/json (plus multipart/form-data where declared)", () => {
    for (const o of operations) {
      if (!o.op.requestBody) continue;
      const id = o.op.operationId ?? "";
      const expected = MULTIPART_ONLY_IDS.has(id) ? ["multipart/form-data"] : MULTIPART_IDS.has(id) ? ["application/json", "multipart/form-data"] : ["application/json"];
      expect(Object.keys(o.op.requestBody.content ?? {}).sort(), label(o)).toEqual(expected);
    }
  });

  it("takes the ACORD 125 upload as a required binary `file` part and optional text `overrides`", () => {
    const op = doc.paths["/v1/submissions"]?.post;
    const multipart = op?.requestBody?.content?.["multipart/form-data"] as { schema?: { $ref?: string } } | undefined;
    const ref = multipart?.schema?.$ref ?? "";
    const schema = doc.components.schemas[ref.replace("#/components/schemas/", "")] as
      | { properties?: Record<string, { type?: string }>; required?: string[] }
      | undefined;
    expect(schema?.required).toEqual(["file"]);
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(["file", "overrides"]);
    expect(schema?.properties?.overrides?.type).toBe("string");
  });

  it("takes an ingest as a required binary `file` part and optional text link fields", () => {
    const multipart = doc.paths["/v1/documents/ingest"]?.post?.requestBody?.content?.["multipart/form-data"] as { schema?: { $ref?: string } } | undefined;
    const schema = doc.components.schemas[(multipart?.schema?.$ref ?? "").replace("#/components/schemas/", "")] as
      | { properties?: Record<string, { type?: string; format?: string }>; required?: string[] }
      | undefined;
    expect(schema?.required).toEqual(["file"]);
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(["claimId", "file", "policyId", "submissionId"]);
    expect(schema?.properties?.policyId?.type).toBe("string");
  });

  it("pages lists with limit/cursor/sort and a {data, nextCursor} envelope", () => {
    for (const o of operations.filter((o) => /^(list(ApiKeys|SandboxEmails|Submissions|Policies|Referrals|DaAgreements|Webhooks|WebhookDeliveries|Events|DealRooms)|getPolicyTimeline)$/.test(o.op.operationId ?? ""))) {
      const query = new Map(parameters(o.op).filter((p) => p.in === "query").map((p) => [p.name, p]));
      expect(query.get("limit")?.schema, label(o)).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 25 });
      expect(query.has("cursor"), label(o)).toBe(true);
      expect(query.has("sort"), label(o)).toBe(true);
      expect(query.has("createdAfter"), label(o)).toBe(true);
      expect(query.has("createdBefore"), label(o)).toBe(true);
      const ref = o.op.responses["200"]?.content?.["application/json"]?.schema?.$ref ?? "";
      const page = doc.components.schemas[ref.replace("#/components/schemas/", "")];
      expect(page, label(o)).toMatchObject({ type: "object", required: ["data", "nextCursor"] });
    }
    expect(doc.components.schemas.ListSort?.enum).toEqual(["-createdAt", "createdAt"]);
  });

  it("pages a deal room's history with limit and cursor only (always newest first)", () => {
    const o = operations.find((o) => o.op.operationId === "listDealRoomMessages");
    expect(o).toBeDefined();
    const query = parameters(o!.op).filter((p) => p.in === "query");
    expect(query.map((p) => p.name).sort()).toEqual(["cursor", "limit"]);
    expect(query.find((p) => p.name === "limit")?.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 25 });
    const ref = o!.op.responses["200"]?.content?.["application/json"]?.schema?.$ref ?? "";
    expect(doc.components.schemas[ref.replace("#/components/schemas/", "")]).toMatchObject({ type: "object", required: ["data", "nextCursor"] });
  });

  it("declares the deal-room WebSocket frames, discriminated by `type`", () => {
    const schemas = doc.components.schemas as Record<string, { discriminator?: { propertyName: string; mapping: Record<string, string> }; properties?: Record<string, { enum?: string[] }> }>;
    const server = schemas.DealRoomFrame;
    expect(server?.discriminator?.propertyName).toBe("type");
    expect(server?.discriminator?.mapping).toEqual({
      welcome: "#/components/schemas/WelcomeFrame",
      message: "#/components/schemas/ServerMessageFrame",
      presence: "#/components/schemas/PresenceFrame",
      error: "#/components/schemas/ErrorFrame",
    });
    for (const [type, ref] of Object.entries(server?.discriminator?.mapping ?? {})) {
      expect(schemas[ref.replace("#/components/schemas/", "")]?.properties?.type?.enum, type).toEqual([type]);
    }
    expect(schemas.DealRoomClientFrame?.discriminator?.mapping).toEqual({ message: "#/components/schemas/ClientMessageFrame" });
    expect(schemas.PresenceFrame?.properties?.event?.enum).toEqual(["join", "leave"]);
    const socketRef = doc.paths["/v1/deal-rooms/{id}/ws"]?.get?.responses["200"]?.content?.["application/json"]?.schema?.$ref;
    expect(socketRef).toBe("#/components/schemas/DealRoomSocket");
    expect(schemas.DealRoomSocket).toMatchObject({ required: ["wsUrl", "expiresAt"] });
  });

  it("lists every event type as a variant of the `Event` union, discriminated by `type`", () => {
    const schemaOf = (ref: string | undefined) => doc.components.schemas[(ref ?? "").replace("#/components/schemas/", "")];
    const event = doc.components.schemas.Event as {
      oneOf?: { $ref?: string }[];
      discriminator?: { propertyName: string; mapping: Record<string, string> };
    };
    expect(event.discriminator?.propertyName).toBe("type");
    const mapping = event.discriminator?.mapping ?? {};
    expect(Object.keys(mapping).sort()).toEqual([...EVENT_TYPES].sort());
    expect((event.oneOf ?? []).map((v) => v.$ref).sort()).toEqual(Object.values(mapping).sort());
    for (const [type, ref] of Object.entries(mapping)) {
      const variant = schemaOf(ref) as { required?: string[]; properties?: Record<string, { enum?: string[]; $ref?: string }> };
      expect(variant, type).toBeDefined();
      // The seed's envelope: {id, type, orgId, timestamp, data}, with `type` fixed to this event type.
      expect(variant.required?.slice().sort(), type).toEqual(["data", "id", "orgId", "timestamp", "type"]);
      expect(variant.properties?.type?.enum, type).toEqual([type]);
      expect(variant.properties?.id?.$ref, type).toBe("#/components/schemas/EventId");
      expect(variant.properties?.orgId?.$ref, type).toBe("#/components/schemas/OrgId");
      // `data` is a declared object model.
      expect(schemaOf(variant.properties?.data?.$ref), type).toMatchObject({ type: "object" });
    }
  });

  it("returns events as the `Event` union from getEvent and listEvents", () => {
    expect(doc.paths["/v1/events/{id}"]?.get?.responses["200"]?.content?.["application/json"]?.schema?.$ref).toBe(
      "#/components/schemas/Event",
    );
    const pageRef = doc.paths["/v1/events"]?.get?.responses["200"]?.content?.["application/json"]?.schema?.$ref ?? "";
    const page = doc.components.schemas[pageRef.replace("#/components/schemas/", "")] as { properties?: { data?: { items?: { $ref?: string } } } };
    expect(page.properties?.data?.items?.$ref).toBe("#/components/schemas/Event");
  });
});
