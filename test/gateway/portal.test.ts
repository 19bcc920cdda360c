/**
 * The portal's reads and the insured's own changes: only the policies linked to the signed-in
 * insured (another insured's, in the same org or another, is 404), their documents and MCS-90 as the
 * same signed download links, and a profile whose phone and mailing address alone can change.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pdfText } from "../../workers/documents/src/pdf/text.ts";
import { realNow, testDay, TEST_NOW } from "../support/clock.ts";
import { call, createTenant, json, setClock } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";
import { bindFor, codeEmails, exchangeCode, requestCode, signIn, uniqueEmail, waitForCodes } from "./portal-harness.ts";

const caSubmission = (email: string) => ({ insured: { email }, ...glSubmission({ insuredName: "Interstate Haulers", naicsCode: "484121", lineOfBusiness: "CA", vehicleCount: 12, effectiveDate: testDay(10) }) });

/** The bytes behind a portal download link, fetched with no credential, as a browser would. */
async function fetchLink(downloadUrl: string) {
  const url = new URL(downloadUrl);
  expect(url.pathname).toMatch(/^\/v1\/documents\/doc_[0-9A-Z]{26}\/download$/);
  const res = await call("GET", url.pathname + url.search);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  return (await pdfText(new Uint8Array(await res.arrayBuffer()))).text.replace(/\s+/g, " ");
}

describe("the insured's policies", () => {
  it("lists only the insured's own policies, newest first, with coverages, dates and installments", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const first = await bindFor(t, email);
    const second = await bindFor(t, email, { requestedLimit: 2000000 });
    const neighbour = await bindFor(t, uniqueEmail());
    const { token } = await signIn(email);
    const list = await json(await call("GET", "/v1/portal/policies", { token }));
    expect(list.data.map((p: { id: string }) => p.id)).toEqual([second.id, first.id]);
    const detail = await call("GET", `/v1/portal/policies/${second.id}`, { token });
    expect(detail.status).toBe(200);
    const policy = await json(detail);
    expect(policy).toMatchObject({ id: second.id, policyNumber: second.policyNumber, limit: 2000000, effectiveDate: testDay(10), insuredId: first.insuredId });
    expect(policy.installments).toEqual(second.installments);
    // Another insured of the same org: 404, not 403.
    const theirs = await call("GET", `/v1/portal/policies/${neighbour.id}`, { token });
    expect(theirs.status).toBe(404);
    expect((await json(theirs)).error).toBe("not_found");
    expect((await call("GET", "/v1/portal/policies/pol_00000000000000000000000000", { token })).status).toBe(404);
  });

  it("does not see another org's policy for the same email", async () => {
    const [a, b] = await Promise.all([createTenant(), createTenant()]);
    const email = uniqueEmail();
    await bindFor(a, email);
    const inB = await bindFor(b, email);
    const slug = (await json(await call("GET", `/v1/orgs/${a.orgId}`, { token: a.token }))).slug;
    expect((await requestCode(email, { orgSlug: slug })).status).toBe(202);
    const [sent] = await waitForCodes(email);
    const { token, orgId } = await json(await exchangeCode(email, sent!.code));
    expect(orgId).toBe(a.orgId);
    expect((await call("GET", `/v1/portal/policies/${inB.id}`, { token })).status).toBe(404);
    const docs = (await json(await call("GET", "/v1/portal/documents", { token }))).data;
    expect(docs.every((d: { policyId: string }) => d.policyId !== inB.id)).toBe(true);
    for (const d of (await json(await call("GET", `/v1/policies/${inB.id}`, { apiKey: b.apiKey }))).documents) {
      expect((await call("GET", `/v1/portal/documents/${d.documentId}/download`, { token })).status).toBe(404);
    }
  });
});

