import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, quickstartSubmission, sandbox, waitFor } from "./client.ts";
import { TEST_NOW } from "../support/clock.ts";

// The seed's verification snippet, unchanged.
function verifyWebhook(rawBody: string, signature: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(rawBody).digest("hex");
  return timingSafeEqual(Buffer.from(signature), Buffer.from(`sha256=${expected}`));
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver on 127.0.0.1 that answers 500 to the first `failures` attempts of each event, then 200. */
function receiver(failures: number) {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const status = n <= failures ? 500 : 200;
      received.push({ headers: req.headers, body, answered: status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try again");
    });
  });
  return { server, received };
}

describe("webhooks over the local sandbox", () => {
  const { server, received } = receiver(2);
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/openinsure`;
  });
  afterAll(() => server.close());

  it("a bind reaches a loopback receiver, is retried after two 500s with one webhook-id, and both signatures verify", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Webhooks" } });
    // On the test calendar, so the quickstart's effective date never becomes backdated cover.
    await http("POST", "/v1/sandbox/clock", { token: apiSecret, headers: { "x-org-id": org.json.id }, body: { now: TEST_NOW } });
    const demo = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } });
    const token = demo.json.token;
    const endpoint = await http("POST", "/v1/webhooks", { token, body: { url, events: ["policy.bound"] } });
    expect(endpoint.status).toBe(201);
    const secret: string = endpoint.json.secret;
    expect(secret).toMatch(/^whsec_/);

    const sub = await http("POST", "/v1/submissions", { token, body: quickstartSubmission() });
    await http("POST", `/v1/submissions/${sub.json.id}/quote`, { token });
    const policy = await http("POST", `/v1/submissions/${sub.json.id}/bind`, { token, body: { installmentPlan: "PIF" } });
    expect(policy.status).toBe(201);

    const attempts = await waitFor(() => {
      const forPolicy = received.filter((r) => r.body.includes(policy.json.id));
      return forPolicy.some((r) => r.answered === 200) ? forPolicy : undefined;
    });
    expect(attempts.map((a) => a.answered)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((a) => a.headers["webhook-id"])).size).toBe(1);
    const last = attempts[2]!;
    const envelope = JSON.parse(last.body);
    expect(envelope).toMatchObject({ type: "policy.bound", orgId: org.json.id, data: { policyId: policy.json.id, policyNumber: policy.json.policyNumber } });
    expect(envelope.id).toBe(last.headers["webhook-id"]);
    expect(last.headers["x-openinsure-event"]).toBe("policy.bound");
    expect(verifyWebhook(last.body, String(last.headers["x-openinsure-signature"]), secret)).toBe(true);
    expect(() =>
      new Webhook(secret).verify(last.body, {
        "webhook-id": String(last.headers["webhook-id"]),
        "webhook-timestamp": String(last.headers["webhook-timestamp"]),
        "webhook-signature": String(last.headers["webhook-signature"]),
      }),
    ).not.toThrow();

    const deliveries = await http("GET", `/v1/webhooks/${endpoint.json.id}/deliveries`, { token });
    expect(deliveries.status).toBe(200);
    const delivery = deliveries.json.data.find((d: { eventId: string }) => d.eventId === envelope.id);
    expect(delivery.status).toBe("succeeded");
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);

    const event = await http("GET", `/v1/events/${envelope.id}`, { token });
    expect(event.json).toMatchObject({ id: envelope.id, type: "policy.bound" });
  });

  it("POST /v1/webhooks/:id/test sends a signed webhook.test and logs it", async () => {
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Webhook Test" } });
    const { json: demo } = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } });
    const endpoint = await http("POST", "/v1/webhooks", { token: demo.token, body: { url, events: ["*"] } });
    const before = received.length;
    const test = await http("POST", `/v1/webhooks/${endpoint.json.id}/test`, { token: demo.token });
    expect(test.status).toBe(200);
    const got = await waitFor(() => received.slice(before).find((r) => r.headers["x-openinsure-event"] === "webhook.test"));
    expect(verifyWebhook(got.body, String(got.headers["x-openinsure-signature"]), endpoint.json.secret)).toBe(true);
    const deliveries = await http("GET", `/v1/webhooks/${endpoint.json.id}/deliveries`, { token: demo.token });
    expect(deliveries.json.data.some((d: { eventType: string }) => d.eventType === "webhook.test")).toBe(true);
  });
});
