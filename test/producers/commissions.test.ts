/**
 * Commissions with worked numbers: a producer at 10% new business / 8% renewal on GL through new
 * business → endorsement (+) → cancellation (return) → reinstatement → renewal, each row's inputs
 * and half-up rounding, the summary rows by producer, month and line with totals equal to the sum
 * of the groups; redelivery and concurrent hand-overs write nothing twice; the statement's cursor
 * pages; a producer user's own statement only; tenancy; the summary's 400s.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { CommissionFacts, CommissionTransaction } from "#shared/rpc";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { newProducer, producersInternal, producersRpc } from "./harness.ts";

type Txn = Omit<CommissionTransaction, "transactionId"> & { transactionId?: string };

function facts(producerId: string, policy: { id: string; number: string; line?: "GL" | "PROP" | "CA"; renewal?: boolean }, txns: Txn[]): CommissionFacts {
  return {
    policyId: policy.id,
    policyNumber: policy.number,
    producerId,
    lineOfBusiness: policy.line ?? "GL",
    renewal: policy.renewal ?? false,
    transactions: txns.map((t) => ({ ...t, transactionId: t.transactionId ?? newId("txn") })),
  };
}

/** The worked book: policy A's term (new business, endorsement, cancellation, reinstatement) and its renewal B. */
function workedBook() {
  const a = { id: newId("pol"), number: "GL-2026-000001" };
  const b = { id: newId("pol"), number: "GL-2027-000001", renewal: true };
  const termA: Txn[] = [
    { transactionId: newId("txn"), seq: 1, type: "new_business", effectiveDate: "2026-12-10", premiumDeltaCents: 1_234_567, createdAt: "2026-12-01T12:00:00.000Z" },
    { transactionId: newId("txn"), seq: 2, type: "endorsement", effectiveDate: "2027-03-01", premiumDeltaCents: 100_005, createdAt: "2026-12-15T09:00:00.000Z" },
    { transactionId: newId("txn"), seq: 3, type: "cancellation", effectiveDate: "2027-04-15", premiumDeltaCents: -805_479, createdAt: "2027-01-10T10:00:00.000Z" },
    { transactionId: newId("txn"), seq: 4, type: "reinstatement", effectiveDate: "2027-04-15", premiumDeltaCents: 805_479, createdAt: "2027-01-20T10:00:00.000Z" },
  ];
  const termB: Txn[] = [{ transactionId: newId("txn"), seq: 1, type: "renewal", effectiveDate: "2027-12-10", premiumDeltaCents: 1_300_015, createdAt: "2027-11-20T10:00:00.000Z" }];
  return { a, b, termA, termB };
}

async function tenWithEight(p: Principal) {
  return newProducer(p, { commissionRates: { GL: { newBusiness: 10, renewal: 8 } } });
}

