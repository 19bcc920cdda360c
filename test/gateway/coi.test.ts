/**
 * POST /v1/coi/generate through the gateway: underwriting's refusals before anything is numbered,
 * the certificate and its PDF (downloaded through its signed link and read back), the endorsement
 * round trip for the additional-insured and waiver boxes, scope, tenancy, validation, idempotency.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { TEST_NOW, testDay, yearsAfter } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, setClock, type Tenant } from "./harness.ts";
import { bindPolicy, bindPolicyWrittenOn, glSubmission } from "./lifecycle-harness.ts";

const holder = { name: "Harbor View Properties LLC", address: { line1: "100 Main St", city: "Portland", state: "OR", postalCode: "97204" } };

const generate = (t: Tenant | string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", "/v1/coi/generate", { apiKey: typeof t === "string" ? t : t.apiKey, body, headers });

/** The PDF behind a `downloadUrl`, fetched with no other credential, as flat text. */
async function downloadText(downloadUrl: string) {
  const url = new URL(downloadUrl);
  const res = await call("GET", url.pathname + url.search);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  return (await pdfText(new Uint8Array(await res.arrayBuffer()))).text.replace(/\s+/g, " ");
}

const certificateCount = async (orgId: string) => env.DOCUMENTS_DB.prepare("SELECT COUNT(*) AS n FROM certificates WHERE org_id = ?").bind(orgId).first<number>("n");

