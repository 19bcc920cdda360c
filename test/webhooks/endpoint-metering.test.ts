/**
 * Creating an endpoint counts `webhook_endpoints` in the org's usage meter (the workspace worker; here
 * its stand-in, which refuses past a limit a test sets): reserved before the insert, committed with the
 * row, released when the insert fails, returned when the endpoint is deleted. A refused create writes nothing.
 * The gateway's metered-webhooks test drives the real UsageMeter, concurrency included.
 */
import { describe, expect, it } from "vitest";
import { db, errorOf, harness, newPrincipal, unwrap } from "./harness.ts";

interface UsageStandIn {
  setUsageLimitForTest(orgId: string, limit: number): Promise<boolean>;
  usageForTest(orgId: string): Promise<{ used: number; open: number }>;
}

const URL_A = "https://hooks.example.com/openinsure";
const countOf = async (orgId: string) =>
  (await db().prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE org_id = ?").bind(orgId).first<{ n: number }>())!.n;

describe("endpoint metering: webhook_endpoints", () => {
  it("past the plan's limit a create is 403 feature_limit_reached and writes nothing; a delete gives one back", async () => {
    const h = harness();
    const usage = h.env.WORKSPACE as unknown as UsageStandIn;
    const p = newPrincipal();
    await usage.setUsageLimitForTest(p.orgId, 2);
    const a = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 2, open: 0 });
    expect(errorOf(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }))).toMatchObject({
      code: "feature_limit_reached",
      details: { feature: "webhook_endpoints", limit: 2, used: 2 },
    });
    expect(await countOf(p.orgId)).toBe(2);
    unwrap(await h.service.deleteEndpoint(p, a.id));
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
    // A second delete of it is not_found and returns nothing more.
    expect(errorOf(await h.service.deleteEndpoint(p, a.id)).code).toBe("not_found");
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
    unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 2, open: 0 });
  });

  it("an invalid create counts nothing; an insert that fails releases its reservation", async () => {
    const p = newPrincipal();
    const h = harness();
    const usage = h.env.WORKSPACE as unknown as UsageStandIn;
    expect(errorOf(await h.service.createEndpoint(p, { url: "not a url", events: ["*"] })).code).toBe("validation_failed");
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 0, open: 0 });
    // A database that refuses the insert: the create throws and its count is given back.
    const broken = harness({
      WEBHOOKS_DB: new Proxy(h.env.WEBHOOKS_DB, {
        get: (target, prop) => (prop === "prepare" ? () => { throw new Error("D1 unavailable"); } : Reflect.get(target, prop)),
      }),
    });
    await expect(broken.service.createEndpoint(p, { url: URL_A, events: ["*"] })).rejects.toThrow();
    expect(await usage.usageForTest(p.orgId)).toEqual({ used: 0, open: 0 });
    expect(await countOf(p.orgId)).toBe(0);
  });
});
