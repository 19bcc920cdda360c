/**
 * A `producer` user's book on UnderwritingService (workers/underwriting/src/producer-book.ts), with
 * the producers stand-in (authority held for any producer; the commission feed's hand-overs kept):
 * the lists hold only the submissions naming the user's producer and the policies bound from them,
 * and every single read or write by id of anything else answers `not_found` exactly as a missing id
 * does, before any work. Principals that are not producer users are not confined. The feed hands
 * the producer-sold policy's timeline to ProducersInternal.recordCommissions.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { Page } from "#shared/pagination";
import type { CommissionFacts } from "#shared/rpc";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import type { Policy, PolicyTransaction } from "../../workers/underwriting/src/types.ts";
import { newPrincipal } from "../support/principals.ts";
import { workerEnv } from "./worker-env.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;
const standIn = () => workerEnv.PRODUCERS as unknown as { commissionFactsForTest(orgId: string): Promise<CommissionFacts[]> };

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const submission = (producerId: string | undefined, insuredName: string) => ({
  insuredName,
  // The bind makes the org's insured for this address: one per book, so each policy has its own.
  insuredEmail: `${insuredName.toLowerCase().replace(/[^a-z]+/g, ".")}@insureds.example`,
  naicsCode: "236220",
  annualRevenue: 8000000,
  requestedLimit: 1000000,
  effectiveDate: "2027-01-01",
  state: "OR" as const,
  lineOfBusiness: "GL" as const,
  yearsInBusiness: 12,
  ...(producerId ? { producerId } : {}),
});

/** A submission through `producerId` (or none), quoted and bound by the org's key. */
async function bound(admin: Principal, producerId: string | undefined, insuredName: string) {
  const sub = unwrap(await service().createSubmission(admin, submission(producerId, insuredName)));
  unwrap(await service().createQuote(admin, sub.id, {}));
  const bound = unwrap(await service().bindSubmission(admin, sub.id, { installmentPlan: "PIF" }, false));
  if (bound.preview || bound.status === "referred") throw new Error("bound a preview, or held for a referral");
  const policy: Policy = bound;
  return { sub, policy };
}

async function books() {
  const admin = newPrincipal(undefined, { rateLimitTier: "enterprise" });
  const mine = newId("prd");
  const theirs = newId("prd");
  const a = await bound(admin, mine, "Mine Builders");
  const b = await bound(admin, theirs, "Theirs Builders");
  const c = await bound(admin, undefined, "House Builders");
  const seller = newPrincipal(admin.orgId, { kind: "user", role: "producer", actorId: newId("usr"), producerId: mine, scopes: ["submissions:read", "submissions:write", "policies:read"] });
  return { admin, mine, theirs, a, b, c, seller };
}

/** A policy's timeline page (the RPC stub's type of its rows does not survive inference, so it is named here). */
const timeline = async (p: Principal, policyId: string) => unwrap(await service().getPolicyTimeline(p, policyId, {})) as Page<PolicyTransaction>;

const ids = (page: { data: { id: string }[] }) => page.data.map((x) => x.id).sort();

