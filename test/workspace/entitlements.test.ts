import { describe, expect, it } from "vitest";
import { systemPrincipal } from "../../workers/gateway/src/middleware/authenticate.ts";
import { PLAN_LIMITS } from "../../workers/workspace/src/plans.ts";
import { DAY_MS } from "../../workers/_shared/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { workspaceInternal, workspaceRpc } from "./harness.ts";

const onPlan = async (plan: "free" | "starter" | "pro" | "enterprise") => {
  const p = newPrincipal();
  unwrap(await workspaceRpc.updateWorkspace(systemPrincipal(p.orgId), p.orgId, { plan }));
  return p;
};

describe("entitlements: check, usage, summary against the committed plan table", () => {
  it("an org with no workspace row is on starter; check answers its limit, usage and the month's reset", async () => {
    const p = newPrincipal();
    const check = unwrap(await workspaceRpc.checkEntitlement(p, { feature: "policies_bound" }));
    expect(check).toMatchObject({ allowed: true, feature: "policies_bound", plan: "starter", quantity: 1, currentUsage: 0, limit: PLAN_LIMITS.starter.policies_bound, available: PLAN_LIMITS.starter.policies_bound });
    expect(check.resetAt).toMatch(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);
    expect(check.reason).toBeUndefined();
  });

  it("records api_calls up to the limit exactly, then refuses with feature_limit_reached and records nothing", async () => {
    const p = await onPlan("free");
    const limit = PLAN_LIMITS.free.api_calls!;
    const first = unwrap(await workspaceRpc.recordUsage(p, { feature: "api_calls", quantity: limit - 1, metadata: { endpoint: "/api/v1/posts" } }));
    expect(first).toMatchObject({ recorded: true, feature: "api_calls", quantity: limit - 1, currentUsage: limit - 1, limit, available: 1 });
    expect(first.id).toMatch(/^ent_/);
    unwrap(await workspaceRpc.recordUsage(p, { feature: "api_calls" }));
    const refused = errorOf(await workspaceRpc.recordUsage(p, { feature: "api_calls" }));
    expect(refused).toMatchObject({ code: "feature_limit_reached", details: { feature: "api_calls", limit, used: limit } });
    expect(String(refused.details?.upgradeUrl)).toMatch(/^https:\/\//);
    const check = unwrap(await workspaceRpc.checkEntitlement(p, { feature: "api_calls", quantity: 1 }));
    expect(check).toMatchObject({ allowed: false, reason: "limit_exceeded", currentUsage: limit, available: 0 });
    expect(check.upgradeUrl).toMatch(/^https:\/\//);
    const summary = unwrap(await workspaceRpc.entitlementSummary(p));
    expect(summary.entitlements.find((e) => e.feature === "api_calls")).toMatchObject({ used: limit, limit, available: 0, percentage: 100, unit: "count" });
  });

  it("concurrent usage records at the limit never over-admit: 20 at once against an allowance of 7 admit exactly 7", async () => {
    const p = await onPlan("free");
    const limit = PLAN_LIMITS.free.api_calls!;
    unwrap(await workspaceRpc.recordUsage(p, { feature: "api_calls", quantity: limit - 7 }));
    const results = await Promise.all(Array.from({ length: 20 }, () => workspaceRpc.recordUsage(p, { feature: "api_calls" })));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    for (const r of results.filter((x) => !x.ok)) expect(errorOf(r).code).toBe("feature_limit_reached");
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "api_calls" })).currentUsage).toBe(limit);
  });

  it("concurrent bind reservations at the limit admit exactly the allowance; release gives back, commit keeps, a key counts once", async () => {
    const p = await onPlan("free");
    const limit = PLAN_LIMITS.free.policies_bound!;
    for (let i = 0; i < limit - 3; i++) unwrap(await workspaceInternal.reserveUsage(p, "policies_bound", `sub_pre${i}`));
    const keys = Array.from({ length: 10 }, (_, i) => `sub_race${i}`);
    const results = await Promise.all(keys.map((k) => workspaceInternal.reserveUsage(p, "policies_bound", k)));
    const admitted = keys.filter((_, i) => results[i]!.ok);
    expect(admitted).toHaveLength(3);
    expect(errorOf(results.find((r) => !r.ok)!)).toMatchObject({ code: "feature_limit_reached", details: { feature: "policies_bound", limit, used: limit } });
    // The same key again shares its reservation: admitted, not counted twice.
    unwrap(await workspaceInternal.reserveUsage(p, "policies_bound", admitted[0]!));
    await workspaceInternal.releaseUsage(p.orgId, admitted[0]!);
    await workspaceInternal.commitUsage(p.orgId, admitted[1]!);
    await workspaceInternal.commitUsage(p.orgId, admitted[1]!);
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "policies_bound" }))).toMatchObject({ currentUsage: limit - 1, available: 1 });
    // A committed key never counts again, even after a release.
    await workspaceInternal.releaseUsage(p.orgId, admitted[1]!);
    unwrap(await workspaceInternal.reserveUsage(p, "policies_bound", admitted[1]!));
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "policies_bound" })).currentUsage).toBe(limit - 1);
  });

  it("monthly windows follow the org's clock: a clock a month ahead counts from zero", async () => {
    const p = await onPlan("free");
    unwrap(await workspaceRpc.recordUsage(p, { feature: "api_calls", quantity: 100 }));
    const nextMonth = { ...p, clockOffsetMs: (p.clockOffsetMs ?? 0) + 32 * DAY_MS };
    const later = unwrap(await workspaceRpc.entitlementSummary(nextMonth));
    expect(later.entitlements.find((e) => e.feature === "api_calls")!.used).toBe(0);
    expect(later.period).not.toBe(unwrap(await workspaceRpc.entitlementSummary(p)).period);
    expect(unwrap(await workspaceRpc.entitlementSummary(p)).entitlements.find((e) => e.feature === "api_calls")!.used).toBe(100);
  });

  it("seats are the org's users as identity counts them, against the plan's limit", async () => {
    const p = await onPlan("free");
    const seats = unwrap(await workspaceRpc.checkEntitlement(p, { feature: "seats" }));
    expect(seats).toMatchObject({ feature: "seats", currentUsage: 0, limit: PLAN_LIMITS.free.seats, resetAt: null });
  });

  it("enterprise has no limits; the summary says null and never refuses", async () => {
    const p = await onPlan("enterprise");
    const summary = unwrap(await workspaceRpc.entitlementSummary(p));
    expect(summary).toMatchObject({ workspaceId: p.orgId, plan: "enterprise" });
    expect(summary.entitlements.find((e) => e.feature === "policies_bound")).toMatchObject({ limit: null, available: null, percentage: null });
    unwrap(await workspaceRpc.recordUsage(p, { feature: "api_calls", quantity: 1_000_000 }));
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "api_calls", quantity: 1_000_000_000 })).allowed).toBe(true);
  });

  it("bad input: an unknown or platform-metered feature, a bad quantity, a plan outside the table", async () => {
    const p = newPrincipal();
    expect(errorOf(await workspaceRpc.checkEntitlement(p, { feature: "posts" as never }))).toMatchObject({ code: "validation_failed", details: { field: "feature" } });
    // Every feature of the table is metered now: webhook_endpoints and document_storage_bytes answer like the others.
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "webhook_endpoints" }))).toMatchObject({ feature: "webhook_endpoints", currentUsage: 0, limit: PLAN_LIMITS.starter.webhook_endpoints, resetAt: null });
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "document_storage_bytes", quantity: 1024 }))).toMatchObject({ feature: "document_storage_bytes", currentUsage: 0, allowed: true, resetAt: null });
    expect(errorOf(await workspaceRpc.recordUsage(p, { feature: "webhook_endpoints" }))).toMatchObject({ code: "validation_failed", details: { field: "feature", rule: "platform_metered" } });
    expect(errorOf(await workspaceRpc.recordUsage(p, { feature: "policies_bound" }))).toMatchObject({ code: "validation_failed", details: { field: "feature", rule: "platform_metered" } });
    expect(errorOf(await workspaceRpc.recordUsage(p, { feature: "api_calls", quantity: 0 }))).toMatchObject({ code: "validation_failed", details: { field: "quantity" } });
    expect(errorOf(await workspaceRpc.updateWorkspace(systemPrincipal(p.orgId), p.orgId, { plan: "platinum" as never }))).toMatchObject({ code: "validation_failed", details: { field: "plan" } });
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "api_calls" })).currentUsage).toBe(0);
  });

  it("the plan table lists the four plans with a limit per feature", async () => {
    const plans = await workspaceRpc.listPlans();
    expect(plans.data.map((x) => x.plan)).toEqual(["free", "starter", "pro", "enterprise"]);
    for (const plan of plans.data) expect(plan.limits.map((l) => l.feature).sort()).toEqual(["api_calls", "document_storage_bytes", "policies_bound", "seats", "webhook_endpoints"]);
  });
});

