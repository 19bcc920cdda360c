/**
 * Policy paper from underwriting's side: bind and endorsement write their pending jobs in their own
 * batch, issue them after the commit, and the cron's sweep issues whatever is left; the documents
 * worker here is the stand-in of vitest.config.ts, which a test can make fail for its own org (the
 * documents project and the gateway's test the real rendering).
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import worker from "../../workers/underwriting/src/index.ts";
import { bindSubmission } from "../../workers/underwriting/src/bind.service.ts";
import { getPolicy } from "../../workers/underwriting/src/policies.service.ts";
import { PAPER_ALERT_ATTEMPTS, paperRetryDelayMs, sweepPendingPaper } from "../../workers/underwriting/src/policy-paper.ts";
import { endorsePolicy, renewPolicy } from "../../workers/underwriting/src/policy-transactions.service.ts";
import { createQuote } from "../../workers/underwriting/src/quotes.service.ts";
import { createSubmission } from "../../workers/underwriting/src/submissions.service.ts";
import type { Policy } from "../../workers/underwriting/src/types.ts";
import { realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";
import { workerEnv } from "./worker-env.ts";

const db = () => drizzle(env.UNDERWRITING_DB);

/** The stand-in documents worker's test controls (vitest.config.ts). */
const paper = workerEnv.DOCUMENTS as unknown as {
  paperFaultForTest(orgId: string, mode: "down" | "lose_answer" | null): Promise<boolean>;
  paperCallsForTest(orgId: string): Promise<{ calls: number; documents: { id: string; kind: string; filename: string }[] }>;
};

type SubmissionInput = Parameters<typeof createSubmission>[2];

const glSubmission = (): SubmissionInput => ({ ...quickstartSubmission(), insuredEmail: "risk@pacific.example" }) as SubmissionInput;
const caSubmission = (overrides: Partial<SubmissionInput> = {}): SubmissionInput =>
  ({ ...quickstartSubmission(), insuredName: "Interstate Haulers", naicsCode: "484121", lineOfBusiness: "CA", vehicleCount: 12, ...overrides }) as SubmissionInput;
const propSubmission = (): SubmissionInput => ({ ...quickstartSubmission(), lineOfBusiness: "PROP", propertyValues: 4_000_000 }) as SubmissionInput;

async function bind(p: Principal, input: SubmissionInput): Promise<Policy> {
  const sub = unwrap(await createSubmission(db(), p, input));
  unwrap(await createQuote(db(), p, sub.id));
  const bound = unwrap(await bindSubmission(db(), workerEnv, p, sub.id, { installmentPlan: "QUARTERLY" }, false));
  if (bound.preview || bound.status === "referred") throw new Error("bound a preview, or held for a referral");
  return bound;
}

/** The job rows of a policy, as stored, in seq and kind order. */
async function jobs(policyId: string) {
  const rows = await env.UNDERWRITING_DB.prepare("SELECT * FROM policy_documents WHERE policy_id = ? ORDER BY seq, kind").bind(policyId).all<Record<string, any>>();
  return rows.results.map((r) => ({ ...r, data: JSON.parse(r.data as string) }) as Record<string, any>);
}

const principal = () => newPrincipal(undefined, { rateLimitTier: "enterprise" });

/** A sweep's clock `ms` from now (real time: retries are delivery machinery, not the book's calendar). */
const inMs = (ms: number) => () => new Date(realNow() + ms).toISOString();
/** Past any retry's backoff. */
const later = inMs(2 * 60 * 60_000);

