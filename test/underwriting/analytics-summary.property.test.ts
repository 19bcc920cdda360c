/**
 * The portfolio summary rows are written by each transaction's own batch; this drives the real
 * services through random sequences of bind, endorse, cancel, reinstate and renew, and checks that
 * the rows always equal a recomputation from the stored policies and transactions:
 *   - portfolio analytics at several dates equals the per-transaction definition, computed here
 *     straight from `policies` and `policy_transactions`;
 *   - the rows equal what migration 0005's backfill (an independent SQL derivation) rebuilds;
 *   - DA utilisation equals the premium of the agreement's policies and its first 85% event.
 * Dates are relative to today: reinstatement is judged by the server's clock.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addYears, daysBetween, formatDate, parseDate } from "../../workers/_shared/dates.ts";
import { mulDivRound } from "../../workers/_shared/money.ts";
import { portfolio } from "../../workers/underwriting/src/analytics.service.ts";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { createDaAgreement, daUtilization } from "../../workers/underwriting/src/da-agreements.service.ts";
import { cancelPolicy, endorsePolicy, reinstatePolicy, renewPolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import type { Principal } from "../../workers/_shared/auth.ts";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);
const d1 = env.UNDERWRITING_DB;

const LINES = ["GL", "PROP", "CA"] as const;
const STATES = ["CA", "OR", "WA"] as const;

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant("bind" as const),
    line: fc.constantFrom(...LINES),
    state: fc.constantFrom(...STATES),
    start: fc.integer({ min: 0, max: 25 }),
    revenue: fc.integer({ min: 200_000, max: 9_000_000 }),
  }),
  fc.record({ kind: fc.constant("endorse" as const), policy: fc.nat(), offset: fc.integer({ min: 0, max: 300 }), revenue: fc.integer({ min: 100_000, max: 12_000_000 }) }),
  fc.record({ kind: fc.constant("cancel" as const), policy: fc.nat(), offset: fc.integer({ min: 0, max: 20 }), method: fc.constantFrom("pro_rata" as const, "short_rate" as const, "flat" as const) }),
  fc.record({ kind: fc.constant("reinstate" as const), policy: fc.nat() }),
  fc.record({ kind: fc.constant("renew" as const), policy: fc.nat() }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function submissionInput(line: (typeof LINES)[number], state: string, effectiveDate: string, revenue: number) {
  return {
    insuredName: "Summary Property Co",
    naicsCode: "236220",
    annualRevenue: revenue,
    requestedLimit: 1_000_000,
    effectiveDate,
    state,
    lineOfBusiness: line,
    ...(line === "PROP" ? { propertyValues: 2_500_000 } : {}),
    ...(line === "CA" ? { vehicleCount: 4 } : {}),
  } as Parameters<typeof createSubmission>[2];
}

/** Operations that committed, over all runs: the sequences must exercise every transaction type. */
const committed = new Map<string, number>();
const count = (kind: string, result: { ok: boolean }) => {
  if (result.ok) committed.set(kind, (committed.get(kind) ?? 0) + 1);
};

/** Run `ops` against the services; operations the rules refuse (a cancelled policy endorsed, …) are part of the test. */
async function run(p: Principal, ops: Op[]): Promise<void> {
  const policyIds: string[] = [];
  const pick = (n: number) => policyIds[n % policyIds.length];
  const bind = async (submissionId: string) => {
    const quote = await createQuote(db(), p, submissionId);
    if (!quote.ok) return;
    const bound = await bindSubmission(db(), workerEnv, p, submissionId, { installmentPlan: "PIF" }, false);
    count("bind", bound);
    if (bound.ok && "id" in bound.value) policyIds.push(String(bound.value.id));
  };
  for (const op of ops) {
    if (op.kind === "bind") {
      const sub = unwrap(await createSubmission(db(), p, submissionInput(op.line, op.state, testDay(op.start), op.revenue)));
      await bind(sub.id);
      continue;
    }
    const id = pick(op.policy);
    if (!id) continue;
    const policy = await d1.prepare("SELECT effective_date FROM policies WHERE id = ?").bind(id).first<{ effective_date: string }>();
    const at = (offset: number) => formatDate(new Date(parseDate(policy!.effective_date).getTime() + offset * 86_400_000));
    if (op.kind === "endorse") count(op.kind, await endorsePolicy(db(), workerEnv, p, id, { effectiveDate: at(op.offset), changes: { annualRevenue: op.revenue } }, false));
    if (op.kind === "cancel") {
      count(op.kind, await cancelPolicy(db(), workerEnv, p, id, { effectiveDate: at(op.method === "flat" ? 0 : op.offset), method: op.method, reason: "insured_request" }, false));
    }
    if (op.kind === "reinstate") count(op.kind, await reinstatePolicy(db(), workerEnv, p, id, {}, false));
    if (op.kind === "renew") {
      const renewed = await renewPolicy(db(), workerEnv, p, id);
      count(op.kind, renewed);
      if (renewed.ok) await bind(renewed.value.submission.id);
    }
  }
}

