import { describe, expect, it } from "vitest";
import { errorOf, unwrap } from "../support/results.ts";
import { newPrincipal } from "../support/principals.ts";
import { marketRpc } from "./harness.ts";

const cover = { lineOfBusiness: "GL" as const, requestedLimit: 1_000_000, effectiveDate: "2027-05-01" };

async function prospect(p: ReturnType<typeof newPrincipal>) {
  return unwrap(await marketRpc.createClient(p, { name: "Cascade Roofing Co.", state: "OR", naicsCode: "238160", annualRevenue: 1_750_000.25, contactEmail: "ops@cascaderoofing.example", notes: "Wants GL" }));
}

describe("a client turned into a submission (the market worker's part)", () => {
  it("builds the submission body from the client, with the request's overrides", async () => {
    const p = newPrincipal();
    const client = await prospect(p);
    const claim = unwrap(await marketRpc.claimClientConversion(p, client.id, { ...cover, state: "WA", yearsInBusiness: 4 }));
    expect(claim.token).toEqual(expect.any(String));
    expect(claim.submission).toEqual({
      ...cover,
      yearsInBusiness: 4,
      insuredName: "Cascade Roofing Co.",
      naicsCode: "238160",
      state: "WA",
      annualRevenue: 1_750_000.25,
      insuredEmail: "ops@cascaderoofing.example",
      notes: "Wants GL",
    });
  });

  it("holds the client for one request at a time, lets it go on release, and links it once", async () => {
    const p = newPrincipal();
    const client = await prospect(p);
    const first = unwrap(await marketRpc.claimClientConversion(p, client.id, cover));
    expect(errorOf(await marketRpc.claimClientConversion(p, client.id, cover))).toMatchObject({ code: "conflict", details: { clientId: client.id } });
    unwrap(await marketRpc.releaseClientConversion(p, client.id, first.token));
    const second = unwrap(await marketRpc.claimClientConversion(p, client.id, cover));
    // The released token no longer links anything.
    expect(errorOf(await marketRpc.completeClientConversion(p, client.id, first.token, "sub_01JAAAAAAAAAAAAAAAAAAAAAAA"))).toMatchObject({ code: "conflict" });
    const linked = unwrap(await marketRpc.completeClientConversion(p, client.id, second.token, "sub_01JBBBBBBBBBBBBBBBBBBBBBBB"));
    expect(linked).toMatchObject({ status: "converted", submissionId: "sub_01JBBBBBBBBBBBBBBBBBBBBBBB", convertedAt: expect.any(String) });
    expect(errorOf(await marketRpc.claimClientConversion(p, client.id, cover))).toMatchObject({ code: "conflict", details: { submissionId: "sub_01JBBBBBBBBBBBBBBBBBBBBBBB" } });
  });

  it("lets a later request take over a claim whose request died (older than a minute)", async () => {
    const p = newPrincipal();
    const client = await prospect(p);
    unwrap(await marketRpc.claimClientConversion(p, client.id, cover));
    const later = { ...p, clockOffsetMs: (p.clockOffsetMs ?? 0) + 61_000 };
    expect(unwrap(await marketRpc.claimClientConversion(later, client.id, cover)).token).toEqual(expect.any(String));
  });

  it("refuses a client without the facts a submission needs, naming each", async () => {
    const p = newPrincipal();
    const bare = unwrap(await marketRpc.createClient(p, { name: "Bare Co" }));
    expect(errorOf(await marketRpc.claimClientConversion(p, bare.id, cover))).toMatchObject({ code: "validation_failed", details: { field: "naicsCode", rule: "required" } });
    expect(errorOf(await marketRpc.claimClientConversion(p, bare.id, { ...cover, naicsCode: "541511" }))).toMatchObject({ details: { field: "state", rule: "required" } });
    expect(errorOf(await marketRpc.claimClientConversion(p, bare.id, { ...cover, naicsCode: "541511", state: "OR" }))).toMatchObject({ details: { field: "annualRevenue", rule: "required" } });
    expect(errorOf(await marketRpc.claimClientConversion(p, bare.id, { ...cover, naicsCode: "541510", state: "OR", annualRevenue: 1 }))).toMatchObject({ details: { field: "naicsCode", rule: "naics_code" } });
    // None of these held the client.
    expect(unwrap(await marketRpc.claimClientConversion(p, bare.id, { ...cover, naicsCode: "541511", state: "OR", annualRevenue: 1 })).token).toEqual(expect.any(String));
  });

  it("answers 404 for another org's client and leaves it untouched", async () => {
    const owner = newPrincipal();
    const client = await prospect(owner);
    const other = newPrincipal();
    expect(errorOf(await marketRpc.claimClientConversion(other, client.id, cover))).toMatchObject({ code: "not_found" });
    expect(errorOf(await marketRpc.completeClientConversion(other, client.id, "any", "sub_01JAAAAAAAAAAAAAAAAAAAAAAA"))).toMatchObject({ code: "not_found" });
    expect(unwrap(await marketRpc.getClient(owner, client.id))).toMatchObject({ status: "prospect", submissionId: null });
  });
});
