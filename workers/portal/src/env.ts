import type { BillingInternalRpc, ClaimsInternalRpc, DocumentsInternalRpc, IdentityInternalRpc, ProducersInternalRpc, UnderwritingInternalRpc } from "#shared/rpc";

/** Bindings of the portal worker (workers/portal/wrangler.toml, generated from the registry, plus the JWT_SECRET secret). */
export interface PortalEnv {
  /** Sign-in codes and their sends, and insureds' profile changes. */
  PORTAL_DB: D1Database;
  /** `insuredsByEmail`, `insuredOf`, `insuredPolicies`, `insuredPolicy`: who signs in, and their policies. */
  UNDERWRITING: Service<UnderwritingInternalRpc>;
  /** `invoicesOfPolicies`: the insured's invoices. */
  BILLING: Service<BillingInternalRpc>;
  /** `openClaimCount`: the insured's open claims. */
  CLAIMS: Service<ClaimsInternalRpc>;
  /** `queueEmail` (the platform's outbox), `orgBySlug`, `orgSummary`. */
  IDENTITY: Service<IdentityInternalRpc>;
  /** `issueCertificateOnce`: the insured's own certificate, once per policy version. */
  DOCUMENTS: Service<DocumentsInternalRpc>;
  /** The feature-flag evaluator (`#shared/flags`): `portal.enabled` opens or closes the org's portal. */
  PRODUCERS: Service<ProducersInternalRpc>;
  /** HS256 key of every platform JWT; policyholder tokens are signed with it, and code hashes keyed from it. */
  JWT_SECRET: string;
  ENVIRONMENT: string;
  /**
   * Push through FCM HTTP v1 in production: the Google service account's project id, `client_email`
   * and PKCS#8 `private_key` (secrets). Without all three, production pushes are recorded as failed
   * (`push_not_configured`); development writes the sandbox push log instead and never calls FCM.
   */
  FCM_PROJECT_ID?: string;
  FCM_CLIENT_EMAIL?: string;
  FCM_PRIVATE_KEY?: string;
  /** Overrides of Google's OAuth token endpoint and FCM's API origin (tests, emulators). */
  FCM_TOKEN_URL?: string;
  FCM_API_BASE?: string;
}
