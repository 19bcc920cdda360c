import { describe, expect, it } from "vitest";
import { buildAcord125Pdf, CANONICAL_GL_APPLICATION } from "../underwriting/fixtures/acord125.ts";
import { call, createTenant, json } from "./harness.ts";

async function upload(apiKey: string, pdf: Uint8Array | string, overrides?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.set("file", new File([pdf], "acord125.pdf", { type: "application/pdf" }));
  if (overrides) form.set("overrides", JSON.stringify(overrides));
  const request = new Request("https://x/", { method: "POST", body: form });
  return call("POST", "/v1/submissions", {
    apiKey,
    rawBody: await request.arrayBuffer(),
    headers: { "content-type": request.headers.get("content-type")!, ...headers },
  });
}

describe("ACORD 125 intake over multipart/form-data", () => {
  it("creates a submission from a complete form, reporting each field's confidence", async () => {
    const t = await createTenant();
    const res = await upload(t.apiKey, await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }));
    expect(res.status).toBe(201);
    const sub = await json(res);
    expect(sub).toMatchObject({ insuredName: "Acme Widgets LLC", naicsCode: "332710", annualRevenue: 2500000, effectiveDate: "2027-05-01", lineOfBusiness: "GL", deductible: 2500 });
    expect(sub.intake.source).toBe("acord125");
    expect(sub.intake.missing).toEqual([]);
    const insured = sub.intake.fields.find((f: { field: string }) => f.field === "insuredName");
    expect(insured).toMatchObject({ found: true, confidence: 1, source: "NamedInsured_FullName_A" });
    // Triage is part of the submission detail.
    expect(sub.triage.score).toBeGreaterThan(0);
    const readiness = await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(readiness).toMatchObject({ submissionId: sub.id, score: sub.triage.score, ready: sub.triage.ready });
  });

  it("fills the insured's phone and mailing address from the form's named-insured block, beside its email", async () => {
    const t = await createTenant();
    const pdf = await buildAcord125Pdf({
      text: {
        ...CANONICAL_GL_APPLICATION,
        NamedInsured_Primary_PhoneNumber_A: "(503) 555-0142",
        NamedInsured_MailingAddress_LineOne_A: "400 SW Oak St",
        NamedInsured_MailingAddress_LineTwo_A: "Suite 12",
        NamedInsured_MailingAddress_CityName_A: "Portland",
        NamedInsured_MailingAddress_PostalCode_A: "97204",
      },
    });
    const res = await upload(t.apiKey, pdf);
    expect(res.status).toBe(201);
    const sub = await json(res);
    expect(sub.insured).toEqual({
      email: "risk@acme.example",
      phone: "(503) 555-0142",
      mailingAddress: { line1: "400 SW Oak St", line2: "Suite 12", city: "Portland", state: "OR", postalCode: "97204" },
    });
    expect(sub.intake.fields.find((f: { field: string }) => f.field === "insured.phone")).toMatchObject({ found: true, confidence: 1, source: "NamedInsured_Primary_PhoneNumber_A" });
    expect(sub.intake.fields.find((f: { field: string }) => f.field === "insured.mailingAddress.city")).toMatchObject({ found: true, source: "NamedInsured_MailingAddress_CityName_A" });

    // An address missing its ZIP is no address; the phone still comes through. An `insured` override replaces the form's contact.
    const partial = await buildAcord125Pdf({ text: { ...CANONICAL_GL_APPLICATION, phone: "503.555.0100", NamedInsured_MailingAddress_LineOne_A: "1 Main St", NamedInsured_MailingAddress_CityName_A: "Salem" } });
    const partialSub = await json(await upload(t.apiKey, partial));
    expect(partialSub.insured).toEqual({ email: "risk@acme.example", phone: "503.555.0100", mailingAddress: null });
    const overridden = await json(await upload(t.apiKey, pdf, { insured: { email: "risk@acme.example" } }));
    expect(overridden.insured).toEqual({ email: "risk@acme.example", phone: null, mailingAddress: null });
    expect(overridden.intake.fields.find((f: { field: string }) => f.field === "insured.phone")).toMatchObject({ found: false, source: null });
  });

  it("a retried upload with the same Idempotency-Key replays, though the client framed it with a new boundary", async () => {
    const t = await createTenant();
    const pdf = await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION });
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await upload(t.apiKey, pdf, { insuredName: "Acme Widgets LLC" }, key);
    expect(first.status).toBe(201);
    const retry = await upload(t.apiKey, pdf, { insuredName: "Acme Widgets LLC" }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await first.text());

    // Another file under the same key is a different request.
    const other = await upload(t.apiKey, await buildAcord125Pdf({ text: { ...CANONICAL_GL_APPLICATION, NamedInsured_FullName_A: "Other Co" } }), { insuredName: "Acme Widgets LLC" }, key);
    expect(other.status).toBe(422);
    expect((await json(other)).error).toBe("idempotency_key_reused");
  });

  it("names the missing fields, and overrides complete them", async () => {
    const t = await createTenant();
    const { Policy_EffectiveDate_A: _date, Applicant_NAICSCode_A: _naics, ...partial } = CANONICAL_GL_APPLICATION;
    const pdf = await buildAcord125Pdf({ text: partial });
    const missing = await upload(t.apiKey, pdf);
    expect(missing.status).toBe(400);
    const err = await json(missing);
    expect(err).toMatchObject({ error: "validation_failed", details: { rule: "required", missing: ["naicsCode", "effectiveDate"] } });

    const completed = await upload(t.apiKey, pdf, { naicsCode: "236220", effectiveDate: "2027-06-01" });
    expect(completed.status).toBe(201);
    const sub = await json(completed);
    expect(sub).toMatchObject({ naicsCode: "236220", effectiveDate: "2027-06-01" });
    expect(sub.intake.fields.find((f: { field: string }) => f.field === "naicsCode")).toMatchObject({ found: true, source: "overrides" });
  });

  it("refuses what is not a PDF, bad overrides, and multipart where only JSON is accepted", async () => {
    const t = await createTenant();
    const notPdf = await upload(t.apiKey, "hello, not a pdf");
    expect(notPdf.status).toBe(400);
    expect((await json(notPdf)).details).toMatchObject({ field: "file" });
    const badOverride = await upload(t.apiKey, await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }), { state: "ZZ" });
    expect(badOverride.status).toBe(400);
    expect((await json(badOverride)).details.field).toBe("state");
    const form = new Request("https://x/", { method: "POST", body: (() => { const f = new FormData(); f.set("a", "b"); return f; })() });
    const elsewhere = await call("POST", "/v1/referrals", { apiKey: t.apiKey, rawBody: await form.arrayBuffer(), headers: { "content-type": form.headers.get("content-type")! } });
    expect(elsewhere.status).toBe(415);
  });
});