describe("commission rows", () => {
  it("records each transaction once with its inputs, rounded half-up on the magnitude to the cent", async () => {
    const p = newPrincipal();
    const producer = await tenWithEight(p);
    const { a, b, termA, termB } = workedBook();
    expect(unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, a, termA)))).toEqual({ recorded: 4 });
    expect(unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, b, termB)))).toEqual({ recorded: 1 });

    const rows = unwrap(await producersRpc.listProducerCommissions(p, producer.id, { sort: "createdAt" })).data;
    expect(rows.map((r) => [r.transactionType, r.rateKind, r.rate, r.premiumDelta, r.rounding.exact, r.commission, r.bookedOn])).toEqual([
      // 12,345.67 × 10% = 1,234.567 → 1,234.57
      ["new_business", "new_business", 10, 12_345.67, "1234.567", 1_234.57, "2026-12-01"],
      // 1,000.05 × 10% = 100.005 → 100.01 (half up)
      ["endorsement", "new_business", 10, 1_000.05, "100.005", 100.01, "2026-12-15"],
      // −8,054.79 × 10% = −805.479 → −805.48: the return reverses commission at the rate it was paid
      ["cancellation", "new_business", 10, -8_054.79, "-805.479", -805.48, "2027-01-10"],
      // the reinstatement charges the same 805.48 back
      ["reinstatement", "new_business", 10, 8_054.79, "805.479", 805.48, "2027-01-20"],
      // 13,000.15 × 8% (renewal) = 1,040.012 → 1,040.01
      ["renewal", "renewal", 8, 13_000.15, "1040.012", 1_040.01, "2027-11-20"],
    ]);
    expect(rows[0]).toMatchObject({ producerId: producer.id, policyId: a.id, policyNumber: a.number, transactionId: termA[0]!.transactionId, lineOfBusiness: "GL", effectiveDate: "2026-12-10", currency: "USD", rounding: { method: "half_up" } });
    expect(rows[0]!.id).toMatch(/^com_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("keeps the term's rate fixed when the producer's rates change after its first transaction", async () => {
    const p = newPrincipal();
    const producer = await tenWithEight(p);
    const { a, termA } = workedBook();
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, a, termA.slice(0, 1))));
    unwrap(await producersRpc.updateProducer(p, producer.id, { commissionRates: { GL: { newBusiness: 15, renewal: 12 } } }));
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, a, termA.slice(0, 2))));
    const fresh = { id: newId("pol"), number: "GL-2026-000002" };
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, fresh, [{ seq: 1, type: "new_business", effectiveDate: "2026-12-20", premiumDeltaCents: 100_000, createdAt: "2026-12-16T00:00:00.000Z" }])));
    const rows = unwrap(await producersRpc.listProducerCommissions(p, producer.id, { sort: "createdAt" })).data;
    expect(rows.map((r) => [r.policyId, r.rate, r.commission])).toEqual([
      [a.id, 10, 1_234.57],
      [a.id, 10, 100.01],
      // A term written after the change earns the new rate: 1,000.00 × 15%.
      [fresh.id, 15, 150],
    ]);
  });

  it("earns 0% on a line without a rate, and still counts the written premium", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p, { commissionRates: { GL: { newBusiness: 10, renewal: 8 } } });
    const policy = { id: newId("pol"), number: "PROP-2026-000001", line: "PROP" as const };
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, policy, [{ seq: 1, type: "new_business", effectiveDate: "2026-12-20", premiumDeltaCents: 500_000, createdAt: "2026-12-05T00:00:00.000Z" }])));
    const [row] = unwrap(await producersRpc.listProducerCommissions(p, producer.id)).data;
    expect(row).toMatchObject({ lineOfBusiness: "PROP", rate: 0, premiumDelta: 5_000, commission: 0, rounding: { exact: "0" } });
  });

  it("writes nothing twice: a redelivered hand-over records none, and two at once record one row between them", async () => {
    const p = newPrincipal();
    const producer = await tenWithEight(p);
    const { a, termA } = workedBook();
    const first = facts(producer.id, a, termA.slice(0, 2));
    unwrap(await producersInternal.recordCommissions(p.orgId, first));
    const before = unwrap(await producersRpc.commissionsSummary(p, { from: "2026-12", to: "2027-11", groupBy: "month" }));
    expect(before.total).toEqual({ writtenPremium: 13_345.72, commission: 1_334.58, transactionCount: 2 });
    expect(unwrap(await producersInternal.recordCommissions(p.orgId, first))).toEqual({ recorded: 0 });
    const next = facts(producer.id, a, termA.slice(0, 3));
    const both = await Promise.all([producersInternal.recordCommissions(p.orgId, next), producersInternal.recordCommissions(p.orgId, next)]);
    expect(both.map((r) => unwrap(r).recorded).sort()).toEqual([0, 1]);
    const rows = unwrap(await producersRpc.listProducerCommissions(p, producer.id)).data;
    expect(rows).toHaveLength(3);
    const after = unwrap(await producersRpc.commissionsSummary(p, { from: "2026-12", to: "2027-11", groupBy: "month" }));
    // The summary moved by the cancellation alone: 13,345.72 − 8,054.79 written, 1,334.58 − 805.48 commission.
    expect(after.total).toEqual({ writtenPremium: 5_290.93, commission: 529.1, transactionCount: 3 });
    const summed = await env.PRODUCERS_DB.prepare("SELECT sum(commission_cents) AS c, count(*) AS n FROM commissions WHERE org_id = ?").bind(p.orgId).first<{ c: number; n: number }>();
    const summary = await env.PRODUCERS_DB.prepare("SELECT sum(commission_cents) AS c, sum(transaction_count) AS n FROM commission_summaries WHERE org_id = ?").bind(p.orgId).first<{ c: number; n: number }>();
    expect(summary).toEqual(summed);
  });

  it("refuses a producer the org does not have", async () => {
    const p = newPrincipal();
    const producer = await tenWithEight(p);
    const { a, termA } = workedBook();
    expect(errorOf(await producersInternal.recordCommissions(newId("org"), facts(producer.id, a, termA))).code).toBe("not_found");
  });
});

