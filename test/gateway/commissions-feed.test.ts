/**
 * The commission feed end to end, through the gateway on the real underwriting and producers
 * workers: a real bind of a submission naming a producer, and a real cancellation of that policy,
 * reach the producers worker through underwriting's outbox feed (commission-feed.ts →
 * ProducersInternal.recordCommissions) and show as commission rows in the producer's statement
 * (`GET /v1/producers/:id/commissions`) and in the commissions summary
 * (`GET /v1/analytics/:orgId/commissions`), with the worked numbers:
 *
 *   new business   $12,000.00 × 12.5%                    = $1,500.00
 *   cancellation   −$8,054.79 (pro rata, 245 of 365 days) × 12.5% = −$1,006.84875 → −$1,006.85
 *   net            written $3,945.21, commission $493.15
 */
import { describe, expect, it, vi } from "vitest";
import { TEST_NOW } from "../support/clock.ts";
import { createTenant, json, type Tenant } from "./harness.ts";
import { glSubmission, revenueForPremium } from "./lifecycle-harness.ts";
import { addUser, asUser, authorizedProducer, linkUser, send, userToken } from "./producer-users-harness.ts";

const MONTH = TEST_NOW.slice(0, 7);

/** The producer's statement once it holds `count` rows (the feed runs after the write has answered). */
async function statementOf(t: Tenant, producerId: string, count: number) {
  return vi.waitFor(
    async () => {
      const page = await json(await send("GET", t.apiKey, `/v1/producers/${producerId}/commissions`));
      if (page.data.length < count) throw new Error(`${page.data.length} of ${count} commission rows so far`);
      return page;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe("commissions fed from real underwriting transactions", () => {
  it("a bind through a producer, then its cancellation, earn $1,500.00 and −$1,006.85 in the statement and the summary", async () => {
    const t = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners", { GL: { newBusiness: 12.5, renewal: 10 } });
    const other = await authorizedProducer(t, "Harbor Insurance Group", { GL: { newBusiness: 10, renewal: 8 } });

    const sub = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId: producer.id, annualRevenue: revenueForPremium(1_200_000) })));
    expect((await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`)).status).toBe(201);
    const bound = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF" });
    expect(bound.status).toBe(201);
    const policy = await json(bound);
    expect(policy.grossPremium).toBe(12000);

    const first = await statementOf(t, producer.id, 1);
    expect(first.data).toHaveLength(1);
    expect(first.data[0]).toMatchObject({
      producerId: producer.id,
      policyId: policy.id,
      policyNumber: policy.policyNumber,
      transactionType: "new_business",
      lineOfBusiness: "GL",
      effectiveDate: "2027-01-01",
      bookedOn: TEST_NOW.slice(0, 10),
      rateKind: "new_business",
      rate: 12.5,
      premiumDelta: 12000,
      commission: 1500,
      rounding: { method: "half_up", exact: "1500" },
      currency: "USD",
    });

    const cancelled = await send("POST", t.apiKey, `/v1/policies/${policy.id}/cancel`, { effectiveDate: "2027-05-01", method: "pro_rata", reason: "insured_request" });
    expect(cancelled.status).toBe(200);
    expect((await json(cancelled)).transaction).toMatchObject({ type: "cancellation", premiumDelta: -8054.79 });

    const both = await statementOf(t, producer.id, 2);
    // Newest first: the cancellation's return at the rate the term was paid, rounded once.
    expect(both.data.map((c: { transactionType: string }) => c.transactionType)).toEqual(["cancellation", "new_business"]);
    expect(both.data[0]).toMatchObject({ rate: 12.5, rateKind: "new_business", premiumDelta: -8054.79, commission: -1006.85, rounding: { method: "half_up", exact: "-1006.84875" } });
    const timeline = await json(await send("GET", t.apiKey, `/v1/policies/${policy.id}/timeline`));
    expect(both.data.map((c: { transactionId: string }) => c.transactionId).reverse()).toEqual(timeline.data.map((x: { id: string }) => x.id));
    // The other producer sold nothing.
    expect((await json(await send("GET", t.apiKey, `/v1/producers/${other.id}/commissions`))).data).toEqual([]);

    const summary = await json(await send("GET", t.apiKey, `/v1/analytics/${t.orgId}/commissions?from=${MONTH}&to=${MONTH}&groupBy=producer`));
    expect(summary).toMatchObject({ orgId: t.orgId, from: MONTH, to: MONTH, groupBy: "producer", currency: "USD" });
    expect(summary.groups).toEqual([{ key: producer.id, producerName: "Cascade Risk Partners", writtenPremium: 3945.21, commission: 493.15, transactionCount: 2 }]);
    expect(summary.total).toEqual({ writtenPremium: 3945.21, commission: 493.15, transactionCount: 2 });
    const byLine = await json(await send("GET", t.apiKey, `/v1/analytics/${t.orgId}/commissions?from=${MONTH}&to=${MONTH}&groupBy=line`));
    expect(byLine.groups).toEqual([{ key: "GL", writtenPremium: 3945.21, commission: 493.15, transactionCount: 2 }]);
    // Booked in the org's month of TEST_NOW, whatever the transactions' effective dates: the next month is empty.
    const later = await json(await send("GET", t.apiKey, `/v1/analytics/${t.orgId}/commissions?from=2027-01&to=2027-05`));
    expect(later.total).toEqual({ writtenPremium: 0, commission: 0, transactionCount: 0 });

    // The producer's own user reads the same statement; another producer's is 404 to them.
    const seller = await addUser(t.orgId, "producer");
    expect((await linkUser(t, producer.id, seller)).status).toBe(200);
    const token = await userToken(t.orgId, seller);
    const own = await asUser("GET", token, `/v1/producers/${producer.id}/commissions`);
    expect(own.status).toBe(200);
    expect((await json(own)).data).toEqual(both.data);
    expect((await asUser("GET", token, `/v1/producers/${other.id}/commissions`)).status).toBe(404);
  });

  it("a bind with no producer earns no commission and leaves the summary at zero", async () => {
    const t = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners", { GL: { newBusiness: 12.5, renewal: 10 } });
    const sub = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission({ annualRevenue: revenueForPremium(1_200_000) })));
    await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`);
    expect((await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF" })).status).toBe(201);
    // Then one through the producer: its row is the only one the org has, the house policy's none.
    const through = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId: producer.id, annualRevenue: revenueForPremium(1_200_000) })));
    await send("POST", t.apiKey, `/v1/submissions/${through.id}/quote`);
    expect((await send("POST", t.apiKey, `/v1/submissions/${through.id}/bind`, { installmentPlan: "PIF" })).status).toBe(201);
    const page = await statementOf(t, producer.id, 1);
    expect(page.data.map((c: { premiumDelta: number; commission: number }) => [c.premiumDelta, c.commission])).toEqual([[12000, 1500]]);
    const summary = await json(await send("GET", t.apiKey, `/v1/analytics/${t.orgId}/commissions?from=${MONTH}&to=${MONTH}`));
    expect(summary.total).toEqual({ writtenPremium: 12000, commission: 1500, transactionCount: 1 });
  });
});