interface StoredPolicy {
  id: string;
  line_of_business: string;
  state: string;
  status: string;
  effective_date: string;
  expiration_date: string;
  written_premium_cents: number;
  cancelled_on: string | null;
}

/** The portfolio by definition, from the stored policies and transactions (no summary rows). */
async function recomputed(orgId: string, asOf: string) {
  const { results: pols } = await d1
    .prepare("SELECT id, line_of_business, state, status, effective_date, expiration_date, written_premium_cents, json_extract(cancellation, '$.effectiveDate') AS cancelled_on FROM policies WHERE org_id = ?")
    .bind(orgId)
    .all<StoredPolicy>();
  const { results: txs } = await d1
    .prepare("SELECT policy_id, effective_date, premium_delta_cents FROM policy_transactions WHERE org_id = ?")
    .bind(orgId)
    .all<{ policy_id: string; effective_date: string; premium_delta_cents: number }>();
  const earned = (pol: StoredPolicy) => {
    if (pol.status === "cancelled" && pol.cancelled_on !== null && asOf >= pol.cancelled_on) return pol.written_premium_cents;
    let n = 0;
    for (const t of txs.filter((t) => t.policy_id === pol.id)) {
      const span = daysBetween(t.effective_date, pol.expiration_date);
      n += span <= 0 ? t.premium_delta_cents : mulDivRound(t.premium_delta_cents, Math.min(Math.max(daysBetween(t.effective_date, asOf), 0), span), span);
    }
    return n;
  };
  const sum = (ps: StoredPolicy[]) => ({
    writtenCents: ps.reduce((n, x) => n + x.written_premium_cents, 0),
    earnedCents: ps.reduce((n, x) => n + earned(x), 0),
    policyCount: ps.length,
  });
  const slices = (key: (x: StoredPolicy) => string) =>
    [...new Set(pols.map(key))].sort().map((k) => ({ key: k, ...sum(pols.filter((x) => key(x) === k)) }));
  return {
    ...sum(pols),
    activePolicyCount: pols.filter((x) => x.status === "active" && x.effective_date <= asOf && asOf < x.expiration_date).length,
    byLineOfBusiness: slices((x) => x.line_of_business),
    byState: slices((x) => x.state),
  };
}

const cents = (major: number) => Math.round(major * 100);
const inCents = (s: { writtenPremium: number; earnedPremium: number; policyCount: number }) => ({
  writtenCents: cents(s.writtenPremium),
  earnedCents: cents(s.earnedPremium),
  policyCount: s.policyCount,
});

/** The org's summary rows that carry something (a transaction reversed may leave a row at zero). */
async function summaryRows(orgId: string) {
  const q = (sql: string) => d1.prepare(sql).bind(orgId).all().then((r) => r.results);
  return {
    totals: await q("SELECT line_of_business, state, written_cents, policy_count FROM portfolio_totals WHERE org_id = ? ORDER BY 1, 2"),
    daily: await q("SELECT day, line_of_business, state, earned_cents, active_delta FROM portfolio_daily WHERE org_id = ? AND (earned_cents != 0 OR active_delta != 0) ORDER BY 1, 2, 3"),
    monthly: await q("SELECT month, line_of_business, state, earned_cents, active_delta FROM portfolio_monthly WHERE org_id = ? AND (earned_cents != 0 OR active_delta != 0) ORDER BY 1, 2, 3"),
    usage: await q("SELECT agreement_id, written_cents, limit_approaching_at FROM da_agreement_usage WHERE org_id = ? AND (written_cents != 0 OR limit_approaching_at IS NOT NULL) ORDER BY 1"),
  };
}