describe("documents and the MCS-90", () => {
  it("lists the insured's policy paper and signs the same download links, whose PDF names the policy", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const other = await bindFor(t, uniqueEmail());
    const { token } = await signIn(email);
    const docs = (await json(await call("GET", "/v1/portal/documents", { token }))).data;
    expect(docs).toEqual([expect.objectContaining({ documentId: policy.documents[0].documentId, policyId: policy.id, policyNumber: policy.policyNumber, kind: "declarations", current: true })]);
    const link = await call("GET", `/v1/portal/documents/${docs[0].documentId}/download`, { token });
    expect(link.status).toBe(200);
    const body = await json(link);
    expect(body.documentId).toBe(docs[0].documentId);
    expect(Date.parse(body.downloadUrlExpiresAt)).toBeGreaterThan(realNow());
    expect(await fetchLink(body.downloadUrl)).toContain(policy.policyNumber);
    expect((await call("GET", `/v1/portal/documents/${other.documents[0].documentId}/download`, { token })).status).toBe(404);
    // A GL policy has no MCS-90.
    const none = await call("GET", `/v1/portal/policies/${policy.id}/mcs90`, { token });
    expect(none.status).toBe(404);
  });

  it("hands a commercial auto policy's MCS-90 as a signed link; another insured's policy is 404", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: caSubmission(email) }));
    expect((await call("POST", `/v1/submissions/${sub.id}/quote`, { apiKey: t.apiKey })).status).toBe(201);
    const policy = await json(await call("POST", `/v1/submissions/${sub.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } }));
    const theirs = await bindFor(t, uniqueEmail());
    const { token } = await signIn(email);
    const res = await call("GET", `/v1/portal/policies/${policy.id}/mcs90`, { token });
    expect(res.status).toBe(200);
    const link = await json(res);
    const mcs90 = policy.documents.find((d: { kind: string }) => d.kind === "mcs90");
    expect(link.documentId).toBe(mcs90.documentId);
    expect(await fetchLink(link.downloadUrl)).toContain("MCS-90");
    expect((await call("GET", `/v1/portal/policies/${theirs.id}/mcs90`, { token })).status).toBe(404);
  });
});

describe("the profile", () => {
  const address = { line1: "1 Harbor Way", city: "Seattle", state: "WA", postalCode: "98101" };

  it("shows the insured's contact and changes only the phone and mailing address, without touching underwriting's record", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email, { insured: { email, phone: "503-555-0100" } });
    const { token } = await signIn(email);
    const profile = await json(await call("GET", "/v1/portal/profile", { token }));
    expect(profile).toMatchObject({ id: policy.insuredId, name: "Pacific Coast Builders", email, phone: "503-555-0100", mailingAddress: null });

    const put = await call("PUT", "/v1/portal/profile", { token, body: { mailingAddress: address } });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ phone: "503-555-0100", mailingAddress: address });
    const cleared = await json(await call("PUT", "/v1/portal/profile", { token, body: { phone: null } }));
    expect(cleared).toMatchObject({ phone: null, mailingAddress: address });
    expect(await json(await call("GET", "/v1/portal/profile", { token }))).toMatchObject({ phone: null, mailingAddress: address, email });
    // Underwriting's insured keeps what the submission said; the changes are the portal's own.
    expect(await json(await call("GET", `/v1/insureds/${policy.insuredId}`, { apiKey: t.apiKey }))).toMatchObject({ phone: "503-555-0100", mailingAddress: null });
  });

  it("refuses email, name and anything else with 400 naming the field, and a malformed phone or address", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    await bindFor(t, email);
    const { token } = await signIn(email);
    for (const [body, field] of [
      [{ email: uniqueEmail() }, "email"],
      [{ name: "Someone Else" }, "name"],
      [{ phone: "call me" }, "phone"],
      [{ mailingAddress: { ...address, state: "Washington" } }, "mailingAddress.state"],
      [{ mailingAddress: { ...address, country: "US" } }, "mailingAddress.country"],
    ] as const) {
      const res = await call("PUT", "/v1/portal/profile", { token, body });
      expect(res.status, field).toBe(400);
      expect(JSON.stringify((await json(res)).details), field).toContain(field);
    }
    expect((await json(await call("GET", "/v1/portal/profile", { token }))).phone).toBeNull();
  });
});

/** Poll `read` until `done` holds (billing invoices from the bind's events, on its queue), or fail after 20 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`not reached in time: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("invoices and the home screen", () => {
  it("lists the invoices of the insured's policies only, and one invoice; another insured's is 404", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insured: { email } }), "QUARTERLY");
    const other = await bindFor(t, uniqueEmail());
    const { token } = await signIn(email);
    // Settled: the four installments, each with its PDF (issued after the invoice, asynchronously).
    const mine = await eventually(async () => (await json(await call("GET", "/v1/portal/invoices", { token }))).data as Record<string, any>[], (xs) => xs.length === 4 && xs.every((i) => i.documentId !== null));
    expect(mine.every((i) => i.policyId === policy.id)).toBe(true);
    expect(mine.map((i) => i.dueDate)).toEqual(policy.installments.map((i: { dueDate: string }) => i.dueDate));
    const one = await call("GET", `/v1/portal/invoices/${mine[1]!.id}`, { token });
    expect(one.status).toBe(200);
    expect(await json(one)).toEqual(mine[1]);
    const theirs = await eventually(async () => (await json(await call("GET", `/v1/invoices?policyId=${other.id}`, { apiKey: t.apiKey }))).data as Record<string, any>[], (xs) => xs.length > 0);
    expect((await call("GET", `/v1/portal/invoices/${theirs[0]!.id}`, { token })).status).toBe(404);
  });

  it("shows policies in force, the next payment due with its amount, open claims and the latest documents", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insured: { email } }), "QUARTERLY");
    await bindFor(t, uniqueEmail());
    const { token, insuredId } = await signIn(email);
    const invoices = await eventually(async () => (await json(await call("GET", "/v1/portal/invoices", { token }))).data as Record<string, any>[], (xs) => xs.length === 4);
    // A loss during the term opens a claim on the policy.
    await setClock(t.orgId, { now: `${testDay(20)}T12:00:00.000Z` });
    try {
      const claim = await call("POST", "/v1/claims", {
        apiKey: t.apiKey,
        body: { policyId: policy.id, lossDate: testDay(19), description: "Visitor slipped on site", causeOfLoss: "slip_and_fall", claimant: { name: "Avery Chen" }, lossLocation: { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" } },
      });
      expect(claim.status).toBe(201);
    } finally {
      await setClock(t.orgId, { now: TEST_NOW });
    }
    const home = await call("GET", "/v1/portal/home", { token });
    expect(home.status).toBe(200);
    const body = await json(home);
    expect(body.insured).toEqual({ id: insuredId, name: "Pacific Coast Builders", email });
    expect(body.activePolicies).toEqual([{ id: policy.id, policyNumber: policy.policyNumber, lineOfBusiness: "GL", status: "active", effectiveDate: testDay(10), expirationDate: policy.expirationDate }]);
    expect(body.nextPayment).toEqual({ invoiceId: invoices[0]!.id, number: invoices[0]!.number, policyId: policy.id, policyNumber: policy.policyNumber, dueDate: invoices[0]!.dueDate, amountDue: invoices[0]!.amountDue, currency: "USD", overdue: false });
    expect(body.nextPayment.amountDue).toBeGreaterThan(0);
    expect(body.openClaims).toBe(1);
    expect(body.latestDocuments.map((d: { documentId: string }) => d.documentId)).toEqual([policy.documents[0].documentId]);
  });
});

