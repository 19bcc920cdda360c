/**
 * The policyholder portal over the running sandbox, as an insured's app uses it: a policy bound
 * for their email, a sign-in code read from the sandbox email log, the policyholder token, the home
 * screen, a document downloaded through its signed link with the policy number in its text; and
 * the boundary both ways (an API key cannot open the portal, the insured token cannot read /v1/policies).
 */
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { realNow, testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("the policyholder portal over npm run dev", () => {
  it("signs an insured in by emailed code and serves their home and documents", async () => {
    const { apiKey, apiSecret } = sandbox();
    const email = `portal-e2e-${crypto.randomUUID().slice(0, 10)}@example.com`;
    const sub = await http("POST", "/v1/submissions", { apiKey, body: { ...quickstartSubmission(), effectiveDate: testDay(10), insured: { email, phone: "+1 503 555 0100" } } });
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

    expect((await http("GET", "/v1/portal/home", { apiKey })).status).toBe(401);
    expect((await http("GET", "/v1/policies", { token })).status).toBe(401);
  });
});
