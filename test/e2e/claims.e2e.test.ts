/**
 * A claim over the running sandbox, as an integrator and an adjuster work one: bind a GL policy
 * (limit 1,000,000, deductible 5,000), file the loss, reserve, pay, investigate, settle, accept,
 * attach the adjuster's report and close; a webhook receiver on loopback gets every claim event of
 * that claim, in the order they happened, each signed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDay, TEST_NOW, TEST_TODAY } from "../support/clock.ts";
import { http, quickstartSubmission, sandbox, waitFor } from "./client.ts";

const verify = (body: string, signature: string, secret: string) =>
  timingSafeEqual(Buffer.from(signature), Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`));

describe("a claim from FNOL to closed over npm run dev", () => {
  const received: { body: string; signature: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ body, signature: String(req.headers["x-openinsure-signature"]) });
      res.writeHead(200).end("ok");
    });
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/claims`;
  });
  afterAll(() => server.close());

  it("files, reserves, pays, settles net of the deductible and closes, the numbers reconciling and the events arriving in order", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Claims" } });
    expect(org.status).toBe(201);
    const orgId: string = org.json.id;
    const clock = (now: string) => http("POST", "/v1/sandbox/clock", { token: apiSecret, headers: { "x-org-id": orgId }, body: { now } });
    const token: string = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId } })).json.token;

    const endpoint = await http("POST", "/v1/webhooks", { token, body: { url, events: ["claim.*"] } });
    expect(endpoint.status).toBe(201);

    // A policy in force for a month: written on its effective date, then back to the test calendar.
    const effectiveDate = testDay(-30);
    await clock(`${effectiveDate}T12:00:00.000Z`);
    const sub = await http("POST", "/v1/submissions", { token, body: { ...quickstartSubmission(), effectiveDate, deductible: 5_000 } });
    expect(sub.status).toBe(201);
    expect((await http("POST", `/v1/submissions/${sub.json.id}/quote`, { token })).status).toBe(201);
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { token, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);
    expect(policy.json).toMatchObject({ limit: 1_000_000, deductible: 5_000 });
    await clock(TEST_NOW);

    const post = (path: string, body?: unknown) => http("POST", path, { token, body, headers: { "idempotency-key": `e2e-${crypto.randomUUID()}` } });
    const figures = (c: any) => [c.indemnity.paid, c.indemnity.outstanding, c.expense.paid, c.expense.outstanding, c.total.incurred];

    const fnol = {
      policyId: policy.json.id,
      lossDate: testDay(-3),
      description: "A visitor tripped over a hose on the job site",
      causeOfLoss: "slip_and_fall",
      lossLocation: { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" },
      claimant: { name: "Avery Chen", email: "avery@example.com" },
    };
    // Before the policy began, there was no cover: refused with the dates that decided it.
    const early = await post("/v1/claims", { ...fnol, lossDate: testDay(-40) });
    expect(early.status).toBe(422);
    expect(early.json).toMatchObject({ error: "loss_outside_coverage", details: { lossDate: testDay(-40), effectiveDate } });

    const filed = await post("/v1/claims", fnol);
    expect(filed.status, filed.text).toBe(201);
    const claimId: string = filed.json.id;
    expect(filed.json.claimNumber).toMatch(new RegExp(`^CLM-${testDay(-3).slice(0, 4)}-\\d{6}$`));
    expect(figures(filed.json)).toEqual([0, 0, 0, 0, 0]);

    // The same loss again is a duplicate, naming the claim it duplicates.
    const dup = await post("/v1/claims", { ...fnol, lossLocation: { ...fnol.lossLocation, line1: "  400 sw oak st " } });
    expect(dup.status).toBe(409);
    expect(dup.json.details.existingClaimId).toBe(claimId);

    const steps: [string, unknown, number[]][] = [
      [`/v1/claims/${claimId}/reserves`, { indemnity: 40_000, expense: 5_000, reason: "initial assessment" }, [0, 40_000, 0, 5_000, 45_000]],
      [`/v1/claims/${claimId}/payments`, { costType: "expense", amount: 1_200, payee: "Rapid Adjusting LLC" }, [0, 40_000, 1_200, 3_800, 45_000]],
      [`/v1/claims/${claimId}/reserves`, { indemnity: 120_000, reason: "medical bills" }, [0, 120_000, 1_200, 3_800, 125_000]],
    ];
    for (const [path, body, expected] of steps) {
      const res = await post(path, body);
      expect(res.status, res.text).toBeLessThan(300);
      expect(figures(res.json.claim), path).toEqual(expected);
    }
    expect((await post(`/v1/claims/${claimId}/investigate`, { notes: "statement taken on site" })).json.status).toBe("investigating");

    const offer = await post(`/v1/claims/${claimId}/settle`, { amount: 90_000, payee: "Avery Chen" });
    expect(offer.status).toBe(201);
    expect(offer.json.settlement).toMatchObject({ status: "offered", netAmount: 85_000 });
    const accepted = await post(`/v1/claims/${claimId}/settlements/${offer.json.settlement.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.json.claim.status).toBe("settled");
    expect(figures(accepted.json.claim)).toEqual([85_000, 0, 1_200, 3_800, 90_000]);

    // The adjuster's report, uploaded as multipart and downloaded through its signed link.
    const report = new TextEncoder().encode("Adjuster's report: settled with the claimant for $90,000 less the deductible.\n");
    const form = new FormData();
    form.append("file", new Blob([report], { type: "text/plain" }), "report.txt");
    const upload = await fetch(`${sandbox().baseUrl}/v1/claims/${claimId}/attachments`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(201);
    const attachments = await http("GET", `/v1/claims/${claimId}/attachments`, { token });
    expect(attachments.json.data).toHaveLength(1);
    const download = await fetch(attachments.json.data[0].downloadUrl);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(report);

    const closed = await post(`/v1/claims/${claimId}/close`, { reason: "file complete" });
    expect(closed.status).toBe(200);
    expect(closed.json.status).toBe("closed");
    expect(figures(closed.json)).toEqual([85_000, 0, 1_200, 0, 86_200]);

    const detail = await http("GET", `/v1/claims/${claimId}`, { token });
    expect(detail.json.activity.at(-1)).toMatchObject({ type: "closed" });
    expect(detail.json.payments.map((p: any) => [p.costType, p.amount])).toEqual([["expense", 1_200], ["indemnity", 85_000]]);

    // Every claim event of this claim reached the receiver, signed, in the order they happened.
    const expected = ["claim.filed", "claim.reserved", "claim.payment_issued", "claim.reserved", "claim.investigation_started", "claim.payment_issued", "claim.settled", "claim.closed"];
    const mine = () => received.map((r) => ({ ...r, event: JSON.parse(r.body) })).filter((r) => r.event.data?.claimId === claimId);
    const got = await waitFor(() => (mine().length >= expected.length ? mine() : undefined), 60_000);
    expect(got.map((r) => r.event.type)).toEqual(expected);
    for (const r of got) expect(verify(r.body, r.signature, endpoint.json.secret)).toBe(true);
    const times = got.map((r) => Date.parse(r.event.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // The loss ratio on the portfolio, as of today: the claim's incurred over the earned premium.
    const portfolio = await http("GET", `/v1/analytics/${orgId}/portfolio?asOf=${TEST_TODAY}`, { token });
    expect(portfolio.status).toBe(200);
    expect(portfolio.json.claims).toMatchObject({ count: 1, incurred: 86_200 });
    expect(portfolio.json.lossRatio.incurred).toBe(86_200);
    expect(portfolio.json.lossRatio.value).toBeCloseTo(86_200 / portfolio.json.lossRatio.earnedPremium, 4);
  });
});