describe("bind issues the policy's paper", () => {
  it("a GL policy gets one declarations page as of its bind, issued at once and listed on the policy", async () => {
    const p = principal();
    const policy = await bind(p, glSubmission());
    expect(policy.documents).toHaveLength(1);
    const [doc] = policy.documents;
    expect(doc).toMatchObject({ kind: "declarations", status: "issued", transactionType: "new_business", endorsementNumber: null, effectiveDate: "2027-05-01", current: true });
    expect(doc!.documentId).toMatch(/^doc_/);
    const [job] = await jobs(policy.id);
    expect(job).toMatchObject({ kind: "declarations", status: "issued", document_id: doc!.documentId, seq: 1, source_key: `${policy.id}:1:declarations`, attempts: 0 });
    // The snapshot carries the policy as bound, its number assigned by the same batch.
    expect(job!.data).toMatchObject({
      policyNumber: policy.policyNumber,
      insured: { name: "Pacific Coast Builders", email: "risk@pacific.example" },
      lineOfBusiness: "GL",
      limit: 1_000_000,
      premium: policy.grossPremium,
      ratingBasis: { basis: "revenue", amount: 8_000_000 },
      installmentPlan: "QUARTERLY",
      insurer: null,
    });
    expect(job!.data.installments).toHaveLength(4);
    // The stand-in was asked once, with the producer named from identity and a file name from the number.
    const asked = await paper.paperCallsForTest(p.orgId);
    expect(asked.calls).toBe(1);
    expect(asked.documents).toEqual([expect.objectContaining({ id: doc!.documentId, kind: "declarations", filename: `${policy.policyNumber}-declarations-1.pdf` })]);
    expect(unwrap(await getPolicy(db(), p, policy.id)).documents).toEqual(policy.documents);
  });

  it("PROP gets no MCS-90; CA gets one at the $750,000 federal minimum, and $5,000,000 with hazmat", async () => {
    const p = principal();
    const prop = await bind(p, propSubmission());
    expect(prop.documents.map((d) => d.kind)).toEqual(["declarations"]);
    expect((await jobs(prop.id))[0]!.data.ratingBasis).toEqual({ basis: "property_values", amount: 4_000_000 });

    const ca = await bind(p, caSubmission());
    expect(ca.documents.map((d) => [d.kind, d.status, d.current])).toEqual([["declarations", "issued", true], ["mcs90", "issued", true]]);
    const caJobs = await jobs(ca.id);
    expect(caJobs[1]!.data).toMatchObject({ policyNumber: ca.policyNumber, limit: 750_000, hazmat: false, effectiveDate: "2027-05-01" });
    expect(caJobs[0]!.data.forms.map((f: { code: string }) => f.code)).toContain("MCS-90");
    expect(caJobs[0]!.data.ratingBasis).toEqual({ basis: "vehicles", amount: 12 });

    const hazmat = await bind(p, caSubmission({ hazmat: true }));
    expect((await jobs(hazmat.id))[1]!.data).toMatchObject({ limit: 5_000_000, hazmat: true });
  });

  it("hazmat is refused on a line other than CA, naming the field", async () => {
    const error = errorOf(await createSubmission(db(), principal(), { ...glSubmission(), hazmat: true }));
    expect(error).toMatchObject({ code: "validation_failed", details: { field: "hazmat", rule: "line_of_business" } });
  });

  it("a renewal bind issues the renewal policy's own paper", async () => {
    const p = principal();
    const expiring = await bind(p, caSubmission({ hazmat: true }));
    const renewal = unwrap(await renewPolicy(db(), workerEnv, p, expiring.id));
    const bound = unwrap(await bindSubmission(db(), workerEnv, p, renewal.submission.id, { installmentPlan: "PIF" }, false));
    if (bound.preview || bound.status === "referred") throw new Error("bound a preview, or held for a referral");
    expect(bound.documents.map((d) => [d.kind, d.transactionType, d.status])).toEqual([["declarations", "renewal", "issued"], ["mcs90", "renewal", "issued"]]);
    // The hazardous cargo carries over to the renewal's MCS-90.
    expect((await jobs(bound.id))[1]!.data).toMatchObject({ limit: 5_000_000, reflects: { transactionType: "renewal" } });
  });
});

