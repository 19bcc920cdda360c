import { describe, expect, it } from "vitest";
import { systemPrincipal } from "../../workers/gateway/src/middleware/authenticate.ts";
import { PLAN_LIMITS } from "../../workers/workspace/src/plans.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { meterOf, workspaceInternal, workspaceRpc } from "./harness.ts";

const apiCallsUsed = async (p: ReturnType<typeof newPrincipal>) =>
  unwrap(await workspaceRpc.entitlementSummary(p)).entitlements.find((e) => e.feature === "api_calls")!.used;

describe("meterApiCalls: the gateway's batches of api_calls", () => {
  it("counts every batch whole, never refuses, and says once the plan's limit is exhausted", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.updateWorkspace(systemPrincipal(p.orgId), p.orgId, { plan: "free" }));
    const limit = PLAN_LIMITS.free.api_calls!;
    const first = await workspaceRpc.meterApiCalls(p.orgId, 100);
    expect(first).toMatchObject({ used: 100, limit, exhausted: false });
    expect(first.window).toMatch(/^\d{4}-\d{2}$/);
    expect(first.resetAt).toMatch(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);
    expect(first.resetInMs).toBeGreaterThan(0);
    expect(first.upgradeUrl).toMatch(/^https:\/\//);
    // Concurrent batches all count: the object takes them one at a time.
    await Promise.all(Array.from({ length: 10 }, () => workspaceRpc.meterApiCalls(p.orgId, 7)));
    expect(await apiCallsUsed(p)).toBe(170);
    // Reaching the limit exactly is exhausted; a batch past it is counted whole all the same.
    expect(await workspaceRpc.meterApiCalls(p.orgId, limit - 170)).toMatchObject({ used: limit, exhausted: true });
    expect(await workspaceRpc.meterApiCalls(p.orgId, 3)).toMatchObject({ used: limit + 3, exhausted: true });
    // 0 only reads.
    expect(await workspaceRpc.meterApiCalls(p.orgId, 0)).toMatchObject({ used: limit + 3 });
    // The same counter the integrator's recorded api_calls go to: past the limit they are refused.
    expect(errorOf(await workspaceRpc.recordUsage(p, { feature: "api_calls" }))).toMatchObject({ code: "feature_limit_reached" });
  });

  it("an org on enterprise is never exhausted; another org's count is its own", async () => {
    const [a, b] = [newPrincipal(), newPrincipal()];
    unwrap(await workspaceRpc.updateWorkspace(systemPrincipal(a.orgId), a.orgId, { plan: "enterprise" }));
    expect(await workspaceRpc.meterApiCalls(a.orgId, 5_000_000)).toMatchObject({ used: 5_000_000, limit: null, exhausted: false });
    expect(await apiCallsUsed(b)).toBe(0);
  });
});

describe("the reconcile of a standing total against its source's rows", () => {
  const feature = "webhook_endpoints" as const;

  it("counts live rows the meter never saw, keeps a write that raced the read, drops a returned one and what the source no longer has", async () => {
    const p = newPrincipal();
    const meter = meterOf(p.orgId);
    // Metered as webhooks does it: e1 and e2 committed, gone is committed but its row was lost without a return.
    for (const key of ["e1", "e2", "gone"]) {
      unwrap(await workspaceInternal.reserveUsage(p, feature, key));
      await workspaceInternal.commitUsage(p.orgId, key);
    }
    const { reconcileId } = unwrap(await workspaceInternal.beginUsageReconcile(p.orgId, feature));
    // The source reads its rows now: e1, e2, old and older (from before metering), and e2 is being deleted.
    const live: [string, number][] = [["e1", 1], ["e2", 1], ["old", 1], ["older", 1]];
    // Meanwhile: e3 is created and committed after the read, e4 is reserved and still in flight, e2's delete returns it.
    unwrap(await workspaceInternal.reserveUsage(p, feature, "e3"));
    await workspaceInternal.commitUsage(p.orgId, "e3");
    unwrap(await workspaceInternal.reserveUsage(p, feature, "e4"));
    unwrap(await workspaceInternal.returnUsage(p.orgId, feature, "e2"));

    const done = unwrap(await workspaceInternal.finishUsageReconcile(p.orgId, feature, reconcileId, live));
    // e1, old, older, e3 and e4: e2 was returned, gone is not in the source.
    expect(done).toEqual({ feature, before: 4, after: 5, adopted: 2 });
    expect(await meter.usage(p.orgId, { webhook_endpoints: "total" })).toEqual({ webhook_endpoints: 5 });

    // The adopted row gives its count back at its delete, once; e4 released is given back too.
    expect(unwrap(await workspaceInternal.returnUsage(p.orgId, feature, "old"))).toEqual({ used: 4 });
    expect(unwrap(await workspaceInternal.returnUsage(p.orgId, feature, "old"))).toEqual({ used: 4 });
    await workspaceInternal.releaseUsage(p.orgId, "e4");
    expect(await meter.usage(p.orgId, { webhook_endpoints: "total" })).toEqual({ webhook_endpoints: 3 });
  });

  it("a reconcile superseded by a later one changes nothing and answers conflict; only standing totals of a source are reconciled", async () => {
    const p = newPrincipal();
    const first = unwrap(await workspaceInternal.beginUsageReconcile(p.orgId, "document_storage_bytes"));
    const second = unwrap(await workspaceInternal.beginUsageReconcile(p.orgId, "document_storage_bytes"));
    expect(errorOf(await workspaceInternal.finishUsageReconcile(p.orgId, "document_storage_bytes", first.reconcileId, [["d1", 500]]))).toMatchObject({ code: "conflict" });
    expect(await meterOf(p.orgId).usage(p.orgId, { document_storage_bytes: "total" })).toEqual({ document_storage_bytes: 0 });
    expect(unwrap(await workspaceInternal.finishUsageReconcile(p.orgId, "document_storage_bytes", second.reconcileId, [["d1", 500], ["d2", 250]]))).toMatchObject({ after: 750, adopted: 2 });
    expect(errorOf(await workspaceInternal.beginUsageReconcile(p.orgId, "api_calls"))).toMatchObject({ code: "validation_failed", details: { field: "feature" } });
    expect(errorOf(await workspaceInternal.beginUsageReconcile(p.orgId, "seats"))).toMatchObject({ code: "validation_failed" });
  });
});