describe("a producer user's book in underwriting", () => {
  it("lists only the producer's submissions and policies; the org's key lists all", async () => {
    const { admin, a, b, c, seller, theirs } = await books();
    expect(ids(unwrap(await service().listSubmissions(seller, {})))).toEqual([a.sub.id]);
    expect(ids(unwrap(await service().listPolicies(seller, {})))).toEqual([a.policy.id]);
    expect(ids(unwrap(await service().listSubmissions(seller, { producerId: theirs })))).toEqual([]);
    expect(ids(unwrap(await service().listSubmissions(admin, {})))).toEqual([a.sub.id, b.sub.id, c.sub.id].sort());
  });

  it("answers every single read and write by id outside the book as not_found, like a missing id", async () => {
    const { admin, a, b, c, seller } = await books();
    const missingSubmission = await service().getSubmission(seller, newId("sub"));
    const missingPolicy = await service().getPolicy(seller, newId("pol"));
    expect(missingSubmission).toEqual({ ok: false, error: { code: "not_found", message: "Submission not found" } });
    expect(missingPolicy).toEqual({ ok: false, error: { code: "not_found", message: "Policy not found" } });

    expect(unwrap(await service().getSubmission(seller, a.sub.id)).id).toBe(a.sub.id);
    expect(unwrap(await service().getPolicy(seller, a.policy.id)).id).toBe(a.policy.id);
    expect((await timeline(seller, a.policy.id)).data).toHaveLength(1);
    expect(unwrap(await service().getQuoteReadiness(seller, a.sub.id)).submissionId).toBe(a.sub.id);

    for (const other of [b, c]) {
      const s = other.sub.id;
      const p = other.policy.id;
      for (const [name, result] of [
        ["getSubmission", await service().getSubmission(seller, s)],
        ["getQuoteReadiness", await service().getQuoteReadiness(seller, s)],
        ["createQuote", await service().createQuote(seller, s, {})],
        ["bindSubmission", await service().bindSubmission(seller, s, { installmentPlan: "PIF" }, true)],
      ] as const) {
        expect(result, name).toEqual(missingSubmission);
      }
      for (const [name, result] of [
        ["getPolicy", await service().getPolicy(seller, p)],
        ["getPolicyTimeline", await service().getPolicyTimeline(seller, p, {})],
        ["endorsePolicy", await service().endorsePolicy(seller, p, { effectiveDate: "2027-03-01", changes: { requestedLimit: 2000000 } }, true)],
        ["cancelPolicy", await service().cancelPolicy(seller, p, { effectiveDate: "2027-03-01", method: "pro_rata", reason: "insured_request" }, true)],
        ["renewPolicy", await service().renewPolicy(seller, p)],
        ["certificateFacts", await service().certificateFacts(seller, p, { holderName: "Harbor View Properties LLC" })],
      ] as const) {
        expect(result, name).toEqual(missingPolicy);
      }
      const insuredId = other.policy.insuredId!;
      expect(insuredId).toMatch(/^ins_/);
      expect(await service().getInsured(seller, insuredId)).toMatchObject({ ok: false, error: { code: "not_found", message: "Insured not found" } });
      // The org's key reads them all.
      expect((await service().getPolicy(admin, p)).ok).toBe(true);
      expect((await service().getInsured(admin, insuredId)).ok).toBe(true);
    }
    // Nothing was quoted, bound or renewed by the refused calls.
    expect((await timeline(admin, b.policy.id)).data.map((x) => x.type)).toEqual(["new_business"]);
    expect(unwrap(await service().listSubmissions(admin, {})).data).toHaveLength(3);
  });

  it("confines an unlinked producer user (producerId \"\") to nothing", async () => {
    const { a, seller } = await books();
    const unlinked = { ...seller, producerId: "" };
    expect(await service().getSubmission(unlinked, a.sub.id)).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await service().getPolicy(unlinked, a.policy.id)).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(unwrap(await service().listPolicies(unlinked, {})).data).toEqual([]);
  });

  it("hands the producer-sold policy's timeline to the producers worker, and nothing for the house policy", async () => {
    const { admin, mine, a, c } = await books();
    const facts = await vi.waitFor(async () => {
      const got = await standIn().commissionFactsForTest(admin.orgId);
      if (got.length < 2) throw new Error(`${got.length} hand-overs so far`);
      return got;
    });
    const ofA = facts.find((f) => f.policyId === a.policy.id);
    expect(ofA).toMatchObject({ policyNumber: a.policy.policyNumber, producerId: mine, lineOfBusiness: "GL", renewal: false });
    expect(ofA!.transactions).toMatchObject([{ seq: 1, type: "new_business", effectiveDate: "2027-01-01", premiumDeltaCents: Math.round(a.policy.grossPremium * 100) }]);
    expect(facts.some((f) => f.policyId === c.policy.id)).toBe(false);
  });
});