describe("the commissions summary", () => {
  async function book(p: Principal) {
    const first = await tenWithEight(p);
    const second = await newProducer(p, { name: "Harbor Brokerage", commissionRates: { GL: { newBusiness: 12, renewal: 9 } } });
    const { a, b, termA, termB } = workedBook();
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(first.id, a, termA)));
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(first.id, b, termB)));
    const prop = { id: newId("pol"), number: "PROP-2027-000001", line: "PROP" as const };
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(second.id, prop, [{ seq: 1, type: "new_business", effectiveDate: "2027-02-01", premiumDeltaCents: 500_000, createdAt: "2027-01-05T00:00:00.000Z" }])));
    return { first, second };
  }

  it("sums written premium and commission per producer, month and line, with totals equal to the sum of the groups", async () => {
    const p = newPrincipal();
    const { first, second } = await book(p);
    const range = { from: "2026-12", to: "2027-11" };
    // Written: 12,345.67 + 1,000.05 − 8,054.79 + 8,054.79 + 13,000.15 = 26,345.87 for the first
    // producer; commission 1,234.57 + 100.01 − 805.48 + 805.48 + 1,040.01 = 2,374.59.
    const byProducer = unwrap(await producersRpc.commissionsSummary(p, { ...range, groupBy: "producer" }));
    expect(byProducer).toMatchObject({ orgId: p.orgId, from: "2026-12", to: "2027-11", groupBy: "producer", currency: "USD" });
    expect(byProducer.groups).toEqual(
      [
        { key: first.id, producerName: first.name, writtenPremium: 26_345.87, commission: 2_374.59, transactionCount: 5 },
        { key: second.id, producerName: "Harbor Brokerage", writtenPremium: 5_000, commission: 0, transactionCount: 1 },
      ].sort((x, y) => (x.key < y.key ? -1 : 1)),
    );
    expect(byProducer.total).toEqual({ writtenPremium: 31_345.87, commission: 2_374.59, transactionCount: 6 });

    const byMonth = unwrap(await producersRpc.commissionsSummary(p, { ...range, groupBy: "month" }));
    expect(byMonth.groups).toEqual([
      // 12,345.67 + 1,000.05; 1,234.57 + 100.01
      { key: "2026-12", writtenPremium: 13_345.72, commission: 1_334.58, transactionCount: 2 },
      // the cancellation and its reinstatement cancel out; the PROP policy earns nothing
      { key: "2027-01", writtenPremium: 5_000, commission: 0, transactionCount: 3 },
      { key: "2027-11", writtenPremium: 13_000.15, commission: 1_040.01, transactionCount: 1 },
    ]);
    const byLine = unwrap(await producersRpc.commissionsSummary(p, { ...range, groupBy: "line" }));
    expect(byLine.groups).toEqual([
      { key: "GL", writtenPremium: 26_345.87, commission: 2_374.59, transactionCount: 5 },
      { key: "PROP", writtenPremium: 5_000, commission: 0, transactionCount: 1 },
    ]);
    for (const summary of [byProducer, byMonth, byLine]) {
      const cents = (n: number) => Math.round(n * 100);
      expect(summary.groups.reduce((s, g) => s + cents(g.commission), 0)).toBe(cents(summary.total.commission));
      expect(summary.groups.reduce((s, g) => s + cents(g.writtenPremium), 0)).toBe(cents(summary.total.writtenPremium));
      expect(summary.total).toEqual(byProducer.total);
    }
  });

  it("counts only the months asked, and defaults to the twelve months up to the org's current one", async () => {
    const p = newPrincipal();
    await book(p);
    const december = unwrap(await producersRpc.commissionsSummary(p, { from: "2026-12", to: "2026-12", groupBy: "month" }));
    expect(december.groups.map((g) => g.key)).toEqual(["2026-12"]);
    expect(december.total).toEqual({ writtenPremium: 13_345.72, commission: 1_334.58, transactionCount: 2 });
    // The test calendar's today is 2026-12-01: the default range is 2026-01 to 2026-12.
    const standing = unwrap(await producersRpc.commissionsSummary(p));
    expect(standing).toMatchObject({ from: "2026-01", to: "2026-12", groupBy: "producer" });
    expect(standing.total.transactionCount).toBe(2);
  });

  it.each([
    ["a malformed month", { from: "2027-13" }, "from", "month"],
    ["from after to", { from: "2027-02", to: "2027-01" }, "from", "range"],
    ["more than 36 months", { from: "2024-01", to: "2027-01" }, "to", "max_range"],
    ["an unknown grouping", { groupBy: "agent" }, "groupBy", "enum"],
  ])("refuses %s with a 400 naming the field", async (_label, query, field, rule) => {
    const p = newPrincipal();
    const error = errorOf(await producersRpc.commissionsSummary(p, query as never));
    expect(error).toMatchObject({ code: "validation_failed", details: { field, rule } });
  });

  it("shows another org nothing, and a producer user only their own figures", async () => {
    const p = newPrincipal();
    const { first, second } = await book(p);
    const range = { from: "2026-12", to: "2027-11" } as const;
    const stranger = unwrap(await producersRpc.commissionsSummary(newPrincipal(), range));
    expect(stranger.groups).toEqual([]);
    expect(stranger.total).toEqual({ writtenPremium: 0, commission: 0, transactionCount: 0 });
    const seller = newPrincipal(p.orgId, { kind: "user", role: "producer", producerId: second.id });
    const own = unwrap(await producersRpc.commissionsSummary(seller, range));
    expect(own.groups.map((g) => g.key)).toEqual([second.id]);
    expect(own.groups.map((g) => g.key)).not.toContain(first.id);
  });
});

