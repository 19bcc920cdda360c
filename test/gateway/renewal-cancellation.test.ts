import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";
import { bindPolicy, glSubmission, PLAIN_YEAR } from "./lifecycle-harness.ts";

const Y = PLAIN_YEAR;
const CANCEL = { effectiveDate: `${Y}-05-01`, method: "pro_rata", reason: "insured_request" };

/** A bound policy ahead of the test calendar and its renewal in progress (a quoted submission). */
async function policyWithRenewal(apiKey: string) {
  const policy = await bindPolicy(apiKey, glSubmission({ effectiveDate: `${Y}-01-01` }));
  const renewal = await call("POST", `/v1/policies/${policy.id}/renew`, { apiKey });
  expect(renewal.status).toBe(201);
  const { submission } = await json(renewal);
  expect(submission.status).toBe("quoted");
  return { policy, renewalId: submission.id as string };
}

const statusOf = async (apiKey: string, submissionId: string) =>
  (await json(await call("GET", `/v1/submissions/${submissionId}`, { apiKey }))).status;

describe("a cancelled policy has no next term", () => {
  it("cancelling withdraws the renewal in progress, which can then be neither bound nor quoted", async () => {
    const { apiKey } = await createTenant();
    const { policy, renewalId } = await policyWithRenewal(apiKey);

    // A preview changes nothing, the renewal included.
    expect((await call("POST", `/v1/policies/${policy.id}/cancel?preview=true`, { apiKey, body: CANCEL })).status).toBe(200);
    expect(await statusOf(apiKey, renewalId)).toBe("quoted");

    expect((await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey, body: CANCEL })).status).toBe(200);
    expect(await statusOf(apiKey, renewalId)).toBe("withdrawn");

    const bind = await call("POST", `/v1/submissions/${renewalId}/bind`, { apiKey, body: { installmentPlan: "PIF" } });
    expect(bind.status).toBe(422);
    expect((await json(bind)).error).toBe("invalid_state_transition");
    const requote = await call("POST", `/v1/submissions/${renewalId}/quote`, { apiKey });
    expect(requote.status).toBe(422);
    expect((await json(requote)).details).toMatchObject({ status: "withdrawn" });

    // Only this policy's renewal was touched: the list of withdrawn submissions holds it alone.
    const withdrawn = await json(await call("GET", "/v1/submissions?status=withdrawn", { apiKey }));
    expect(withdrawn.data.map((s: { id: string }) => s.id)).toEqual([renewalId]);
  });

  it("a reinstated policy renews afresh; the withdrawn renewal stays withdrawn", async () => {
    const { apiKey } = await createTenant();
    const { policy, renewalId } = await policyWithRenewal(apiKey);
    expect((await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey, body: CANCEL })).status).toBe(200);
    expect((await call("POST", `/v1/policies/${policy.id}/reinstate`, { apiKey, body: { effectiveDate: `${Y}-05-20` } })).status).toBe(200);

    const again = await call("POST", `/v1/policies/${policy.id}/renew`, { apiKey });
    expect(again.status).toBe(201);
    const { submission } = await json(again);
    expect(submission.id).not.toBe(renewalId);
    expect(await statusOf(apiKey, renewalId)).toBe("withdrawn");
    const bound = await call("POST", `/v1/submissions/${submission.id}/bind`, { apiKey, body: { installmentPlan: "PIF" } });
    expect(bound.status).toBe(201);
    expect(await json(bound)).toMatchObject({ preview: false, renewalOfPolicyId: policy.id });
  });

  it("binding a renewal whose expiring policy is cancelled is refused, even when the renewal still reads quoted", async () => {
    const { apiKey } = await createTenant();
    const { policy, renewalId } = await policyWithRenewal(apiKey);
    expect((await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey, body: CANCEL })).status).toBe(200);
    // A renewal left quoted by data written before cancellations withdrew renewals.
    await env.UNDERWRITING_DB.prepare("UPDATE submissions SET status = 'quoted' WHERE id = ?").bind(renewalId).run();

    const bind = await call("POST", `/v1/submissions/${renewalId}/bind`, { apiKey, body: { installmentPlan: "PIF" } });
    expect(bind.status).toBe(422);
    expect(await json(bind)).toMatchObject({ error: "invalid_state_transition", details: { renewalOfPolicyId: policy.id, status: "cancelled" } });
    const policies = await json(await call("GET", `/v1/policies?limit=100`, { apiKey }));
    expect(policies.data).toHaveLength(1);
  });
});
