import { describe, expect, it } from "vitest";
import { realIso, testInstant } from "../support/clock.ts";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

describe("every list filters by createdAfter / createdBefore", () => {
  it("api keys, webhooks, deal rooms, submissions, referrals and agreements", async () => {
    const t = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission() }));
    await call("POST", "/v1/webhooks", { apiKey: t.apiKey, body: { url: "http://127.0.0.1:9/x", events: ["*"] } });
    await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Room" } });
    await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "check" } });
    await call("POST", "/v1/da-agreements", { apiKey: t.apiKey, body: { carrier: "C", program: "P", maxLimitPerRisk: 1000000, states: ["OR"], naicsPrefixes: ["23"], aggregateCap: 100000 } });
    // Keys, webhooks and rooms are stamped in real time; submissions, referrals and agreements by the
    // org's clock (the test calendar). The bounds lie an hour outside both.
    const hour = 3_600_000;
    const [early] = [realIso(-hour), testInstant(-hour)].sort();
    const [, late] = [realIso(hour), testInstant(hour)].sort();
    const past = encodeURIComponent(early!);
    const future = encodeURIComponent(late!);
    for (const list of ["/v1/api-keys", "/v1/webhooks", "/v1/deal-rooms", "/v1/submissions", "/v1/referrals", "/v1/da-agreements"]) {
      const all = await json(await call("GET", `${list}?createdAfter=${past}`, { apiKey: t.apiKey }));
      expect(all.data.length, list).toBeGreaterThan(0);
      expect((await json(await call("GET", `${list}?createdAfter=${future}`, { apiKey: t.apiKey }))).data, list).toEqual([]);
      expect((await json(await call("GET", `${list}?createdBefore=${past}`, { apiKey: t.apiKey }))).data, list).toEqual([]);
    }
  });
});
