/**
 * Segregation of duties, held by the underwriting worker itself (not only by the gateway's scope
 * check): deciding a referral takes `referrals:approve`, and the principal that created the
 * referral, or the quote it holds, can never decide it (`self_approval`).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SCOPE_PRESETS, type Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { approverOf, newPrincipal, rotationOf } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { quickstartSubmission } from "../support/submissions.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;

/** A user of the org signed in with a JWT, on the underwriter role's scopes unless told otherwise. */
const user = (p: Principal, id: string, scopes: readonly string[] = SCOPE_PRESETS.underwriting): Principal => ({
  ...p,
  kind: "user",
  credentialId: `jwt:${id}`,
  actorId: id,
  role: "underwriter",
  scopes: [...scopes],
});

/** The API secret acting in the org. */
const system = (p: Principal): Principal => ({ ...p, kind: "system", credentialId: "system", actorId: "system", role: "org_admin", scopes: ["*"] });

/** A quote outside delegated authority by `quoter`: its referral opens automatically, created by `quoter`. */
async function referredQuote(quoter: Principal) {
  unwrap(await service().createDaAgreement(quoter, { carrier: "Cascade Mutual", program: "GL", maxLimitPerRisk: 2_000_000, states: ["WA"], naicsPrefixes: ["23"], aggregateCap: 1_000_000 }));
  const sub = unwrap(await service().createSubmission(quoter, quickstartSubmission() as Parameters<UnderwritingService["createSubmission"]>[1]));
  const quote = unwrap(await service().createQuote(quoter, sub.id, {})) as unknown as { id: string; status: string; referralId: string };
  expect(quote.status).toBe("referred");
  return { sub, quote, referralId: quote.referralId };
}

/** A quote within authority by `quoter`, then a manual referral of it by `referrer`. */
async function manualReferral(quoter: Principal, referrer: Principal) {
  const sub = unwrap(await service().createSubmission(quoter, quickstartSubmission() as Parameters<UnderwritingService["createSubmission"]>[1]));
  unwrap(await service().createQuote(quoter, sub.id, {}));
  const referral = unwrap(await service().createReferral(referrer, { submissionId: sub.id, reason: "Unusual operations" }));
  expect(referral.createdBy).toBe(referrer.actorId);
  return { sub, referralId: referral.id };
}

const decide = (who: Principal, id: string) => service().decideReferral(who, id, { decision: "approve" });

