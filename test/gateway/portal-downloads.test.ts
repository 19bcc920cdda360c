/**
 * The insured's own certificate of insurance and invoice PDFs through the portal: a certificate
 * naming the insured as holder, issued on demand and the same one until the policy changes (an
 * endorsement gives a new one), invoice PDFs as the same signed download links, and another
 * insured's (or org's) policy or invoice as 404.
 */
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { realNow, testDay } from "../support/clock.ts";
import { call, createTenant, json } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";
import { bindFor, signIn, uniqueEmail } from "./portal-harness.ts";

const address = { line1: "1 Harbor Way", city: "Seattle", state: "WA", postalCode: "98101" };

/** The text of the PDF behind a portal download link, fetched with no credential. */
async function fetchLink(downloadUrl: string) {
  const url = new URL(downloadUrl);
  expect(url.pathname).toMatch(/^\/v1\/documents\/doc_[0-9A-Z]{26}\/download$/);
  const res = await call("GET", url.pathname + url.search);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  return (await pdfText(new Uint8Array(await res.arrayBuffer()))).text.replace(/\s+/g, " ");
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the insured's certificate of insurance", () => {
  it("issues a certificate naming the insured as holder, answers the same one for the same policy version, and a new one once the policy changes", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email, { insured: { email, mailingAddress: address } });
    const { token } = await signIn(email);

    const first = await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token });
    expect(first.status).toBe(200);
    const cert = await json(first);
    expect(cert).toMatchObject({ policyId: policy.id, policyNumber: policy.policyNumber, created: true });
    expect(cert.certificateNumber).toMatch(/^COI-\d{4}-\d{6}$/);
    expect(Date.parse(cert.downloadUrlExpiresAt)).toBeGreaterThan(realNow());
    const text = await fetchLink(cert.downloadUrl);
    expect(text).toContain(policy.policyNumber);
    expect(text).toContain(cert.certificateNumber);
    expect(text).toContain("1 Harbor Way");

    // Cached: the same version is the same certificate and document, nothing new numbered.
    const again = await json(await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token }));
    expect(again).toMatchObject({ documentId: cert.documentId, certificateId: cert.certificateId, certificateNumber: cert.certificateNumber, policyVersion: cert.policyVersion, created: false });

    // The org sees it as its own document: a coi of the policy.
    expect(await json(await call("GET", `/v1/documents/${cert.documentId}`, { apiKey: t.apiKey }))).toMatchObject({ id: cert.documentId, kind: "coi", policyId: policy.id });

    // An endorsement is a new version of the policy: the next request issues a new certificate.
    const endorsed = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: testDay(20), changes: { requestedLimit: 2000000 } } });
    expect(endorsed.status).toBe(200);
    const renewed = await json(await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token }));
    expect(renewed.created).toBe(true);
    expect(renewed.documentId).not.toBe(cert.documentId);
    expect(renewed.policyVersion).not.toBe(cert.policyVersion);
    expect(renewed.certificateNumber).not.toBe(cert.certificateNumber);
    expect(await fetchLink(renewed.downloadUrl)).toContain("2,000,000");
  });

  it("asks for a mailing address before issuing, then uses the one the insured set in the portal", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const { token } = await signIn(email);
    const refused = await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token });
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ error: "business_rule_violation", details: { field: "mailingAddress" } });

    expect((await call("PUT", "/v1/portal/profile", { token, body: { mailingAddress: { ...address, line1: "77 Pier Road" } } })).status).toBe(200);
    const issued = await call("GET", `/v1/portal/policies/${policy.id}/coi`, { token });
    expect(issued.status).toBe(200);
    const cert = await json(issued);
    // The refusal numbered nothing: this is the org's first certificate.
    expect(cert.certificateNumber).toMatch(/^COI-\d{4}-000001$/);
    expect(await fetchLink(cert.downloadUrl)).toContain("77 Pier Road");
  });

  it("answers 404 for another insured's policy in the same org and for another org's, and refuses an API key", async () => {
    const [t, other] = await Promise.all([createTenant(), createTenant()]);
    const email = uniqueEmail();
    await bindFor(t, email, { insured: { email, mailingAddress: address } });
    const neighbour = await bindFor(t, uniqueEmail(), { insured: { email: uniqueEmail(), mailingAddress: address } });
    const elsewhere = await bindFor(other, uniqueEmail(), { insured: { email: uniqueEmail(), mailingAddress: address } });
    const { token } = await signIn(email);
    for (const id of [neighbour.id, elsewhere.id, "pol_00000000000000000000000000"]) {
      const res = await call("GET", `/v1/portal/policies/${id}/coi`, { token });
      expect(res.status, id).toBe(404);
      expect((await json(res)).error).toBe("not_found");
    }
    expect((await call("GET", `/v1/portal/policies/${neighbour.id}/coi`, { apiKey: t.apiKey })).status).toBe(401);
  });
});

describe("the insured's invoice PDFs", () => {
  it("signs the link of the invoice's PDF, which names the invoice; another insured's invoice is 404", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insured: { email } }), "TWO_PAY");
    const other = await bindFor(t, uniqueEmail());
    const { token } = await signIn(email);
    const mine = await eventually(async () => (await json(await call("GET", "/v1/portal/invoices", { token }))).data as Record<string, any>[], (xs) => xs.length === 2 && xs.every((i) => i.documentId !== null));
    expect(mine.every((i) => i.policyId === policy.id)).toBe(true);
    const res = await call("GET", `/v1/portal/invoices/${mine[1]!.id}/download`, { token });
    expect(res.status).toBe(200);
    const link = await json(res);
    expect(link.documentId).toBe(mine[1]!.documentId);
    const text = await fetchLink(link.downloadUrl);
    expect(text).toContain(mine[1]!.number);
    expect(text).toContain(policy.policyNumber);

    const theirs = await eventually(async () => (await json(await call("GET", `/v1/invoices?policyId=${other.id}`, { apiKey: t.apiKey }))).data as Record<string, any>[], (xs) => xs.length > 0);
    const refused = await call("GET", `/v1/portal/invoices/${theirs[0]!.id}/download`, { token });
    expect(refused.status).toBe(404);
    expect(await json(refused)).toMatchObject({ error: "not_found", message: "Invoice not found" });
    expect((await call("GET", `/v1/portal/invoices/${mine[0]!.id}/download`, { apiKey: t.apiKey })).status).toBe(401);
  });
});
