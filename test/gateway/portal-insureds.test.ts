/**
 * Insureds: a submission names its insured's contact, a bind links the policy to the org's insured
 * with that email (created once per org and normalised email, whatever the retries and races), one
 * insured holds several policies, and the org reads and corrects them (PATCH moves portal access).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";
import { bindFor, uniqueEmail } from "./portal-harness.ts";

const address = { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" };

describe("insureds", () => {
  it("a submission keeps the insured's contact, normalised, and the bind links the policy to a new insured", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const sub = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(10), insured: { email: `  ${email.toUpperCase()} `, phone: "+1 503 555 0100", mailingAddress: address } }) });
    expect(sub.status).toBe(201);
    const submission = await json(sub);
    expect(submission.insured).toEqual({ email, phone: "+1 503 555 0100", mailingAddress: address });
    expect(submission.insuredEmail).toBe(email);

    expect((await call("POST", `/v1/submissions/${submission.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    const bound = await json(await call("POST", `/v1/submissions/${submission.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }));
    expect(bound.insuredId).toMatch(/^ins_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect((await json(await call("GET", `/v1/policies/${bound.id}`, { apiKey: t.apiKey }))).insuredId).toBe(bound.insuredId);

    const insured = await call("GET", `/v1/insureds/${bound.insuredId}`, { apiKey: t.apiKey });
    expect(insured.status).toBe(200);
    expect(await json(insured)).toMatchObject({ id: bound.insuredId, name: "Pacific Coast Builders", email, phone: "+1 503 555 0100", mailingAddress: address, policyIds: [bound.id] });
  });

  it("one insured holds every policy bound for the same email, in any case; another org's is another insured", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const email = uniqueEmail();
    const first = await bindFor(t, email);
    // The older insuredEmail alone links too, and fills in the phone the insured lacked.
    const second = await bindFor(t, email, { insuredEmail: email.toUpperCase(), insured: { email, phone: "503-555-0199" } });
    const elsewhere = await bindFor(other, email);
    expect(second.insuredId).toBe(first.insuredId);
    expect(elsewhere.insuredId).not.toBe(first.insuredId);

    const insured = await json(await call("GET", `/v1/insureds/${first.insuredId}`, { apiKey: t.apiKey }));
    expect(insured.policyIds).toEqual([first.id, second.id]);
    expect(insured.phone).toBe("503-555-0199");
    expect((await call("GET", `/v1/insureds/${first.insuredId}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await call("GET", `/v1/insureds/${elsewhere.insuredId}`, { apiKey: t.apiKey })).status).toBe(404);
  });

  it("a policy without an insured email links to no insured", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(10) }) }));
    expect(sub.insured).toBeNull();
    await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey });
    const bound = await json(await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }));
    expect(bound.insuredId).toBeNull();
  });

  it("binds racing for one new email meet on one insured, and a retried bind adds nothing", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const subs = await Promise.all(
      [0, 1, 2].map(async () => {
        const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(10), insured: { email } }) }));
        expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
        return sub.id as string;
      }),
    );
    const bound = await Promise.all(subs.map(async (id) => json(await call("POST", `/v1/submissions/${id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }))));
    expect(new Set(bound.map((p) => p.insuredId)).size).toBe(1);
    const retried = await call("POST", `/v1/submissions/${subs[0]}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(retried.status).toBe(422);
    const rows = await env.UNDERWRITING_DB.prepare("SELECT id FROM insureds WHERE org_id = ?1 AND email = ?2").bind(t.orgId, email).all();
    expect(rows.results).toHaveLength(1);
    expect((await json(await call("GET", `/v1/insureds/${bound[0]!.insuredId}`, { apiKey: t.apiKey }))).policyIds.sort()).toEqual(bound.map((p) => p.id).sort());
  });

  it("a renewal's bind links the renewal policy to the same insured", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email, { insured: { email, phone: "503-555-0100" } });
    const renewal = await call("POST", `/v1/policies/${policy.id}/renew`, { apiKey: t.apiKey });
    expect(renewal.status).toBe(201);
    const { submission } = await json(renewal);
    expect(submission.insured).toEqual({ email, phone: "503-555-0100", mailingAddress: null });
    const renewed = await json(await call("POST", `/v1/submissions/${submission.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }));
    expect(renewed.insuredId).toBe(policy.insuredId);
  });

  it("insured.email and a different insuredEmail are refused naming the field; so is a malformed contact", async () => {
    const t = await createTenant();
    const mismatch = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insuredEmail: "a@example.com", insured: { email: "b@example.com" } }) });
    expect(mismatch.status).toBe(400);
    expect((await json(mismatch)).details).toMatchObject({ field: "insured.email" });
    const phone = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insured: { email: "c@example.com", phone: "call me" } }) });
    expect(phone.status).toBe(400);
    expect(JSON.stringify((await json(phone)).details)).toContain("insured.phone");
    const unknown = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ insured: { email: "c@example.com", fax: "1" } }) });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await json(unknown))).toContain("insured.fax");
  });

  it("PATCH corrects the email: 409 when another insured has it, 400 for a malformed one, 404 across orgs", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const a = await bindFor(t, uniqueEmail());
    const bEmail = uniqueEmail();
    await bindFor(t, bEmail);
    const fresh = uniqueEmail();
    const moved = await call("PATCH", `/v1/insureds/${a.insuredId}`, { apiKey: t.apiKey, body: { email: fresh.toUpperCase() } });
    expect(moved.status).toBe(200);
    expect((await json(moved)).email).toBe(fresh);
    const taken = await call("PATCH", `/v1/insureds/${a.insuredId}`, { apiKey: t.apiKey, body: { email: bEmail } });
    expect(taken.status).toBe(409);
    expect((await json(taken)).details).toMatchObject({ field: "email" });
    expect((await call("PATCH", `/v1/insureds/${a.insuredId}`, { apiKey: t.apiKey, body: { email: "not-an-email" } })).status).toBe(400);
    expect((await call("PATCH", `/v1/insureds/${a.insuredId}`, { apiKey: other.apiKey, body: { email: uniqueEmail() } })).status).toBe(404);
    // A later bind for the new address joins the same insured.
    expect((await bindFor(t, fresh)).insuredId).toBe(a.insuredId);
  });
});