describe("countUsage: a standing total counted in one step (a stored document's bytes)", () => {
  const feature = "document_storage_bytes" as const;
  const storageUsed = async (p: ReturnType<typeof newPrincipal>) => unwrap(await workspaceRpc.entitlementSummary(p)).entitlements.find((e) => e.feature === feature)!.used;

  it("counts once per key with nothing left open, refuses past the plan's limit, and gives back once on return", async () => {
    const p = newPrincipal();
    unwrap(await workspaceRpc.updateWorkspace(systemPrincipal(p.orgId), p.orgId, { plan: "free" }));
    const limit = PLAN_LIMITS.free.document_storage_bytes!;
    expect(unwrap(await workspaceInternal.countUsage(p, feature, "doc_a", 1000))).toEqual({ used: 1000, limit });
    // The same key again (a retried store) counts nothing more.
    expect(unwrap(await workspaceInternal.countUsage(p, feature, "doc_a", 1000))).toEqual({ used: 1000, limit });
    expect(await meterOf(p.orgId).reservationOf(p.orgId, "doc_a")).toBeNull();
    // Concurrent counts of distinct keys against the last bytes of the plan: exactly those that fit.
    const room = limit - 1000;
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => workspaceInternal.countUsage(p, feature, `doc_${i}`, Math.floor(room / 2))));
    expect(answers.filter((a) => a.ok)).toHaveLength(2);
    expect(errorOf(answers.find((a) => !a.ok)!)).toMatchObject({ code: "feature_limit_reached", details: { feature, limit } });
    expect(await storageUsed(p)).toBe(1000 + 2 * Math.floor(room / 2));
    // A failed write gives its count back, once.
    unwrap(await workspaceInternal.returnUsage(p.orgId, feature, "doc_a", 1000));
    unwrap(await workspaceInternal.returnUsage(p.orgId, feature, "doc_a", 1000));
    expect(await storageUsed(p)).toBe(2 * Math.floor(room / 2));
  });

  it("is for standing totals only, and a count racing a reconcile's read is kept", async () => {
    const p = newPrincipal();
    expect(errorOf(await workspaceInternal.countUsage(p, "policies_bound", "sub_x", 1))).toMatchObject({ code: "validation_failed", details: { field: "feature", rule: "standing_total" } });
    unwrap(await workspaceInternal.countUsage(p, feature, "doc_before", 10));
    const { reconcileId } = unwrap(await workspaceInternal.beginUsageReconcile(p.orgId, feature));
    // The source's read saw doc_before only; doc_after is counted (and its row written) after the read.
    unwrap(await workspaceInternal.countUsage(p, feature, "doc_after", 20));
    unwrap(await workspaceInternal.finishUsageReconcile(p.orgId, feature, reconcileId, [["doc_before", 10]]));
    expect(await storageUsed(p)).toBe(30);
  });
});
