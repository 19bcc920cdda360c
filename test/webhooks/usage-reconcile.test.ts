/**
 * The reconcile of webhook_endpoints: the org's live endpoints (not deleted; paused ones count)
 * handed to its meter, here a recording stand-in; the daily job does every org with an endpoint.
 */
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Feature } from "#contract/types.gen";
import { reconcileAllEndpointUsage, reconcileEndpointUsage } from "../../workers/webhooks/src/usage-reconcile.job.ts";
import { db, harness, newPrincipal, unwrap } from "./harness.ts";

const URL_A = "https://hooks.example.com/openinsure";

function recordingMeter() {
  const finished = new Map<string, [string, number][]>();
  return {
    finished,
    beginUsageReconcile: async (_orgId: string, _feature: Feature) => ({ ok: true as const, value: { reconcileId: "r" } }),
    finishUsageReconcile: async (orgId: string, feature: Feature, _id: string, live: [string, number][]) => {
      finished.set(orgId, live);
      return { ok: true as const, value: { feature, before: 0, after: live.length, adopted: 0 } };
    },
  };
}

describe("webhook_endpoints reconcile", () => {
  it("counts the org's live endpoints, paused ones included, deleted ones not, and no other org's", async () => {
    const h = harness();
    const [p, other] = [newPrincipal(), newPrincipal()];
    const a = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const paused = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    unwrap(await h.service.updateEndpoint(p, paused.id, { enabled: false }));
    const gone = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    unwrap(await h.service.deleteEndpoint(p, gone.id));
    unwrap(await h.service.createEndpoint(other, { url: URL_A, events: ["*"] }));

    const meter = recordingMeter();
    const d1 = drizzle(db());
    expect(unwrap(await reconcileEndpointUsage(d1, { WORKSPACE: meter as never }, p.orgId))).toMatchObject({ feature: "webhook_endpoints", after: 2 });
    expect(new Map(meter.finished.get(p.orgId))).toEqual(new Map([[a.id, 1], [paused.id, 1]]));

    meter.finished.clear();
    expect(await reconcileAllEndpointUsage(d1, { WORKSPACE: meter as never })).toBeGreaterThanOrEqual(2);
    expect(meter.finished.get(p.orgId)).toHaveLength(2);
    expect(meter.finished.get(other.orgId)).toHaveLength(1);
  });
});
