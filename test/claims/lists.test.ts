/**
 * The claim list (keyset pages, filters) and the loss summary portfolio analytics reads, which is
 * honest as of a past date: it counts what had happened by the end of that day, from the stamps of
 * the reserve transactions, payments and activity.
 */
import { describe, expect, it } from "vitest";
import { testClockOffsetMs, testDay, TEST_NOW } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, fnol, registerPolicy } from "./harness.ts";
import type { Principal } from "#shared/auth";

const on = (p: Principal, day: string): Principal => ({ ...p, clockOffsetMs: testClockOffsetMs(`${day}T12:00:00.000Z`) });
const at = (i: number) => ({ line1: `${i} Harbor Way`, city: "Portland", state: "OR", postalCode: "97201" });

describe("listClaims", () => {
  it("pages newest first with a cursor and filters by status, policy, loss dates and creation time", async () => {
    const p = newPrincipal();
    const a = await registerPolicy(p);
    const b = await registerPolicy(p);
    const claims = [];
    for (let i = 0; i < 5; i++) claims.push(unwrap(await claimsRpc.createClaim(p, fnol(i < 3 ? a.policyId : b.policyId, { lossDate: testDay(-10 + i), lossLocation: at(i) }))));
    unwrap(await claimsRpc.investigateClaim(p, claims[0]!.id, {}));

    const first = unwrap(await claimsRpc.listClaims(p, { limit: 2 }));
    expect(first.data.map((c) => c.id)).toEqual([claims[4]!.id, claims[3]!.id]);
    const second = unwrap(await claimsRpc.listClaims(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second.data.map((c) => c.id)).toEqual([claims[2]!.id, claims[1]!.id]);
    const oldestFirst = unwrap(await claimsRpc.listClaims(p, { sort: "createdAt", limit: 1 }));
    expect(oldestFirst.data[0]!.id).toBe(claims[0]!.id);

    expect(unwrap(await claimsRpc.listClaims(p, { status: "investigating" })).data.map((c) => c.id)).toEqual([claims[0]!.id]);
    expect(unwrap(await claimsRpc.listClaims(p, { policyId: b.policyId })).data.map((c) => c.id)).toEqual([claims[4]!.id, claims[3]!.id]);
    expect(unwrap(await claimsRpc.listClaims(p, { lossDateFrom: testDay(-9), lossDateTo: testDay(-8) })).data.map((c) => c.id)).toEqual([claims[2]!.id, claims[1]!.id]);
    expect(unwrap(await claimsRpc.listClaims(p, { createdAfter: claims[3]!.createdAt })).data.map((c) => c.id)).toEqual([claims[4]!.id, claims[3]!.id]);
    expect(unwrap(await claimsRpc.listClaims(p, { createdBefore: claims[0]!.createdAt })).data.map((c) => c.id)).toEqual([claims[0]!.id]);
    expect(errorOf(await claimsRpc.listClaims(p, { cursor: "garbage" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });
});

describe("lossSummary", () => {
  it("reports counts, paid, outstanding and incurred per cost type as they stood at the end of each day", async () => {
    const p = newPrincipal();
    const policy = await registerPolicy(p, { effectiveDate: testDay(-60) });
    // Day -20: filed, reserved 10,000 / 2,000. Day -15: paid 500 expense. Day -5: a second claim, denied the same day.
    const day1 = on(p, testDay(-20));
    const first = unwrap(await claimsRpc.createClaim(day1, fnol(policy.policyId, { lossDate: testDay(-21) })));
    unwrap(await claimsRpc.setReserves(day1, first.id, { indemnity: 10_000, expense: 2_000, reason: "estimate" }));
    unwrap(await claimsRpc.createPayment(on(p, testDay(-15)), first.id, { costType: "expense", amount: 500, payee: "x" }));
    const day3 = on(p, testDay(-5));
    const second = unwrap(await claimsRpc.createClaim(day3, fnol(policy.policyId, { lossDate: testDay(-6), lossLocation: at(9) })));
    unwrap(await claimsRpc.setReserves(day3, second.id, { indemnity: 3_000, reason: "estimate" }));
    unwrap(await claimsRpc.denyClaim(day3, second.id, { reason: "late notice" }));

    const asOf = (day: string) => claimsRpc.lossSummary(p, day);
    expect(unwrap(await asOf(testDay(-21)))).toEqual({ asOf: testDay(-21), count: 0, open: 0, indemnity: { paid: 0, outstanding: 0, incurred: 0 }, expense: { paid: 0, outstanding: 0, incurred: 0 }, incurred: 0 });
    expect(unwrap(await asOf(testDay(-20)))).toMatchObject({ count: 1, open: 1, indemnity: { paid: 0, outstanding: 10_000, incurred: 10_000 }, expense: { paid: 0, outstanding: 2_000, incurred: 2_000 }, incurred: 12_000 });
    expect(unwrap(await asOf(testDay(-15)))).toMatchObject({ count: 1, open: 1, expense: { paid: 500, outstanding: 1_500, incurred: 2_000 }, incurred: 12_000 });
    expect(unwrap(await asOf(testDay(-5)))).toMatchObject({ count: 2, open: 1, indemnity: { paid: 0, outstanding: 10_000 }, incurred: 12_000 });
    // The principal's org only.
    expect(unwrap(await claimsRpc.lossSummary(p, TEST_NOW.slice(0, 10)))).toMatchObject({ count: 2, incurred: 12_000 });
    expect(unwrap(await claimsRpc.lossSummary(newPrincipal(), TEST_NOW.slice(0, 10)))).toMatchObject({ count: 0, incurred: 0 });
    expect(errorOf(await asOf("2026-02-30"))).toMatchObject({ code: "validation_failed", details: { field: "asOf" } });

  });
});