describe("POST /v1/coi/generate", () => {
  it("answers 201 with the certificate and its document, whose PDF carries the policy, the parties and every limit", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10) }));
    const res = await generate(t, { policyId: policy.id, holder, descriptionOfOperations: "Tenant improvements, 100 Main St." });
    expect(res.status).toBe(201);
    const cert = await json(res);
    expect(cert).toMatchObject({
      number: `COI-${TEST_NOW.slice(0, 4)}-000001`,
      policyId: policy.id,
      policyNumber: policy.policyNumber,
      holder,
      descriptionOfOperations: "Tenant improvements, 100 Main St.",
      additionalInsured: false,
      waiverOfSubrogation: false,
      document: { kind: "coi", policyId: policy.id, contentType: "application/pdf" },
    });
    expect(cert.documentId).toBe(cert.document.id);
    // The same document GET /v1/documents/:id answers.
    const doc = await json(await call("GET", `/v1/documents/${cert.documentId}`, { apiKey: t.apiKey }));
    expect(doc).toMatchObject({ id: cert.documentId, sha256: cert.document.sha256, size: cert.document.size });

    const org = await json(await call("GET", `/v1/orgs/${t.orgId}`, { apiKey: t.apiKey }));
    const text = await downloadText(cert.document.downloadUrl);
    for (const expected of [
      policy.policyNumber,
      "Pacific Coast Builders",
      org.name,
      "Harbor View Properties LLC",
      "Cascade Mutual Insurance Company",
      "NAIC # 24031",
      "Each occurrence: $1,000,000",
      "Damage to rented premises (each occurrence): $100,000",
      "Medical expense (any one person): $5,000",
      "Personal and advertising injury: $1,000,000",
      "General aggregate: $2,000,000",
      "Products - completed operations aggregate: $2,000,000",
      "THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION ONLY AND CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER.",
    ]) {
      expect(text).toContain(expected);
    }

    // The second certificate is the next number and a new document.
    const second = await json(await generate(t, { policyId: policy.id, holder }));
    expect(second.number).toBe(`COI-${TEST_NOW.slice(0, 4)}-000002`);
    expect(second.documentId).not.toBe(cert.documentId);

    // document.generated committed with each certificate.
    const events = (await env.DOCUMENTS_DB.prepare("SELECT data FROM events WHERE org_id = ? AND type = 'document.generated' ORDER BY id").bind(t.orgId).all<{ data: string }>()).results;
    expect(events.map((e) => JSON.parse(e.data).certificateNumber)).toEqual([cert.number, second.number]);
  });

  it("refuses a cancelled policy (422) and issues no certificate", async () => {
    const t = await createTenant();
    const policy = await bindPolicyWrittenOn(t.orgId, t.apiKey, glSubmission({ effectiveDate: testDay(-30) }));
    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: testDay(0), method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    const res = await generate(t, { policyId: policy.id, holder });
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ error: "policy_not_in_force", details: { reason: "cancelled", cancellationEffectiveDate: testDay(0), status: "cancelled" } });
    expect(await certificateCount(t.orgId)).toBe(0);
  });

  it("refuses an expired policy and one effective more than 60 days out", async () => {
    const t = await createTenant();
    const policy = await bindPolicyWrittenOn(t.orgId, t.apiKey, glSubmission({ effectiveDate: testDay(-30) }));
    await setClock(t.orgId, { now: `${yearsAfter(testDay(-30), 1)}T12:00:00.000Z` });
    const expired = await generate(t, { policyId: policy.id, holder });
    expect(expired.status).toBe(422);
    expect(await json(expired)).toMatchObject({ error: "policy_not_in_force", details: { reason: "expired", expirationDate: yearsAfter(testDay(-30), 1) } });
    await setClock(t.orgId, { now: TEST_NOW });

    const future = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(90) }));
    const early = await generate(t, { policyId: future.id, holder });
    expect(early.status).toBe(422);
    expect(await json(early)).toMatchObject({ error: "policy_not_in_force", details: { reason: "not_yet_effective", daysUntilEffective: 90 } });
    expect(await certificateCount(t.orgId)).toBe(0);
  });

  it("refuses the additional-insured and waiver boxes until the policy is endorsed, then prints them", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(5) }));
    const ai = await generate(t, { policyId: policy.id, holder, additionalInsured: true });
    expect(ai.status).toBe(422);
    expect(await json(ai)).toMatchObject({ error: "endorsement_required", details: { endorsement: "additional_insured", holder: holder.name } });
    const waiver = await generate(t, { policyId: policy.id, holder, waiverOfSubrogation: true });
    expect(waiver.status).toBe(422);
    expect(await json(waiver)).toMatchObject({ error: "endorsement_required", details: { endorsement: "waiver_of_subrogation" } });
    expect(await certificateCount(t.orgId)).toBe(0);

    const endorsed = await call("POST", `/v1/policies/${policy.id}/endorse`, {
      apiKey: t.apiKey,
      body: { effectiveDate: testDay(5), changes: { additionalInsureds: [{ name: holder.name, address: "100 Main St, Portland, OR 97204" }], waiverOfSubrogation: true } },
    });
    expect(endorsed.status).toBe(200);
    const result = await json(endorsed);
    expect(result.policy.endorsements).toEqual({ additionalInsureds: [{ name: holder.name, address: "100 Main St, Portland, OR 97204" }], waiverOfSubrogation: true });
    // $150 for the insured plus the waiver's 2% of the rated premium (at least $250), the whole term remaining.
    const ratedCents = Math.round(policy.annualPremium * 100);
    expect(result.transaction.premiumDelta).toBe((15_000 + Math.max(Math.round((ratedCents * 200) / 10_000), 25_000)) / 100);
    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    expect(timeline.data.at(-1)).toMatchObject({ type: "endorsement", details: { endorsementCharges: { version: "ENDT-2026.1", additionalInsureds: { count: 1 }, waiverOfSubrogation: { carried: true } } } });

    const res = await generate(t, { policyId: policy.id, holder, additionalInsured: true, waiverOfSubrogation: true });
    expect(res.status).toBe(201);
    const cert = await json(res);
    expect(cert).toMatchObject({ additionalInsured: true, waiverOfSubrogation: true });
    const text = await downloadText(cert.document.downloadUrl);
    expect(text).toContain("[X] The certificate holder is an additional insured");
    expect(text).toContain("[X] Subrogation is waived in favour of the certificate holder");
  });

  it("needs coi:generate (403 without) and answers 404 for another org's policy", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(5) }));
    const narrow = await createApiKey(t.token, { scopes: ["policies:read", "documents:read"] });
    const denied = await generate(narrow.key, { policyId: policy.id, holder });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "coi:generate" } });
    const allowed = await createApiKey(t.token, { scopes: ["coi:generate"] });
    expect((await generate(allowed.key, { policyId: policy.id, holder })).status).toBe(201);

    const other = await createTenant();
    const foreign = await generate(other, { policyId: policy.id, holder });
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ error: "not_found" });
    expect(await certificateCount(other.orgId)).toBe(0);
  });

  it("validates the holder with clear errors", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(5) }));
    const cases: [Record<string, unknown>, string][] = [
      [{ policyId: policy.id }, "holder"],
      [{ policyId: policy.id, holder: { name: "  ", address: holder.address } }, "holder.name"],
      [{ policyId: policy.id, holder: { name: "x".repeat(201), address: holder.address } }, "holder.name"],
      [{ policyId: policy.id, holder: { name: "Harbor", address: { ...holder.address, postalCode: "972" } } }, "holder.address.postalCode"],
      [{ policyId: policy.id, holder: { name: "Harbor", address: { city: "Portland", state: "OR", postalCode: "97204" } } }, "holder.address.line1"],
      [{ policyId: policy.id, holder, descriptionOfOperations: "x".repeat(2001) }, "descriptionOfOperations"],
    ];
    for (const [body, field] of cases) {
      const res = await generate(t, body);
      expect(res.status, field).toBe(400);
      const error = await json(res);
      expect(error.error).toBe("validation_failed");
      expect(JSON.stringify(error.details), field).toContain(field);
    }
    expect(await certificateCount(t.orgId)).toBe(0);
  });

  it("replays a retry with the same Idempotency-Key without a second certificate or a skipped number", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(5) }));
    const key = { "idempotency-key": `coi-${crypto.randomUUID()}` };
    const first = await generate(t, { policyId: policy.id, holder }, key);
    const again = await generate(t, { policyId: policy.id, holder }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(again)).id).toBe((await json(first)).id);
    expect(await certificateCount(t.orgId)).toBe(1);
    expect((await json(await generate(t, { policyId: policy.id, holder }))).number).toBe(`COI-${TEST_NOW.slice(0, 4)}-000002`);
  });
});
