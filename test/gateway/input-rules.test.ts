/**
 * The input rules at the door (issue 10 §2), case by case: each hostile input the review sent, and
 * what the platform must answer instead of storing it. The property test
 * (hostile-bodies.property.test.ts) sends generated bodies to every write route; these are the worked cases.
 */
import { describe, expect, it } from "vitest";
import { buildAcord125Pdf, CANONICAL_GL_APPLICATION } from "../underwriting/fixtures/acord125.ts";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json, quickstartSubmission, setClock } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

type Envelope = { error: string; message: string; requestId: string; details: { field: string; rule: string; issues?: { field: string; rule: string }[] } };

async function refused(res: Response, status = 400) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as Envelope;
}

const submit = (apiKey: string, body: unknown, headers: Record<string, string> = {}) => call("POST", "/v1/submissions", { apiKey, body, headers });

describe("input is judged at the door", () => {
  it.each([
    ["a blank insured name is missing", { insuredName: "   " }, "insuredName", "required"],
    ["$10 trillion of revenue is above the maximum", { annualRevenue: 10_000_000_000_000 }, "annualRevenue", "too_big"],
    ["revenue just above 1,000,000,000.00", { annualRevenue: 1_000_000_000.01 }, "annualRevenue", "too_big"],
    ["three decimals are never rounded", { annualRevenue: 8054.795 }, "annualRevenue", "money_precision"],
    ["a float artefact is not two decimals", { deductible: 0.1 + 0.2 }, "deductible", "money_precision"],
    ["an effective date in 2999", { effectiveDate: "2999-01-01" }, "effectiveDate", "coverage_window"],
    ["an effective date 61 days back", { effectiveDate: testDay(-61) }, "effectiveDate", "coverage_window"],
    ["an effective date 19 months ahead", { effectiveDate: testDay(580) }, "effectiveDate", "coverage_window"],
    ["a deductible five times the limit", { deductible: 5_000_000 }, "deductible", "deductible_below_limit"],
    ["a deductible equal to the limit", { deductible: 1_000_000 }, "deductible", "deductible_below_limit"],
    ["a NUL in the name", { insuredName: "Pacific\u0000Coast" }, "insuredName", "control_character"],
    ["a right-to-left override in the name", { insuredName: "Pacific \u202Eredliub" }, "insuredName", "bidi_control"],
    ["a bidi isolate in the notes", { notes: "see \u2067attached\u2069" }, "notes", "bidi_control"],
    ["a C1 control in the notes", { notes: "next\u0085line" }, "notes", "control_character"],
    ["a line break in the name", { insuredName: "Pacific\nCoast" }, "insuredName", "control_character"],
    ["a lone surrogate", { insuredName: "Pacific \uD800" }, "insuredName", "unicode"],
    ["a misspelt field", { deductable: 2500 }, "deductable", "unknown_field"],
    ["a misspelt field inside a list", { priorLosses: [{ year: 2024, amount: 100, amonut: 5 }] }, "priorLosses.0.amonut", "unknown_field"],
    ["a prior loss in a future year", { priorLosses: [{ year: 2030, amount: 100 }] }, "priorLosses.0.year", "year_range"],
    ["years in business beyond any company", { yearsInBusiness: 5000 }, "yearsInBusiness", "too_big"],
    ["an insured name longer than 200 characters", { insuredName: "x".repeat(201) }, "insuredName", "too_big"],
  ])("%s: 400 naming the field and rule", async (_, change, field, rule) => {
    const t = await createTenant();
    const err = await refused(await submit(t.apiKey, { ...quickstartSubmission(), ...change }));
    expect(err.error).toBe("validation_failed");
    expect(err.requestId).toMatch(/^req_/);
    const issues = [{ field: err.details.field, rule: err.details.rule }, ...(err.details.issues ?? [])];
    expect(issues).toContainEqual({ field, rule });
    if (rule === "unknown_field") expect(err.message).toBe(`Received unknown parameter: ${field}`);
    // Nothing was stored.
    expect((await json(await call("GET", "/v1/submissions", { apiKey: t.apiKey }))).data).toEqual([]);
  });

  it("trims strings, keeps free text's line breaks, and stores money to the cent as sent", async () => {
    const t = await createTenant();
    const res = await submit(t.apiKey, { ...quickstartSubmission(), insuredName: "  Pacific Coast Builders  ", notes: "line one\n\tline two", deductible: 2500.05, annualRevenue: 1_000_000_000 });
    expect(res.status).toBe(201);
    const created = await json(res);
    const back = await json(await call("GET", `/v1/submissions/${created.id}`, { apiKey: t.apiKey }));
    expect(back).toMatchObject({ insuredName: "Pacific Coast Builders", notes: "line one\n\tline two", deductible: 2500.05, annualRevenue: 1_000_000_000 });
  });

  it("a blank optional field is missing, not stored as an empty string", async () => {
    const t = await createTenant();
    const created = await json(await submit(t.apiKey, { ...quickstartSubmission(), notes: "   ", producerId: "" }));
    expect(created).toMatchObject({ notes: null, producerId: null });
  });

  it("coverage dates run from 60 days back to 18 months ahead on the org's sandbox clock, and the window moves with it", async () => {
    const t = await createTenant();
    const status = async (effectiveDate: string) => (await submit(t.apiKey, { ...quickstartSubmission(), effectiveDate })).status;
    // Today is 2026-12-01 on the test calendar.
    expect([await status("2026-10-02"), await status("2028-06-01")]).toEqual([201, 201]);
    expect([await status("2026-10-01"), await status("2028-06-02")]).toEqual([400, 400]);
    await setClock(t.orgId, { advanceDays: 30 }); // 2026-12-31
    expect([await status("2026-10-02"), await status("2028-06-30")]).toEqual([400, 201]);
  });

  it("an endorsement is held to the same rules: unknown nested fields, money, dates, deductible below the limit", async () => {
    const t = await createTenant();
    const pol = "pol_01JAAAAAAAAAAAAAAAAAAAAAAA";
    const endorse = (body: unknown) => call("POST", `/v1/policies/${pol}/endorse`, { apiKey: t.apiKey, body });
    const nested = await refused(await endorse({ effectiveDate: testDay(30), changes: { deductable: 5000 } }));
    expect(nested.message).toBe("Received unknown parameter: changes.deductable");
    expect((await refused(await endorse({ effectiveDate: testDay(30), changes: { requestedLimit: 1e13 } }))).details.field).toBe("changes.requestedLimit");
    expect((await refused(await endorse({ effectiveDate: "2999-01-01", changes: { deductible: 10 } }))).details).toMatchObject({ field: "effectiveDate", rule: "coverage_window" });
    expect((await refused(await endorse({ effectiveDate: testDay(30), changes: { deductible: 500, requestedLimit: 100 } }))).details).toMatchObject({ field: "changes.deductible", rule: "deductible_below_limit" });
    expect((await refused(await endorse({ effectiveDate: testDay(30), changes: { insuredName: "\u202Eevil" } }))).details).toMatchObject({ field: "changes.insuredName", rule: "bidi_control" });
  });

  it("an endorsement's deductible stays below the limit the policy will have, judged by the worker against the policy", async () => {
    const t = await createTenant();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(0), deductible: 5000 }));
    const endorse = (changes: Record<string, unknown>) => call("POST", `/v1/policies/${policy.id}/endorse?preview=true`, { apiKey: t.apiKey, body: { effectiveDate: testDay(30), changes } });
    // The body alone breaks nothing: the limit it is held against is the policy's 1,000,000.
    expect((await refused(await endorse({ deductible: 1_000_000 }))).details).toMatchObject({ field: "changes.deductible", rule: "deductible_below_limit" });
    expect((await refused(await endorse({ requestedLimit: 5000 }))).details).toMatchObject({ field: "changes.requestedLimit", rule: "deductible_below_limit" });
    expect((await endorse({ deductible: 10_000 })).status).toBe(200);
  });

  it("only application/json (optionally charset=utf-8, any case) is JSON", async () => {
    const t = await createTenant();
    const body = JSON.stringify(quickstartSubmission());
    const send = (type: string) => call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: body, headers: { "content-type": type } });
    for (const ok of ["application/json", "Application/JSON", "application/json; charset=utf-8", "application/json;charset=UTF-8"]) {
      expect((await send(ok)).status, ok).toBe(201);
    }
    for (const bad of ["text/plain", "application/json; charset=latin1", "application/vnd.api+json", "application/jsonx", "application/x-www-form-urlencoded"]) {
      const err = await refused(await send(bad), 415);
      expect(err.error, bad).toBe("unsupported_media_type");
      expect(err.details.field).toBe("Content-Type");
    }
  });

  it("multipart/form-data without a boundary is told it needs one", async () => {
    const t = await createTenant();
    const err = await refused(await call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: "--x\r\n", headers: { "content-type": "multipart/form-data" } }), 415);
    expect(err).toMatchObject({ error: "unsupported_media_type", details: { field: "Content-Type", rule: "boundary" } });
    expect(err.message).toMatch(/boundary/);
  });

  it("ACORD overrides and the values read from the PDF meet the same rules", async () => {
    const t = await createTenant();
    const upload = async (text: Record<string, string>, overrides?: Record<string, unknown>) => {
      const form = new FormData();
      form.set("file", new File([await buildAcord125Pdf({ text })], "acord125.pdf", { type: "application/pdf" }));
      if (overrides) form.set("overrides", JSON.stringify(overrides));
      const request = new Request("https://x/", { method: "POST", body: form });
      return call("POST", "/v1/submissions", { apiKey: t.apiKey, rawBody: await request.arrayBuffer(), headers: { "content-type": request.headers.get("content-type")! } });
    };
    const typo = await refused(await upload(CANONICAL_GL_APPLICATION, { deductable: 100 }));
    expect(typo.details).toMatchObject({ field: "deductable", rule: "unknown_field" });
    const rlo = await refused(await upload(CANONICAL_GL_APPLICATION, { insuredName: "Acme \u202Eevil" }));
    expect(rlo.details).toMatchObject({ field: "insuredName", rule: "bidi_control" });
    // What the PDF itself says: an effective date in 2999, a deductible five times the limit.
    const far = await refused(await upload({ ...CANONICAL_GL_APPLICATION, Policy_EffectiveDate_A: "2999-01-01" }));
    expect(far.details).toMatchObject({ field: "effectiveDate", rule: "coverage_window" });
    const deductible = await refused(await upload({ ...CANONICAL_GL_APPLICATION, CommercialPolicy_DeductibleAmount_A: "5000000" }));
    expect(deductible.details).toMatchObject({ field: "deductible", rule: "deductible_below_limit" });
    const huge = await refused(await upload({ ...CANONICAL_GL_APPLICATION, CommercialPolicy_AnnualRevenue: "10000000000000" }));
    expect(huge.details).toMatchObject({ field: "annualRevenue", rule: "money_max" });
    expect((await json(await call("GET", "/v1/submissions", { apiKey: t.apiKey }))).data).toEqual([]);
  });
});