describe("a producer's statement", () => {
  it("pages newest first with a cursor", async () => {
    const p = newPrincipal();
    const producer = await tenWithEight(p);
    const { a, b, termA, termB } = workedBook();
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, a, termA)));
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(producer.id, b, termB)));
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = unwrap(await producersRpc.listProducerCommissions(p, producer.id, { limit: 2, ...(cursor ? { cursor } : {}) }));
      sizes.push(page.data.length);
      seen.push(...page.data.map((r) => r.transactionType));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(["renewal", "reinstatement", "cancellation", "endorsement", "new_business"]);
    expect(errorOf(await producersRpc.listProducerCommissions(p, producer.id, { cursor: "garbage" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });

  it("is another org's 404, and a producer user's own only (another producer's is 404)", async () => {
    const p = newPrincipal();
    const mine = await tenWithEight(p);
    const theirs = await tenWithEight(p);
    const { a, termA } = workedBook();
    unwrap(await producersInternal.recordCommissions(p.orgId, facts(mine.id, a, termA)));
    expect(errorOf(await producersRpc.listProducerCommissions(newPrincipal(), mine.id)).code).toBe("not_found");
    const seller = newPrincipal(p.orgId, { kind: "user", role: "producer", producerId: mine.id });
    expect(unwrap(await producersRpc.listProducerCommissions(seller, mine.id)).data).toHaveLength(4);
    expect(errorOf(await producersRpc.listProducerCommissions(seller, theirs.id)).code).toBe("not_found");
    const unlinked = newPrincipal(p.orgId, { kind: "user", role: "producer", producerId: "" });
    expect(errorOf(await producersRpc.listProducerCommissions(unlinked, mine.id)).code).toBe("not_found");
  });
});
