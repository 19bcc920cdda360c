/**
 * Policy paper through the whole platform: binding and endorsing over the API writes real
 * declarations pages and MCS-90s (rendered by the documents worker), listed on the policy and
 * downloaded through their signed links, and read back from the PDFs' text layer.
 */
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { money, usDate } from "../../workers/documents/src/templates/layout.ts";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

const caSubmission = (overrides: Record<string, unknown> = {}) =>
  glSubmission({ insuredName: "Interstate Haulers", naicsCode: "484121", lineOfBusiness: "CA", vehicleCount: 12, ...overrides });

/** A document's text, downloaded the way a client does: metadata, then its signed link. */
async function textOf(t: Tenant, documentId: string) {
  const meta = await call("GET", `/v1/documents/${documentId}`, { apiKey: t.apiKey });
  expect(meta.status).toBe(200);
  const body = await json(meta);
  const url = new URL(body.downloadUrl);
  const download = await call("GET", url.pathname + url.search);
  expect(download.status).toBe(200);
  expect(download.headers.get("content-type")).toBe("application/pdf");
  return { meta: body, text: (await pdfText(new Uint8Array(await download.arrayBuffer()))).text.replace(/\s+/g, " ") };
}

const issued = (policy: Record<string, any>, kind: string) => policy.documents.filter((d: { kind: string; status: string }) => d.kind === kind && d.status === "issued");

describe("bind writes the declarations page", () => {
  it("a GL policy: its declarations PDF names the policy number, insured, period, limit, premium and producer; no MCS-90", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ deductible: 5000 }), "QUARTERLY");
    expect(policy.documents).toHaveLength(1);
    expect(policy.documents[0]).toMatchObject({ kind: "declarations", status: "issued", transactionType: "new_business", current: true, endorsementNumber: null });
    const { meta, text } = await textOf(t, policy.documents[0].documentId);
    expect(meta).toMatchObject({ kind: "declarations", policyId: policy.id, filename: `${policy.policyNumber}-declarations-1.pdf` });
    const org = await json(await call("GET", `/v1/orgs/${t.orgId}`, { apiKey: t.apiKey }));
    for (const expected of [
      "COMMON POLICY DECLARATIONS",
      policy.policyNumber,
      "Pacific Coast Builders",
      usDate(policy.effectiveDate),
      usDate(policy.expirationDate),
      "12:01 a.m. standard time",
      "Commercial General Liability",
      money(1_000_000),
      money(5_000),
      money(8_000_000),
      money(policy.writtenPremium),
      org.name,
      "QUARTERLY",
    ]) expect(text).toContain(expected);
    expect(text).not.toContain("MCS-90");

    const read = await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }));
    expect(read.documents).toEqual(policy.documents);
  });

  it("a CA policy also gets an MCS-90 at $750,000; with hazmat at $5,000,000", async () => {
    const t = await createTenant();
    const ca = await bindPolicy(t.apiKey, caSubmission());
    expect(ca.documents.map((d: { kind: string }) => d.kind)).toEqual(["declarations", "mcs90"]);
    const mcs90 = await textOf(t, issued(ca, "mcs90")[0].documentId);
    expect(mcs90.meta.kind).toBe("mcs90");
    expect(mcs90.text).toContain("Motor Carrier Act of 1980");
    expect(mcs90.text).toContain(ca.policyNumber);
    expect(mcs90.text).toContain("Interstate Haulers");
    expect(mcs90.text).toContain("$750,000");
    expect(mcs90.text).not.toContain("$5,000,000");
    expect((await textOf(t, issued(ca, "declarations")[0].documentId)).text).toContain("MCS-90");

    const hazmat = await bindPolicy(t.apiKey, caSubmission({ hazmat: true }));
    const sub = await json(await call("GET", `/v1/submissions/${hazmat.submissionId}`, { apiKey: t.apiKey }));
    expect(sub.hazmat).toBe(true);
    expect((await textOf(t, issued(hazmat, "mcs90")[0].documentId)).text).toContain("$5,000,000");
  });

  it("PROP gets a declarations page only; hazmat on a line other than CA is 400 naming the field", async () => {
    const t = await createTenant();
    const prop = await bindPolicy(t.apiKey, glSubmission({ lineOfBusiness: "PROP", propertyValues: 4_000_000 }));
    expect(prop.documents.map((d: { kind: string }) => d.kind)).toEqual(["declarations"]);
    expect((await textOf(t, prop.documents[0].documentId)).text).toContain(money(4_000_000));
    const refused = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ hazmat: true }) });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: "validation_failed", details: { field: "hazmat" } });
  });
});

describe("an endorsement re-issues the paper", () => {
  it("new declarations and MCS-90 reflecting the change; the bind's documents stay listed and downloadable", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, caSubmission());
    const res = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: "2027-06-01", changes: { requestedLimit: 2_000_000 } } });
    expect(res.status).toBe(200);
    const endorsed = (await json(res)).policy;
    expect(endorsed.documents.map((d: Record<string, unknown>) => [d.kind, d.transactionType, d.endorsementNumber, d.current])).toEqual([
      ["declarations", "new_business", null, false],
      ["mcs90", "new_business", null, false],
      ["declarations", "endorsement", 1, true],
      ["mcs90", "endorsement", 1, true],
    ]);
    const [oldDec, , newDec, newMcs90] = endorsed.documents;
    const before = await textOf(t, oldDec.documentId);
    expect(before.text).toContain(money(1_000_000));
    expect(before.text).not.toContain(money(2_000_000));
    const after = await textOf(t, newDec.documentId);
    expect(after.text).toContain(money(2_000_000));
    expect(after.text).toContain(`Reflects endorsement no. 1 effective ${usDate("2027-06-01")}`);
    expect(after.text).toContain("Limit changed to $2,000,000");
    expect(after.text).toContain(money(endorsed.writtenPremium));
    expect((await textOf(t, newMcs90.documentId)).text).toContain(usDate("2027-06-01"));
    const read = await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }));
    expect(read.documents).toEqual(endorsed.documents);
  });
});

describe("tenancy", () => {
  it("another org finds neither the policy nor its documents (404)", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, caSubmission());
    const other = await createTenant();
    for (const d of policy.documents) {
      const res = await call("GET", `/v1/documents/${d.documentId}`, { apiKey: other.apiKey });
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ error: "not_found" });
    }
    expect((await call("GET", `/v1/policies/${policy.id}`, { apiKey: other.apiKey })).status).toBe(404);
  });
});
