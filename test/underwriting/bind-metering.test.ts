/**
 * A bind counts `policies_bound` in the org's usage meter (the workspace worker; here its stand-in,
 * which refuses past a limit a test sets): reserved before the batch, committed when the policy is
 * written, released when it is not; a refused bind writes nothing.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);

interface UsageStandIn {
  setUsageLimitForTest(orgId: string, limit: number): Promise<boolean>;
  usageForTest(orgId: string): Promise<{ used: number; open: number }>;
}
const usage = () => workerEnv.WORKSPACE as unknown as UsageStandIn;

async function quoted(p: ReturnType<typeof newPrincipal>) {
  const sub = unwrap(await createSubmission(db(), p, quickstartSubmission() as Parameters<typeof createSubmission>[2]));
  unwrap(await createQuote(db(), p, sub.id));
  return sub;
}

const countOf = async (sql: string, orgId: string) => (await env.UNDERWRITING_DB.prepare(sql).bind(orgId).first<{ n: number }>())!.n;

describe("bind metering: policies_bound", () => {
  it("a bind within the plan counts once, committed; a retried bind of the same submission counts nothing more", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    await usage().setUsageLimitForTest(p.orgId, 5);
    const sub = await quoted(p);
    const bound = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false));
    expect(bound.preview).toBe(false);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
    expect(errorOf(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false)).code).toBe("invalid_state_transition");
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
  });

  it("past the limit the bind is 403 feature_limit_reached and writes nothing: no policy, no event, the submission still quoted", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    await usage().setUsageLimitForTest(p.orgId, 1);
    const first = await quoted(p);
    unwrap(await bindSubmission(db(), workerEnv, p, first.id, { installmentPlan: "PIF" }, false));
    const second = await quoted(p);
    // A preview gives the answer the bind would, counting nothing.
    expect(errorOf(await bindSubmission(db(), workerEnv, p, second.id, { installmentPlan: "PIF" }, true)).code).toBe("feature_limit_reached");
    const refused = errorOf(await bindSubmission(db(), workerEnv, p, second.id, { installmentPlan: "PIF" }, false));
    expect(refused).toMatchObject({ code: "feature_limit_reached", details: { feature: "policies_bound", limit: 1, used: 1 } });
    expect(refused.details?.upgradeUrl).toMatch(/^https:\/\//);
    expect(await countOf("SELECT COUNT(*) AS n FROM policies WHERE org_id = ?", p.orgId)).toBe(1);
    expect(await countOf("SELECT COUNT(*) AS n FROM events WHERE org_id = ? AND type = 'policy.bound'", p.orgId)).toBe(1);
    const row = await env.UNDERWRITING_DB.prepare("SELECT status FROM submissions WHERE id = ?").bind(second.id).first<{ status: string }>();
    expect(row?.status).toBe("quoted");
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
  });

  it("concurrent binds of distinct submissions against a remaining allowance of 2 bind exactly 2", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    await usage().setUsageLimitForTest(p.orgId, 2);
    const subs = await Promise.all(Array.from({ length: 5 }, () => quoted(p)));
    const results = await Promise.all(subs.map((s) => bindSubmission(db(), workerEnv, p, s.id, { installmentPlan: "PIF" }, false)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok).map((r) => errorOf(r).code)).toEqual(["feature_limit_reached", "feature_limit_reached", "feature_limit_reached"]);
    expect(await countOf("SELECT COUNT(*) AS n FROM policies WHERE org_id = ?", p.orgId)).toBe(2);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 2, open: 0 });
  });

  it("a bind whose batch writes nothing (the submission was bound meanwhile) gives its reservation back", async () => {
    const p = newPrincipal(undefined, { rateLimitTier: "enterprise" });
    await usage().setUsageLimitForTest(p.orgId, 10);
    const sub = await quoted(p);
    // Two binds of one submission at once: they share one reservation (keyed by the submission), one policy.
    const [a, b] = await Promise.all([
      bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false),
      bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "PIF" }, false),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 1, open: 0 });
  });
});
