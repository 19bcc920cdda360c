import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addYears, daysBetween, formatDate } from "../../workers/_shared/dates.ts";
import { atomically } from "../../workers/_shared/db.ts";
import { mulDivRound } from "../../workers/_shared/money.ts";
import { portfolio } from "../../workers/underwriting/src/analytics.service.ts";
import { summaryDelta, summaryStatements } from "../../workers/underwriting/src/portfolio-summary.ts";
import { policies, policyTransactions } from "../../workers/underwriting/src/schema.ts";
import { newId } from "../../workers/_shared/ids.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { TEST_NOW } from "../support/clock.ts";

/**
 * The portfolio is read from summary rows (daily increments of earned premium, portfolio-summary.ts);
 * this is the definition they must add up to, in integer cents:
 * each transaction's delta is earned evenly from its effective date to the policy's expiration,
 * rounded half-up once (a delta with no days left to run counts in full). A policy cancelled on or
 * before `asOf` has earned all it kept (see `policyEarned`).
 */
function earnedOracle(tx: { effectiveDate: string; premiumDeltaCents: number }, expirationDate: string, asOf: string): number {
  const span = daysBetween(tx.effectiveDate, expirationDate);
  if (span <= 0) return tx.premiumDeltaCents;
  const elapsed = Math.min(Math.max(daysBetween(tx.effectiveDate, asOf), 0), span);
  return mulDivRound(tx.premiumDeltaCents, elapsed, span);
}

const day = (n: number) => formatDate(new Date(Date.UTC(2026, 0, 1 + n)));
const LINES = ["GL", "PROP", "CA"] as const;
const STATES = ["CA", "OR", "WA"] as const;

const policyArb = fc.record({
  start: fc.integer({ min: 0, max: 730 }),
  line: fc.constantFrom(...LINES),
  state: fc.constantFrom(...STATES),
  // A cancellation some days after the last change, returning part of the premium (short rate or pro rata).
  cancel: fc.option(fc.record({ after: fc.integer({ min: 0, max: 60 }), returned: fc.integer({ min: 0, max: 5_000_000_000 }) }), { nil: undefined }),
  // Later transactions: offset into the term and a signed delta (returns and additional premium).
  premium: fc.integer({ min: 0, max: 5_000_000_000 }),
  changes: fc.array(fc.record({ offset: fc.integer({ min: 0, max: 366 }), delta: fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }) }), {
    maxLength: 3,
  }),
});

type BookPolicy = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;

async function seedBook(orgId: string, book: BookPolicy[]) {
  const db = drizzle(env.UNDERWRITING_DB);
  const now = TEST_NOW;
  const rows = book.map((p, i) => {
    const effectiveDate = day(p.start);
    const expirationDate = addYears(effectiveDate, 1);
    const txs = [{ effectiveDate, premiumDeltaCents: p.premium }, ...p.changes.map((c) => ({ effectiveDate: day(p.start + c.offset), premiumDeltaCents: c.delta }))];
    let cancelledOn: string | null = null;
    if (p.cancel) {
      const last = Math.max(0, ...p.changes.map((c) => c.offset));
      cancelledOn = day(p.start + Math.min(last + p.cancel.after, 364));
      txs.push({ effectiveDate: cancelledOn, premiumDeltaCents: -p.cancel.returned });
    }
    const written = txs.reduce((n, t) => n + t.premiumDeltaCents, 0);
    const id = `pol_${orgId}_${i}`;
    const status = cancelledOn ? ("cancelled" as const) : ("active" as const);
    return { id, effectiveDate, expirationDate, line: p.line, state: p.state, status, cancelledOn, written, txs };
  });
  const statements = rows.flatMap((r) => [
    db.insert(policies).values({
      id: r.id,
      orgId,
      policyNumber: `${r.line}-2026-${r.id}`,
      status: r.status,
      submissionId: `sub_${r.id}`,
      insuredName: "Property Test Co",
      lineOfBusiness: r.line,
      state: r.state,
      effectiveDate: r.effectiveDate,
      expirationDate: r.expirationDate,
      grossPremiumCents: r.txs[0]!.premiumDeltaCents,
      installmentPlan: "PIF",
      createdAt: now,
      updatedAt: now,
      quoteId: `quo_${r.id}`,
      annualPremiumCents: r.txs[0]!.premiumDeltaCents,
      writtenPremiumCents: r.written,
      limitCents: 100_000_000,
      deductibleCents: null,
      rateTableVersion: "test",
      exposure: {} as never,
      cancellation: r.cancelledOn
        ? { effectiveDate: r.cancelledOn, method: "short_rate", reason: "other", returnPremiumCents: -r.txs.at(-1)!.premiumDeltaCents, transactionId: `ptx_${r.id}` }
        : null,
      version: 1,
    }),
    ...r.txs.map((t, seq) =>
      db.insert(policyTransactions).values({
        id: `ptx_${r.id}_${seq}`,
        orgId,
        policyId: r.id,
        seq,
        type: seq === 0 ? "new_business" : "endorsement",
        effectiveDate: t.effectiveDate,
        premiumDeltaCents: t.premiumDeltaCents,
        actor: "test",
        details: {},
        createdAt: now,
      }),
    ),
    // The summary rows bind and each transaction would have written (portfolio-summary.ts).
    ...summaryStatements(orgId, summaryDelta(null, {
      lineOfBusiness: r.line,
      state: r.state,
      effectiveDate: r.effectiveDate,
      expirationDate: r.expirationDate,
      status: r.status,
      cancelledOn: r.cancelledOn,
      writtenPremiumCents: r.written,
      transactions: r.txs,
    })),
  ]);
  if (statements.length) await atomically(db, statements);
  return rows;
}