describe("an endorsement re-issues the paper", () => {
  it("a new declarations page and MCS-90 reflecting it; the bind's stay listed, no longer current", async () => {
    const p = principal();
    const policy = await bind(p, caSubmission());
    const endorsed = unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-08-01", changes: { vehicleCount: 14 } }, false));
    if (!("transaction" in endorsed) || "status" in endorsed) throw new Error("expected an applied endorsement");
    const docs = endorsed.policy.documents;
    expect(docs.map((d) => [d.kind, d.transactionType, d.endorsementNumber, d.current, d.status])).toEqual([
      ["declarations", "new_business", null, false, "issued"],
      ["mcs90", "new_business", null, false, "issued"],
      ["declarations", "endorsement", 1, true, "issued"],
      ["mcs90", "endorsement", 1, true, "issued"],
    ]);
    expect(new Set(docs.map((d) => d.documentId)).size).toBe(4);
    expect(docs[2]).toMatchObject({ transactionId: endorsed.transaction.id, effectiveDate: "2027-08-01" });
    const rows = await jobs(policy.id);
    expect(rows[2]!.data).toMatchObject({
      ratingBasis: { basis: "vehicles", amount: 14 },
      premium: endorsed.policy.writtenPremium,
      reflects: { transactionType: "endorsement", endorsementNumber: 1, effectiveDate: "2027-08-01" },
      endorsements: [{ number: 1, effectiveDate: "2027-08-01", description: "Vehicles changed to 14" }],
    });
    expect(rows[3]!.data).toMatchObject({ effectiveDate: "2027-08-01", limit: 750_000 });

    const second = unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-09-01", description: "Added a trailer", changes: { vehicleCount: 15 } }, false));
    if (!("transaction" in second) || "status" in second) throw new Error("expected an applied endorsement");
    expect(second.policy.documents.filter((d) => d.current).map((d) => d.endorsementNumber)).toEqual([2, 2]);
    expect((await jobs(policy.id))[4]!.data.endorsements.map((e: { description: string }) => e.description)).toEqual(["Vehicles changed to 14", "Added a trailer"]);
  });

  it("a preview writes no paper", async () => {
    const p = principal();
    const policy = await bind(p, glSubmission());
    const preview = unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-08-01", changes: { requestedLimit: 2_000_000 } }, true));
    if (!("transaction" in preview) || "status" in preview) throw new Error("expected an applied preview");
    expect(preview.policy.documents).toHaveLength(1);
    expect(await jobs(policy.id)).toHaveLength(1);
  });
});