/**
 * Migration 0005's backfill statements (everything after its CREATE INDEX), then 0006's recount of
 * agreement usage as net written premium, run over the whole database.
 */
async function rebuildFromMigration() {
  const { TEST_D1_MIGRATIONS } = env as unknown as { TEST_D1_MIGRATIONS: Record<string, D1Migration[]> };
  const migration = TEST_D1_MIGRATIONS.UNDERWRITING_DB!.find((m) => m.name.startsWith("0005_"))!;
  const from = migration.queries.findIndex((q) => q.includes("_backfill_tx AS"));
  expect(from).toBeGreaterThan(0);
  const recount = TEST_D1_MIGRATIONS.UNDERWRITING_DB!.find((m) => m.name.startsWith("0006_endorsement_referrals"))!.queries.filter((q) => q.includes("UPDATE da_agreement_usage"));
  expect(recount).toHaveLength(1);
  await d1.batch(["portfolio_totals", "portfolio_daily", "portfolio_monthly", "da_agreement_usage"].map((t) => d1.prepare(`DELETE FROM ${t}`)));
  await d1.batch([...migration.queries.slice(from), ...recount].map((q) => d1.prepare(q)));
}

describe("portfolio summary rows (property)", () => {
  it("stay equal to a recomputation from the transactions over random bind/endorse/cancel/reinstate/renew sequences", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 14 }),
        fc.option(fc.integer({ min: 1_000_000, max: 6_000_000 }), { nil: undefined }),
        fc.array(fc.integer({ min: -30, max: 800 }), { minLength: 1, maxLength: 3 }),
        async (ops, daCapCents, asOfDays) => {
          const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
          const agreement = daCapCents
            ? unwrap(await createDaAgreement(db(), p, { carrier: "Carrier", program: "Program", maxLimitPerRisk: 5_000_000, states: [...STATES], naicsPrefixes: ["23"], aggregateCap: daCapCents / 100 }))
            : null;
          // Bind first, so most sequences have policies for the other operations to work on.
          await run(p, [...ops.filter((o) => o.kind === "bind"), ...ops.filter((o) => o.kind !== "bind")]);

          for (const asOf of [...asOfDays.map((n) => testDay(n)), addYears(testDay(0), 3)]) {
            const got = unwrap(await portfolio(db(), p, asOf));
            const want = await recomputed(p.orgId, asOf);
            expect({ ...inCents(got), activePolicyCount: got.activePolicyCount }).toEqual({
              writtenCents: want.writtenCents,
              earnedCents: want.earnedCents,
              policyCount: want.policyCount,
              activePolicyCount: want.activePolicyCount,
            });
            expect(got.byLineOfBusiness.map((s) => ({ key: s.key, ...inCents(s) }))).toEqual(want.byLineOfBusiness);
            expect(got.byState.map((s) => ({ key: s.key, ...inCents(s) }))).toEqual(want.byState);
          }

          if (agreement) {
            const [usage] = unwrap(await daUtilization(db(), p)).data;
            // Net written premium: binds, plus endorsements, less return premium.
            const bound = await d1.prepare("SELECT coalesce(sum(written_premium_cents), 0) AS n FROM policies WHERE org_id = ? AND da_agreement_id = ?").bind(p.orgId, agreement.id).first<{ n: number }>();
            expect(cents(usage!.writtenPremium)).toBe((await env.DA_LEDGER.getByName(agreement.id).snapshot()).writtenCents);
            const first = await d1.prepare("SELECT min(created_at) AS at FROM events WHERE org_id = ? AND type = 'da.limit_approaching'").bind(p.orgId).first<{ at: string | null }>();
            expect({ written: cents(usage!.writtenPremium), at: usage!.limitApproachingAt }).toEqual({ written: bound!.n, at: first!.at });
          }

          const incremental = await summaryRows(p.orgId);
          await rebuildFromMigration();
          expect(await summaryRows(p.orgId)).toEqual(incremental);
        },
      ),
      { numRuns: 25 },
    );
    for (const kind of ["bind", "endorse", "cancel", "reinstate", "renew"]) expect(committed.get(kind) ?? 0, kind).toBeGreaterThan(0);
  }, 300_000);
});