describe("push tokens", () => {
  it("registers a device once (a repeat keeps its id), keeps ten per insured dropping the least recently seen, and refuses bad ones", async () => {
    const t = await createTenant();
    const email = uniqueEmail();
    const policy = await bindFor(t, email);
    const { token } = await signIn(email);
    const register = (body: unknown) => call("POST", "/v1/portal/push-tokens", { token, body });
    const first = await register({ platform: "ios", token: "apns-device-0" });
    expect(first.status).toBe(201);
    const registered = await json(first);
    expect(registered).toMatchObject({ id: expect.stringMatching(/^ptk_/), platform: "ios" });
    expect(JSON.stringify(registered)).not.toContain("apns-device-0");
    await new Promise((r) => setTimeout(r, 5));
    const again = await register({ platform: "ios", token: "apns-device-0" });
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe(registered.id);

    for (let i = 1; i <= 10; i++) {
      await new Promise((r) => setTimeout(r, 2));
      expect((await register({ platform: i % 2 ? "android" : "web", token: `device-${i}` })).status).toBe(201);
    }
    const kept = await env.PORTAL_DB.prepare("SELECT token FROM push_tokens WHERE insured_id = ?1 ORDER BY last_seen_at").bind(policy.insuredId).all<{ token: string }>();
    expect(kept.results.map((r) => r.token)).toEqual(Array.from({ length: 10 }, (_, i) => `device-${i + 1}`));

    for (const [body, field] of [
      [{ platform: "blackberry", token: "x" }, "platform"],
      [{ platform: "web", token: "x".repeat(4097) }, "token"],
      [{ platform: "web", token: "é".repeat(2049) }, "token"],
      [{ platform: "web" }, "token"],
      [{ platform: "web", token: "x", extra: 1 }, "extra"],
    ] as const) {
      const res = await register(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(JSON.stringify((await json(res)).details)).toContain(field);
    }
  });
});

describe("the flag portal.enabled", () => {
  it("closes the org's portal on its next request: no new codes, no tokens from old ones, its insureds' tokens refused (401); DELETE opens it again", async () => {
    const t = await createTenant();
    const [signedIn, waiting, later] = [uniqueEmail(), uniqueEmail(), uniqueEmail()];
    for (const email of [signedIn, waiting, later]) await bindFor(t, email);
    const { token } = await signIn(signedIn);
    expect((await call("GET", "/v1/portal/home", { token })).status).toBe(200);
    // A code sent while the portal was open, not yet used.
    expect((await requestCode(waiting)).status).toBe(202);
    const [pending] = await waitForCodes(waiting);

    expect((await call("PUT", "/v1/flags/portal.enabled", { token: t.token, body: { value: false } })).status).toBe(200);
    const closed = await call("GET", "/v1/portal/home", { token });
    expect(closed.status).toBe(401);
    expect(await json(closed)).toMatchObject({ error: "unauthorized", message: "The policyholder portal is not enabled for this organisation" });
    expect((await call("GET", "/v1/portal/policies", { token })).status).toBe(401);
    expect((await exchangeCode(waiting, pending!.code)).status).toBe(401);
    // The same 202 as for anyone, and no code goes out.
    const asked = await requestCode(later);
    expect(asked.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(await codeEmails(later)).toEqual([]);

    expect((await call("DELETE", "/v1/flags/portal.enabled", { token: t.token })).status).toBe(200);
    expect((await call("GET", "/v1/portal/home", { token })).status).toBe(200);
    // The refusal spent one attempt but not the code: once the portal is open again it signs in.
    expect((await exchangeCode(waiting, pending!.code)).status).toBe(200);
  });
});
