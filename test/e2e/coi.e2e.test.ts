/**
 * A certificate of insurance over the running sandbox, as an integrator gets one: bind a policy,
 * generate the certificate, download the PDF through its signed `downloadUrl` (no other credential)
 * and read its text layer in Node.
 */
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox } from "./client.ts";

describe("certificates of insurance over npm run dev", () => {
  it("generates a COI whose downloaded PDF names the policy, the insured, the holder and the limits", async () => {
    const { apiKey } = sandbox();
    const insuredName = `Pacific Coast Builders ${crypto.randomUUID().slice(0, 6)}`;
    const sub = await http("POST", "/v1/submissions", { apiKey, body: { ...quickstartSubmission(), insuredName, effectiveDate: testDay(10) } });
    expect(sub.status).toBe(201);
    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, { apiKey })).status).toBe(201);
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { apiKey, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);

    const holder = { name: "Harbor View Properties LLC", address: { line1: "100 Main St", city: "Portland", state: "OR", postalCode: "97204" } };
    const coi = await http("POST", "/v1/coi/generate", { apiKey, body: { policyId: policy.json.id, holder }, headers: { "idempotency-key": `e2e-${crypto.randomUUID()}` } });
    expect(coi.status).toBe(201);
    expect(coi.json.number).toMatch(/^COI-\d{4}-\d{6}$/);
    expect(coi.json.document).toMatchObject({ kind: "coi", policyId: policy.json.id, contentType: "application/pdf" });

    // The signed link alone fetches the bytes, from the sandbox's own origin.
    const download = await fetch(coi.json.document.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(bytes.byteLength).toBe(coi.json.document.size);
    const pdf = await getDocumentProxy(bytes);
    const text = ((await extractText(pdf, { mergePages: true })).text as string).replace(/\s+/g, " ");
    for (const expected of [
      policy.json.policyNumber,
      insuredName,
      "Harbor View Properties LLC",
      "Portland, OR 97204",
      coi.json.number,
      "Each occurrence: $1,000,000",
      "General aggregate: $2,000,000",
      "Products - completed operations aggregate: $2,000,000",
      "NAIC #",
      "CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER",
    ]) {
      expect(text).toContain(expected);
    }
  });
});
