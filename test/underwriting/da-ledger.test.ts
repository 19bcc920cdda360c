import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { RESERVATION_TTL_MS, type DaLedger } from "../../workers/underwriting/src/da-ledger.do.ts";
import { cancelPolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const ledger = () => env.DA_LEDGER.getByName(`agreement-${crypto.randomUUID()}`);
const db = () => drizzle(env.UNDERWRITING_DB);

/** The alarm the ledger has set (epoch ms), or null. */
const alarmOf = (l: DurableObjectStub<DaLedger>) => runInDurableObject(l, (_instance: DaLedger, state) => state.storage.getAlarm());

/**
 * Time passes beyond every open reservation's deadline: the stored deadlines are moved into the
 * past, as if the writer had died {@link RESERVATION_TTL_MS} ago (the test cannot wait five minutes).
 */
const passDeadlines = (l: DurableObjectStub<DaLedger>) =>
  runInDurableObject(l, (_instance: DaLedger, state) => {
    const stored = state.storage.kv.get<{ reservations: Record<string, { deadline: number }> }>("ledger")!;
    for (const r of Object.values(stored.reservations)) r.deadline = realNow() - 1;
    state.storage.kv.put("ledger", stored);
  });

/** A policy really bound (no agreement, so its own bind touched no ledger): D1 holds its submission and transaction. */
async function boundPolicy() {
  const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  const policy = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
  if (policy.preview || policy.status === "referred") throw new Error("bound a preview, or held for a referral");
  return { p, sub, policy };
}

describe("DaLedger: one agreement's aggregate", () => {
  it("admits premium up to the cap and refuses beyond it", async () => {
    const l = ledger();
    expect(await l.reserve("sub_a", 600, 1000)).toMatchObject({ ok: true, writtenCents: 600 });
    expect(await l.reserve("sub_b", 500, 1000)).toMatchObject({ ok: false, writtenCents: 600, capCents: 1000 });
    expect(await l.reserve("sub_c", 400, 1000)).toMatchObject({ ok: true, writtenCents: 1000 });
  });

  it("a retried reservation for the same submission counts once", async () => {
    const l = ledger();
    await l.reserve("sub_a", 300, 1000);
    await l.reserve("sub_a", 300, 1000);
    expect((await l.snapshot()).writtenCents).toBe(300);
  });

  it("a bind that loses the race to a committed one counts nothing, and its release takes nothing back", async () => {
    const l = ledger();
    await l.reserve("sub_a", 300, 1000);
    await l.commit("sub_a");
    // The loser reserves after the winner committed, writes nothing, and finds the winner's policy.
    expect(await l.reserve("sub_a", 300, 1000)).toMatchObject({ ok: true, writtenCents: 300 });
    await l.release("sub_a");
    expect((await l.snapshot()).writtenCents).toBe(300);
  });

  it("check answers as reserve would, without reserving", async () => {
    const l = ledger();
    await l.reserve("sub_a", 600, 1000);
    expect(await l.check("sub_b", 500, 1000)).toMatchObject({ ok: false, writtenCents: 600 });
    expect(await l.check("sub_b", 400, 1000)).toMatchObject({ ok: true });
    expect(await l.check("sub_a", 600, 1000)).toMatchObject({ ok: true }); // already held: adds nothing
    expect((await l.snapshot()).writtenCents).toBe(600);
  });

  it("the 85% crossing is claimed by exactly one bind, and given back if that bind is released", async () => {
    const l = ledger();
    expect(await l.reserve("sub_a", 800, 1000)).toMatchObject({ crossedThreshold: false });
    expect(await l.reserve("sub_b", 100, 1000)).toMatchObject({ crossedThreshold: true });
    await l.release("sub_b");
    expect(await l.snapshot()).toEqual({ writtenCents: 800, approachingBy: null });
    expect(await l.reserve("sub_c", 60, 1000)).toMatchObject({ crossedThreshold: true });
    await l.commit("sub_c");
    expect(await l.reserve("sub_d", 10, 1000)).toMatchObject({ crossedThreshold: false });
    expect((await l.snapshot()).approachingBy).toBe("sub_c");
  });

  it("concurrent reservations never exceed the cap, and the total survives eviction", async () => {
    const l = ledger();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => l.reserve(`sub_${i}`, 100, 1000)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    await evictDurableObject(l);
    expect((await l.snapshot()).writtenCents).toBe(1000);
  });
});

describe("DaLedger recovery: a reservation left open past its deadline is reconciled against D1", () => {
  it("a writer that crashed before its D1 batch: the alarm releases its premium (and its 85% claim)", async () => {
    const l = ledger();
    const before = realNow();
    expect(await l.reserve("sub_01CRASHEDBEFOREBATCH0000000", 900, 1000)).toMatchObject({ ok: true, crossedThreshold: true });
    // Reserved, then neither committed nor released: the alarm stands at the deadline.
    const alarm = await alarmOf(l);
    expect(alarm).toBeGreaterThanOrEqual(before + RESERVATION_TTL_MS);
    expect(alarm).toBeLessThanOrEqual(realNow() + RESERVATION_TTL_MS);

    // Before the deadline an alarm settles nothing (the writer may still be working) and stays set.
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect(await l.openReservations()).toEqual(["sub_01CRASHEDBEFOREBATCH0000000"]);
    expect(await alarmOf(l)).not.toBeNull();

    await passDeadlines(l);
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect(await l.snapshot()).toEqual({ writtenCents: 0, approachingBy: null });
    expect(await l.openReservations()).toEqual([]);
    expect(await alarmOf(l)).toBeNull();
    // The cap is free again for the next bind, which claims the crossing.
    expect(await l.reserve("sub_next", 1000, 1000)).toMatchObject({ ok: true, crossedThreshold: true });
  });

  it("a writer that crashed after its D1 batch committed: the alarm commits, since the policy exists", async () => {
    const { sub } = await boundPolicy();
    const l = ledger();
    await l.reserve(sub.id, 700, 1000);
    await passDeadlines(l);
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect(await l.snapshot()).toEqual({ writtenCents: 700, approachingBy: null });
    expect(await l.openReservations()).toEqual([]);
    // Committed, so a retried bind of the same submission counts nothing more.
    expect(await l.reserve(sub.id, 700, 1000)).toMatchObject({ ok: true, writtenCents: 700 });
    expect(await l.openReservations()).toEqual([]);
  });

  it("policy transactions too: a transaction in D1 is committed (a credit taken off), one that is not is released", async () => {
    const { p, policy } = await boundPolicy();
    const cancelled = unwrap(await cancelPolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-05-01", method: "flat", reason: "insured_request" }, false));
    const l = ledger();
    await l.reserve("sub_bound_elsewhere", 800, 1000);
    await l.commit("sub_bound_elsewhere");
    await l.reserve(cancelled.transaction.id, -300, 1000); // its return premium, credited on commit
    await l.reserve("txn_01NEVERWRITTEN000000000000", 150, 1000);
    expect((await l.snapshot()).writtenCents).toBe(950);
    await passDeadlines(l);
    const reconciled = await runInDurableObject(l, (instance: DaLedger) => instance.reconcile());
    expect(reconciled).toEqual(
      expect.arrayContaining([
        { key: cancelled.transaction.id, outcome: "committed" },
        { key: "txn_01NEVERWRITTEN000000000000", outcome: "released" },
      ]),
    );
    expect((await l.snapshot()).writtenCents).toBe(500);
  });

  it("a writer slower than the deadline still counts: its late commit puts back what the alarm released", async () => {
    const l = ledger();
    await l.reserve("sub_01SLOWWRITER00000000000000", 400, 1000);
    await passDeadlines(l);
    await runDurableObjectAlarm(l);
    expect((await l.snapshot()).writtenCents).toBe(0);
    await l.commit("sub_01SLOWWRITER00000000000000");
    expect((await l.snapshot()).writtenCents).toBe(400);
    // Once: a second commit or a retried reservation adds nothing.
    await l.commit("sub_01SLOWWRITER00000000000000");
    await l.reserve("sub_01SLOWWRITER00000000000000", 400, 1000);
    expect((await l.snapshot()).writtenCents).toBe(400);
  });

  it("the alarm survives eviction: a reservation made before it is still reconciled after", async () => {
    const l = ledger();
    await l.reserve("sub_01EVICTED000000000000000000", 250, 1000);
    await evictDurableObject(l);
    await passDeadlines(l);
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect((await l.snapshot()).writtenCents).toBe(0);
  });
});