describe("portfolio analytics (property)", () => {
  it("matches the per-transaction definition of written and earned premium, by line, by state and in total", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(policyArb, { maxLength: 8 }), fc.integer({ min: -30, max: 1200 }), async (book, asOfDay) => {
        const orgId = newId("org");
        const rows = await seedBook(orgId, book);
        const asOf = day(asOfDay);
        const got = unwrap(await portfolio(drizzle(env.UNDERWRITING_DB), newPrincipal(orgId), asOf));

        const earned = (r: (typeof rows)[number]) =>
          r.cancelledOn !== null && asOf >= r.cancelledOn ? r.written : r.txs.reduce((n, t) => n + earnedOracle(t, r.expirationDate, asOf), 0);
        const sum = (rs: typeof rows) => ({
          writtenCents: rs.reduce((n, r) => n + r.written, 0),
          earnedCents: rs.reduce((n, r) => n + earned(r), 0),
          policyCount: rs.length,
        });
        const cents = (major: number) => Math.round(major * 100);
        const asCents = (s: { writtenPremium: number; earnedPremium: number; policyCount: number }) => ({
          writtenCents: cents(s.writtenPremium),
          earnedCents: cents(s.earnedPremium),
          policyCount: s.policyCount,
        });

        expect(asCents(got)).toEqual(sum(rows));
        expect(got.activePolicyCount).toBe(rows.filter((r) => r.status === "active" && r.effectiveDate <= asOf && asOf < r.expirationDate).length);
        for (const [slices, keyOf] of [
          [got.byLineOfBusiness, (r: (typeof rows)[number]) => r.line],
          [got.byState, (r: (typeof rows)[number]) => r.state],
        ] as const) {
          const keys = [...new Set(rows.map(keyOf))].sort();
          expect(slices.map((s) => s.key)).toEqual(keys);
          for (const s of slices) expect(asCents(s)).toEqual(sum(rows.filter((r) => keyOf(r) === s.key)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("sees only the caller's org", async () => {
    const [mine, theirs] = [newId("org"), newId("org")];
    await seedBook(theirs, [{ start: 10, line: "GL", state: "OR", premium: 123_456, changes: [], cancel: undefined }]);
    const got = unwrap(await portfolio(drizzle(env.UNDERWRITING_DB), newPrincipal(mine), day(100)));
    expect(got).toMatchObject({ writtenPremium: 0, earnedPremium: 0, policyCount: 0, byLineOfBusiness: [], byState: [] });
  });
});