describe("deciding a referral: segregation of duties in the worker", () => {
  it("needs referrals:approve: the underwriting preset refers but cannot decide, even what others created", async () => {
    const quoter = newPrincipal(newId("org"));
    const { referralId } = await referredQuote(quoter);
    const underwriter = user(quoter, "usr_other_underwriter");
    expect(SCOPE_PRESETS.underwriting).not.toContain("referrals:approve");
    expect(errorOf(await decide(underwriter, referralId))).toMatchObject({ code: "insufficient_scope", details: { requiredScope: "referrals:approve" } });
    // Nothing moved.
    expect(unwrap(await service().listReferrals(quoter, {})).data.find((r) => r.id === referralId)?.status).toBe("pending");

    const manager = user(quoter, "usr_manager", SCOPE_PRESETS.underwriting_manager);
    expect(unwrap(await decide(manager, referralId))).toMatchObject({ status: "approved", decidedBy: "usr_manager" });
  });

  it("the creator of an automatic referral (the quote's creator) cannot decide it, whatever its scopes", async () => {
    const quoter = newPrincipal(newId("org"));
    const { sub, referralId } = await referredQuote(quoter);
    const refused = errorOf(await decide(quoter, referralId));
    expect(refused).toMatchObject({ code: "self_approval", details: { referralId, principal: quoter.actorId, created: ["referral", "quote"] } });
    expect(unwrap(await service().getSubmission(quoter, sub.id)).status).toBe("referred");
    expect(unwrap(await decide(approverOf(quoter), referralId))).toMatchObject({ status: "approved", decidedBy: "key_approver" });
    expect(unwrap(await service().getSubmission(quoter, sub.id)).status).toBe("quoted");
  });

  it("neither the quote's creator nor the referral's creator may decide a manual referral; a third principal may", async () => {
    const org = newPrincipal(newId("org"));
    const quoter = user(org, "usr_quoter", ["*"]);
    const referrer = user(org, "usr_referrer", ["*"]);
    const { referralId } = await manualReferral(quoter, referrer);
    expect(errorOf(await decide(quoter, referralId))).toMatchObject({ code: "self_approval", details: { created: ["quote"] } });
    expect(errorOf(await decide(referrer, referralId))).toMatchObject({ code: "self_approval", details: { created: ["referral"] } });
    // A request for information is a decision too.
    expect(errorOf(await service().decideReferral(referrer, referralId, { decision: "request_info" })).code).toBe("self_approval");
    expect(unwrap(await service().decideReferral(user(org, "usr_manager", ["referrals:approve"]), referralId, { decision: "reject" }))).toMatchObject({ status: "rejected" });
  });

  it("whoever re-quotes under an open referral has priced what it holds, and cannot decide it", async () => {
    const quoter = newPrincipal(newId("org"));
    const { sub, referralId } = await referredQuote(quoter);
    const manager = approverOf(quoter);
    const requote = unwrap(await service().createQuote(manager, sub.id, {})) as unknown as { referralId: string };
    expect(requote.referralId).toBe(referralId);
    expect(errorOf(await decide(manager, referralId))).toMatchObject({ code: "self_approval", details: { created: ["quote"] } });
    expect(errorOf(await decide(quoter, referralId))).toMatchObject({ code: "self_approval", details: { created: ["referral"] } });
    expect(unwrap(await decide(approverOf(quoter, { credentialId: "key_third", actorId: "key_third" }), referralId)).status).toBe("approved");
  });

  it("a key and its rotations are one principal: a rotated key cannot decide what its predecessor created", async () => {
    const quoter = newPrincipal(newId("org"), { credentialId: "key_first", actorId: "key_first", principalId: "key_first" });
    const { referralId } = await referredQuote(quoter);
    const rotated = rotationOf(quoter, "key_second");
    expect(rotated.actorId).not.toBe(quoter.actorId);
    expect(errorOf(await decide(rotated, referralId))).toMatchObject({ code: "self_approval", details: { referralId, principal: "key_second", created: ["referral", "quote"] } });
    // Two rotations on, still the same principal; the manual referral it opens binds it too.
    const later = rotationOf(rotated, "key_third");
    expect(errorOf(await decide(later, referralId)).code).toBe("self_approval");
    const other = newPrincipal(newId("org"), { credentialId: "key_one", actorId: "key_one", principalId: "key_one" });
    const manual = await manualReferral(other, rotationOf(other, "key_two"));
    expect(errorOf(await decide(rotationOf(other, "key_three"), manual.referralId))).toMatchObject({ code: "self_approval", details: { created: ["referral", "quote"] } });
    // Another lineage decides.
    expect(unwrap(await decide(approverOf(quoter, { principalId: "key_approver" }), referralId))).toMatchObject({ status: "approved", decidedBy: "key_approver" });
  });

  it("rows written before creators' principals were recorded are judged by their creating key, against a caller's key and its lineage root", async () => {
    const quoter = newPrincipal(newId("org"), { credentialId: "key_root", actorId: "key_root", principalId: "key_root" });
    const { quote, referralId } = await referredQuote(quoter);
    // As migration 0007 leaves older rows: no recorded principal.
    const d1 = env.UNDERWRITING_DB;
    await d1.batch([
      d1.prepare("UPDATE quotes SET created_by_principal = NULL WHERE id = ?").bind(quote.id),
      d1.prepare("UPDATE referrals SET created_by_principal = NULL WHERE id = ?").bind(referralId),
    ]);
    // The same key, and a rotation of it (whose lineage root is the creating key), are refused.
    expect(errorOf(await decide(quoter, referralId)).code).toBe("self_approval");
    expect(errorOf(await decide(rotationOf(quoter, "key_rotated"), referralId))).toMatchObject({ code: "self_approval", details: { created: ["referral", "quote"] } });
    expect(unwrap(await decide(approverOf(quoter, { principalId: "key_approver" }), referralId)).status).toBe("approved");
  });

  it("the API secret is one principal: it cannot decide what it created, and may decide what others did", async () => {
    const org = newPrincipal(newId("org"));
    const bySystem = await referredQuote(system(org));
    expect(errorOf(await decide(system(org), bySystem.referralId)).code).toBe("self_approval");
    expect(unwrap(await decide(user(org, "usr_manager", SCOPE_PRESETS.underwriting_manager), bySystem.referralId)).status).toBe("approved");

    // In an org without agreements, a key quotes and refers; the API secret decides.
    const other = newPrincipal(newId("org"));
    const byKey = await manualReferral(other, other);
    expect(unwrap(await decide(system(other), byKey.referralId))).toMatchObject({ status: "approved", decidedBy: "system" });
  });
});