describe("the documents worker failing never fails the transaction, and loses nothing", () => {
  it("down at bind: the bind succeeds with its paper pending; the cron's sweep issues it once it is back", async () => {
    const p = principal();
    await paper.paperFaultForTest(p.orgId, "down");
    const policy = await bind(p, caSubmission());
    expect(policy.status).toBe("active");
    expect(policy.documents.map((d) => [d.kind, d.status, d.documentId, d.issuedAt])).toEqual([["declarations", "pending", null, null], ["mcs90", "pending", null, null]]);
    expect((await jobs(policy.id)).map((j) => [j.status, j.attempts, j.last_error])).toEqual([["pending", 1, "documents_unavailable"], ["pending", 1, "documents_unavailable"]]);
    expect(unwrap(await getPolicy(db(), p, policy.id)).documents.every((d) => d.status === "pending")).toBe(true);

    // Still down: the sweep tries again once they are due, and leaves them pending.
    await sweepPendingPaper(db(), workerEnv, 1000, later);
    expect((await jobs(policy.id)).map((j) => j.attempts)).toEqual([2, 2]);

    await paper.paperFaultForTest(p.orgId, null);
    // The cron itself (the worker's scheduled handler) runs the sweep, at its own scheduled time.
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: realNow() + 4 * 60 * 60_000 }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    const after = unwrap(await getPolicy(db(), p, policy.id)).documents;
    expect(after.map((d) => [d.kind, d.status])).toEqual([["declarations", "issued"], ["mcs90", "issued"]]);
    expect(after.every((d) => d.documentId?.startsWith("doc_") && d.issuedAt !== null)).toBe(true);
    expect((await paper.paperCallsForTest(p.orgId)).documents).toHaveLength(2);
  });

  it("an answer lost after the document was stored: the retry gets that same document, never a second one", async () => {
    const p = principal();
    await paper.paperFaultForTest(p.orgId, "lose_answer");
    const policy = await bind(p, glSubmission());
    expect(policy.documents[0]).toMatchObject({ status: "pending", documentId: null });
    // The documents side did store it; underwriting only lost the answer.
    const stored = (await paper.paperCallsForTest(p.orgId)).documents;
    expect(stored).toHaveLength(1);

    await paper.paperFaultForTest(p.orgId, null);
    await sweepPendingPaper(db(), workerEnv, 1000, later);
    const [doc] = unwrap(await getPolicy(db(), p, policy.id)).documents;
    expect(doc).toMatchObject({ status: "issued", documentId: stored[0]!.id });
    const before = (await paper.paperCallsForTest(p.orgId)).calls;
    // Nothing is pending any more: another sweep asks nothing and changes nothing.
    await sweepPendingPaper(db(), workerEnv, 1000, later);
    expect((await paper.paperCallsForTest(p.orgId)).calls).toBe(before);
    expect((await paper.paperCallsForTest(p.orgId)).documents).toHaveLength(1);
  });

  it("down at an endorsement: the endorsement commits, its paper pending beside the bind's issued paper", async () => {
    const p = principal();
    const policy = await bind(p, glSubmission());
    await paper.paperFaultForTest(p.orgId, "down");
    const endorsed = unwrap(await endorsePolicy(db(), workerEnv, p, policy.id, { effectiveDate: "2027-08-01", changes: { requestedLimit: 2_000_000 } }, false));
    if (!("transaction" in endorsed) || "status" in endorsed) throw new Error("expected an applied endorsement");
    expect(endorsed.policy.limit).toBe(2_000_000);
    expect(endorsed.policy.documents.map((d) => [d.status, d.current])).toEqual([["issued", false], ["pending", true]]);
    await paper.paperFaultForTest(p.orgId, null);
    await sweepPendingPaper(db(), workerEnv, 1000, later);
    expect(unwrap(await getPolicy(db(), p, policy.id)).documents.map((d) => d.status)).toEqual(["issued", "issued"]);
  });

  it("a job that keeps failing backs off: a minute, doubling to an hour, never asked before it is due", async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(paperRetryDelayMs)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60].map((m) => m * 60_000));

    const p = principal();
    await paper.paperFaultForTest(p.orgId, "down");
    const policy = await bind(p, glSubmission());
    const [first] = await jobs(policy.id);
    expect(first).toMatchObject({ status: "pending", attempts: 1 });
    const due = Date.parse(first!.next_attempt_at);
    expect(due - Date.parse(first!.created_at)).toBeGreaterThanOrEqual(paperRetryDelayMs(1) - 5_000);

    // Before it is due, a sweep does not ask for it.
    const calls = (await paper.paperCallsForTest(p.orgId)).calls;
    await sweepPendingPaper(db(), workerEnv, 1000, () => new Date(due - 1_000).toISOString());
    expect((await paper.paperCallsForTest(p.orgId)).calls).toBe(calls);
    expect((await jobs(policy.id))[0]!.attempts).toBe(1);

    // Due: asked, failed again, next due two minutes after that sweep.
    await sweepPendingPaper(db(), workerEnv, 1000, () => new Date(due).toISOString());
    const [second] = await jobs(policy.id);
    expect(second).toMatchObject({ attempts: 2, last_error: "documents_unavailable" });
    expect(Date.parse(second!.next_attempt_at) - due).toBe(paperRetryDelayMs(2));

    // Failing on, it stays pending (paper is never given up) and is logged as an error from the alert threshold.
    let at = Date.parse(second!.next_attempt_at);
    for (let n = 3; n <= PAPER_ALERT_ATTEMPTS; n++) {
      await sweepPendingPaper(db(), workerEnv, 1000, () => new Date(at).toISOString());
      at = Date.parse((await jobs(policy.id))[0]!.next_attempt_at);
    }
    expect((await jobs(policy.id))[0]).toMatchObject({ status: "pending", attempts: PAPER_ALERT_ATTEMPTS });

    await paper.paperFaultForTest(p.orgId, null);
    await sweepPendingPaper(db(), workerEnv, 1000, () => new Date(at).toISOString());
    expect((await jobs(policy.id))[0]).toMatchObject({ status: "issued", next_attempt_at: null });
  });
});

describe("tenancy", () => {
  it("another org's policy, and so its paper, is not found", async () => {
    const policy = await bind(principal(), glSubmission());
    expect(errorOf(await getPolicy(db(), principal(), policy.id)).code).toBe("not_found");
  });
});
