/**
 * The policyholder's own certificate of insurance (`GET /v1/portal/policies/:id/coi`): the insured is
 * the holder, at their mailing address (their own change in the portal over underwriting's). It is
 * issued on demand through the documents worker's certificate issuing, once per source key
 * `portal-coi:{insuredId}:{policyId}:{policy version}:{holder hash}`: the same policy version (and the
 * same holder address) answers the same certificate; an endorsement, cancellation, reinstatement or
 * renewal changes the version, and the next request issues a new one. The documents worker enforces
 * the once (a unique source key per org), so concurrent first requests still store one certificate.
 */
import type { Principal } from "#shared/auth";
import { sha256Hex } from "#shared/crypto";
import { fail, ok, type Result } from "#shared/errors";
import type { PortalCertificateRecord } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";
import { insuredOf, profileOf } from "./portal.service.ts";

/** What the gateway needs to sign the certificate's link, and what the insured is told about it. */
export type PortalCertificate = PortalCertificateRecord;

/** The source key of an insured's certificate of one policy version, for one holder address. */
export async function certificateKey(insuredId: string, policyId: string, version: string, holder: unknown): Promise<string> {
  const holderHash = (await sha256Hex(JSON.stringify(holder))).slice(0, 16);
  return `portal-coi:${insuredId}:${policyId}:${version}:${holderHash}`;
}

/**
 * The insured's certificate for `policyId`: `not_found` for a policy not linked to them (another
 * insured's in the same org too), `policy_not_in_force` for one cancelled or expired, and
 * `business_rule_violation` when they have no mailing address to print as the holder's.
 * `onCreated` runs once a new certificate was issued (the "certificate ready" notification).
 */
export async function certificateForDownload(
  env: PortalEnv,
  principal: Principal,
  policyId: string,
  onCreated: (certificate: PortalCertificate) => void = () => undefined,
): Promise<Result<PortalCertificate>> {
  const who = insuredOf(principal);
  if (!who) return fail("unauthorized", "Missing or invalid credentials");
  const facts = await env.UNDERWRITING.insuredCertificateFacts(principal, String(policyId));
  if (!facts.ok) return facts;
  const [profile, org] = await Promise.all([profileOf(env, who), env.IDENTITY.orgSummary(who.orgId)]);
  if (!profile) return fail("unauthorized", "Missing or invalid credentials");
  if (!org) return fail("not_found", "Organisation not found");
  if (!profile.mailingAddress) {
    return fail("business_rule_violation", "Your certificate names you as its holder at your mailing address, and none is on file: add it with PUT /v1/portal/profile", {
      field: "mailingAddress",
    });
  }
  const holder = { name: facts.value.facts.insured.name, address: profile.mailingAddress };
  const sourceKey = await certificateKey(who.insuredId, facts.value.facts.policy.id, facts.value.version, holder);
  const issued = await env.DOCUMENTS.issueCertificateOnce(who.orgId, {
    sourceKey,
    issuedBy: who.insuredId,
    certificate: {
      facts: facts.value.facts,
      producer: { name: org.name, orgId: org.id, slug: org.slug },
      holder,
      descriptionOfOperations: "Certificate issued to the named insured at their request through the policyholder portal.",
    },
  });
  if (!issued.ok) return issued;
  const { certificate, created } = issued.value;
  const answer: PortalCertificate = {
    documentId: certificate.document.id,
    certificateId: certificate.id,
    certificateNumber: certificate.number,
    policyId: certificate.policyId,
    policyNumber: certificate.policyNumber,
    policyVersion: facts.value.version,
    created,
  };
  if (created) onCreated(answer);
  return ok(answer);
}