describe("workspaces: settings and soft delete", () => {
  it("patches timezone and locale (kept as sent), refuses unknown ones, and a soft delete makes the org inactive, kept 30 days", async () => {
    const p = newPrincipal();
    const sys = systemPrincipal(p.orgId);
    expect(await workspaceRpc.workspaceOf(p.orgId)).toMatchObject({ plan: "starter", settings: { timezone: "UTC", locale: "en-US" }, status: "active", deletedAt: null });
    expect(unwrap(await workspaceRpc.updateWorkspace(sys, p.orgId, { settings: { timezone: "Europe/London", locale: "en_GB" } }))).toMatchObject({ plan: "starter", settings: { timezone: "Europe/London", locale: "en_GB" } });
    expect(errorOf(await workspaceRpc.updateWorkspace(sys, p.orgId, { settings: { timezone: "Mars/Olympus" } }))).toMatchObject({ code: "validation_failed", details: { field: "settings.timezone" } });
    expect(await workspaceRpc.orgActive(p.orgId)).toBe(true);
    const deleted = unwrap(await workspaceRpc.deleteWorkspace(sys, p.orgId));
    expect(deleted.status).toBe("deleted");
    expect(Date.parse(deleted.purgeAfter!) - Date.parse(deleted.deletedAt!)).toBe(30 * DAY_MS);
    expect(await workspaceRpc.orgActive(p.orgId)).toBe(false);
    // Deleting again is the same answer; a change is refused.
    expect(unwrap(await workspaceRpc.deleteWorkspace(sys, p.orgId)).deletedAt).toBe(deleted.deletedAt);
    expect(errorOf(await workspaceRpc.updateWorkspace(sys, p.orgId, { plan: "pro" })).code).toBe("invalid_state_transition");
    expect((await workspaceRpc.workspaceOf(p.orgId)).settings).toEqual({ timezone: "Europe/London", locale: "en_GB" });
  });
});

