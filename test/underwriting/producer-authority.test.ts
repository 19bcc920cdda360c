/**
 * Underwriting's side of distribution authority (workers/underwriting/src/producer-authority.ts),
 * against a stand-in for ProducersInternal: what it asks (the submission's state, line and effective
 * date), the 404 naming `producerId` for a producer the org does not have, and bind's refusal naming
 * the failed checks.
 */
import { describe, expect, it } from "vitest";
import type { Result } from "#shared/errors";
import type { AuthorityCheck, AuthorityRequest, ProducerAuthority, ProducersInternalRpc } from "#shared/rpc";
import { knownProducer, producerAuthority, producerGate } from "../../workers/underwriting/src/producer-authority.ts";

const sub = { producerId: "prd_01JABCDEFGHJKMNPQRSTVWXYZ0", state: "OR", lineOfBusiness: "GL", effectiveDate: "2027-01-01" } as const;

function standIn(answer: (orgId: string, producerId: string, request: AuthorityRequest) => Result<ProducerAuthority>) {
  const asked: [string, string, AuthorityRequest][] = [];
  const producers = {
    authorityFor: async (orgId: string, producerId: string, request: AuthorityRequest) => {
      asked.push([orgId, producerId, request]);
      return answer(orgId, producerId, request);
    },
  } as unknown as Service<ProducersInternalRpc>;
  return { producers, asked };
}

const checks = (failed: AuthorityCheck["check"][]): AuthorityCheck[] =>
  (["status", "license", "expiry", "appointment"] as const).map((check) => ({ check, passed: !failed.includes(check), message: `${check} ${failed.includes(check) ? "failed" : "held"}` }));

const authority = (failed: AuthorityCheck["check"][]): Result<ProducerAuthority> => ({
  ok: true,
  value: { producerId: sub.producerId, producerName: "Cascade Risk Partners", state: "OR", lineOfBusiness: "GL", effectiveDate: sub.effectiveDate, authorized: failed.length === 0, checks: checks(failed) },
});

describe("producer authority in underwriting", () => {
  it("asks for the submission's state, line and effective date, and asks nothing without a producer", async () => {
    const { producers, asked } = standIn(() => authority([]));
    expect(await producerAuthority(producers, "org_1", sub)).toMatchObject({ ok: true, value: { authorized: true } });
    expect(asked).toEqual([["org_1", sub.producerId, { state: "OR", lineOfBusiness: "GL", effectiveDate: "2027-01-01" }]]);
    expect(await producerGate(producers, "org_1", { ...sub, producerId: null })).toEqual({ ok: true, value: null });
    expect(asked).toHaveLength(1);
  });

  it("answers 404 naming producerId for a producer the org does not have", async () => {
    const { producers } = standIn(() => ({ ok: false, error: { code: "not_found", message: "Producer not found" } }));
    for (const result of [await knownProducer(producers, "org_1", sub), await producerGate(producers, "org_1", sub)]) {
      expect(result).toMatchObject({ ok: false, error: { code: "not_found", details: { field: "producerId" } } });
    }
  });

  it("lets bind through when every check holds, and refuses naming the failed ones otherwise", async () => {
    expect(await producerGate(standIn(() => authority([])).producers, "org_1", sub)).toEqual({ ok: true, value: null });
    const refused = await producerGate(standIn(() => authority(["expiry", "appointment"])).producers, "org_1", sub);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "producer_not_authorized", details: { producerId: sub.producerId, state: "OR", lineOfBusiness: "GL", effectiveDate: "2027-01-01", failed: ["expiry", "appointment"] } },
    });
    if (!refused.ok) {
      expect(refused.error.message).toContain("expiry failed; appointment failed");
      expect(refused.error.details?.checks).toHaveLength(4);
    }
  });
});
