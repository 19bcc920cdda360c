/**
 * The policyholder portal over the running sandbox, as an insured's app uses it: a policy bound
 * for their email, a sign-in code read from the sandbox email log, the policyholder token, the home
 * screen, a document downloaded through its signed link with the policy number in its text; and
 * the boundary both ways (an API key cannot open the portal, the insured token cannot read /v1/policies);
 * the insured's own certificate of insurance (the same one until the policy changes) and its "ready"
 * push in the sandbox push log, and the invoice's PDF through its signed link.
 */
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { realNow, testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("the policyholder portal over npm run dev", () => {
  it("signs an insured in by emailed code and serves their home and documents", async () => {
    const { apiKey, apiSecret } = sandbox();
    const email = `portal-e2e-${crypto.randomUUID().slice(0, 10)}@example.com`;
    const sub = await http("POST", "/v1/submissions", { apiKey, body: { ...quickstartSubmission(), effectiveDate: testDay(10), insured: { email, phone: "+1 503 555 0100", mailingAddress: { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" } } } });
    expect(sub.status).toBe(201);
    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, { apiKey })).status).toBe(201);
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { apiKey, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);
    expect(policy.json.insuredId).toMatch(/^ins_/);

    const asked = await http("POST", "/auth/policyholder-otp-request", { body: { email } });
    expect(asked.status).toBe(202);
    const unknown = await http("POST", "/auth/policyholder-otp-request", { body: { email: `nobody-${crypto.randomUUID().slice(0, 10)}@example.com` } });
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(asked.text);

    // The code is issued after the 202: poll the sandbox email log for it.
    let code: string | undefined;
    const deadline = realNow() + 15_000;
    while (!code && realNow() < deadline) {
      const mail = await http("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}`, { token: apiSecret });
      code = (mail.json.data as { kind: string; body: string }[]).find((m) => m.kind === "policyholder_code")?.body.match(/\b(\d{6})\b/)?.[1];
      if (!code) await new Promise((r) => setTimeout(r, 200));
    }
    expect(code).toMatch(/^\d{6}$/);
    const signed = await http("POST", "/auth/policyholder-token", { body: { email, code } });
    expect(signed.status).toBe(200);
    const token = signed.json.token as string;

    const home = await http("GET", "/v1/portal/home", { token });
    expect(home.status).toBe(200);
    expect(home.json.activePolicies.map((p: { id: string }) => p.id)).toEqual([policy.json.id]);
    expect(home.json.insured).toMatchObject({ id: policy.json.insuredId, email });

    const docs = await http("GET", "/v1/portal/documents", { token });
    expect(docs.status).toBe(200);
    const declarations = docs.json.data.find((d: { kind: string }) => d.kind === "declarations");
    const link = await http("GET", `/v1/portal/documents/${declarations.documentId}/download`, { token });
    expect(link.status).toBe(200);
    const download = await fetch(link.json.downloadUrl);
    expect(download.status).toBe(200);
    const pdf = await getDocumentProxy(new Uint8Array(await download.arrayBuffer()));
    expect(((await extractText(pdf, { mergePages: true })).text as string).replace(/\s+/g, " ")).toContain(policy.json.policyNumber);

    const pdfTextOf = async (url: string) => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return ((await extractText(await getDocumentProxy(new Uint8Array(await res.arrayBuffer())), { mergePages: true })).text as string).replace(/\s+/g, " ");
    };

    // A device registered for notifications, then the insured's own certificate: its PDF names the policy and the insured's address.
    expect((await http("POST", "/v1/portal/push-tokens", { token, body: { platform: "ios", token: `apns-e2e-${crypto.randomUUID()}` } })).status).toBe(201);
    const coi = await http("GET", `/v1/portal/policies/${policy.json.id}/coi`, { token });
    expect(coi.status).toBe(200);
    expect(coi.json).toMatchObject({ policyId: policy.json.id, policyNumber: policy.json.policyNumber, created: true });
    const coiText = await pdfTextOf(coi.json.downloadUrl);
    expect(coiText).toContain(policy.json.policyNumber);
    expect(coiText).toContain(coi.json.certificateNumber);
    expect(coiText).toContain("400 SW Oak St");
    const cached = await http("GET", `/v1/portal/policies/${policy.json.id}/coi`, { token });
    expect(cached.json).toMatchObject({ documentId: coi.json.documentId, created: false });
    let ready: { kind: string; title: string }[] = [];
    const pushDeadline = realNow() + 15_000;
    while (!ready.length && realNow() < pushDeadline) {
      const log = await http("GET", `/v1/sandbox/push?insuredId=${policy.json.insuredId}`, { token: apiSecret });
      expect(log.status).toBe(200);
      ready = (log.json.data as { kind: string; title: string }[]).filter((p) => p.kind === "certificate_ready");
      if (!ready.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready.map((p) => p.title)).toEqual([`Your certificate of insurance is ready: ${coi.json.certificateNumber}`]);

    // The invoice's PDF (issued just after the invoice): its signed link, the invoice number in its text.
    let invoice: { id: string; number: string; documentId: string | null } | undefined;
    const invoiceDeadline = realNow() + 15_000;
    while (!invoice?.documentId && realNow() < invoiceDeadline) {
      invoice = (await http("GET", "/v1/portal/invoices", { token })).json.data[0];
      if (!invoice?.documentId) await new Promise((r) => setTimeout(r, 200));
    }
    const invoiceLink = await http("GET", `/v1/portal/invoices/${invoice!.id}/download`, { token });
    expect(invoiceLink.status).toBe(200);
    expect(invoiceLink.json.documentId).toBe(invoice!.documentId);
    expect(await pdfTextOf(invoiceLink.json.downloadUrl)).toContain(invoice!.number);

    expect((await http("GET", "/v1/portal/home", { apiKey })).status).toBe(401);
    expect((await http("GET", `/v1/portal/policies/${policy.json.id}/coi`, { apiKey })).status).toBe(401);
    expect((await http("GET", "/v1/policies", { token })).status).toBe(401);
  });
});
