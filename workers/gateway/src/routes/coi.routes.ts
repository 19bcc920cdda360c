import { ok } from "#shared/errors";
import { issueDownloadUrl } from "../document-downloads.ts";
import { route } from "../http/route.ts";

/**
 * Certificates of insurance, orchestrated synchronously (the caller waits for the PDF): underwriting
 * says what the certificate may state about the policy (in force, endorsements, the ACORD 25 facts),
 * identity names the producer (the org), and the documents worker renders, numbers and stores it.
 * Underwriting's refusals (`policy_not_in_force`, `endorsement_required`, another org's policy as
 * 404) are answered before anything is rendered or numbered.
 */
export const coiRoutes = [
  route("generateCertificate", async ({ env, principal, input, c }) => {
    const body = input.body;
    const [facts, org] = await Promise.all([
      env.UNDERWRITING.certificateFacts(principal, body.policyId, {
        holderName: body.holder.name,
        additionalInsured: body.additionalInsured ?? false,
        waiverOfSubrogation: body.waiverOfSubrogation ?? false,
      }),
      env.IDENTITY.getOrg(principal, principal.orgId),
    ]);
    if (!facts.ok) return facts;
    if (!org.ok) return org;
    const certificate = await env.DOCUMENTS.generateCertificate(principal, {
      facts: facts.value,
      producer: { name: org.value.name, orgId: org.value.id, slug: org.value.slug },
      holder: body.holder,
      ...(body.descriptionOfOperations !== undefined ? { descriptionOfOperations: body.descriptionOfOperations } : {}),
    });
    if (!certificate.ok) return certificate;
    const document = { ...certificate.value.document, ...(await issueDownloadUrl(c, principal.orgId, certificate.value.document.id)) };
    return ok({ ...certificate.value, document });
  }),
];