describe("standing totals: webhook_endpoints and document_storage_bytes in the real UsageMeter", () => {
  it("live endpoints: concurrent reserves at the limit admit exactly the remainder; a return gives one back, once per key", async () => {
    const p = await onPlan("free");
    const limit = PLAN_LIMITS.free.webhook_endpoints!;
    const results = await Promise.all(Array.from({ length: limit + 3 }, (_, i) => workspaceInternal.reserveUsage(p, "webhook_endpoints", `whk_c${i}`)));
    const admitted = results.flatMap((r, i) => (r.ok ? [`whk_c${i}`] : []));
    expect(admitted).toHaveLength(limit);
    expect(results.filter((r) => !r.ok).map((r) => errorOf(r))).toEqual(Array(3).fill(expect.objectContaining({ code: "feature_limit_reached", details: expect.objectContaining({ feature: "webhook_endpoints", limit, used: limit }) })));
    for (const key of admitted) await workspaceInternal.commitUsage(p.orgId, key);
    await Promise.all([0, 1, 2].map(() => workspaceInternal.returnUsage(p.orgId, "webhook_endpoints", admitted[0]!)));
    const summary = unwrap(await workspaceRpc.entitlementSummary(p));
    expect(summary.entitlements.find((e) => e.feature === "webhook_endpoints")).toMatchObject({ used: limit - 1, limit, resetAt: null, unit: "count" });
    // A returned key never counts again, even if its commit arrives late.
    await workspaceInternal.commitUsage(p.orgId, admitted[0]!);
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "webhook_endpoints" }))).toMatchObject({ currentUsage: limit - 1, allowed: true });
    // A key that never committed (a create before metering, or a released one) returns nothing.
    await workspaceInternal.returnUsage(p.orgId, "webhook_endpoints", "whk_never");
    expect(unwrap(await workspaceRpc.checkEntitlement(p, { feature: "webhook_endpoints" })).currentUsage).toBe(limit - 1);
    // A month's usage happened: it is never given back.
    expect(errorOf(await workspaceInternal.returnUsage(p.orgId, "policies_bound", "sub_x"))).toMatchObject({ code: "validation_failed", details: { field: "feature", rule: "standing_total" } });
  });

  it("stored bytes count by size against the plan's bytes, exactly at the limit", async () => {
    const p = await onPlan("free");
    const limit = PLAN_LIMITS.free.document_storage_bytes!;
    unwrap(await workspaceInternal.reserveUsage(p, "document_storage_bytes", "doc_big", limit - 100));
    await workspaceInternal.commitUsage(p.orgId, "doc_big");
    const [a, b] = await Promise.all([
      workspaceInternal.reserveUsage(p, "document_storage_bytes", "doc_a", 60),
      workspaceInternal.reserveUsage(p, "document_storage_bytes", "doc_b", 60),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect(errorOf(a.ok ? b : a)).toMatchObject({ code: "feature_limit_reached", details: { feature: "document_storage_bytes", limit, used: limit - 40 } });
    unwrap(await workspaceInternal.reserveUsage(p, "document_storage_bytes", "doc_c", 40));
    const summary = unwrap(await workspaceRpc.entitlementSummary(p));
    expect(summary.entitlements.find((e) => e.feature === "document_storage_bytes")).toMatchObject({ used: limit, limit, available: 0, percentage: 100, unit: "bytes", resetAt: null });
  });
});
