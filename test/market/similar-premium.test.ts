import { describe, expect, it } from "vitest";
import type { SimilarSubmissionFacts } from "#shared/rpc";
import { unwrap } from "../support/results.ts";
import { newPrincipal } from "../support/principals.ts";
import { marketRpc } from "./harness.ts";

const fact = (id: string, overrides: Partial<SimilarSubmissionFacts>): SimilarSubmissionFacts => ({
  id,
  insuredName: id,
  naicsCode: "236220",
  state: "OR",
  lineOfBusiness: "GL",
  annualRevenue: 8_000_000,
  status: "received",
  policyId: null,
  createdAt: "2026-11-01T00:00:00.000Z",
  ...overrides,
});

describe("similar-businesses premiums", () => {
  it("shows each submission's premium and where it comes from beside its outcome", async () => {
    const facts = [
      fact("sub_01JBOUND0000000000000000000", { status: "bound", policyId: "pol_01JAAAAAAAAAAAAAAAAAAAAAAA", premium: { premium: 14_250, source: "policy" } }),
      fact("sub_01JQUOTED000000000000000000", { status: "quoted", premium: { premium: 9_100.5, source: "quote" } }),
      fact("sub_01JDECLINED0000000000000000", { status: "declined", premium: { premium: 7_000, source: "quote" } }),
      fact("sub_01JOPEN00000000000000000000", { status: "received" }),
    ];
    const { data } = unwrap(await marketRpc.similarBusinesses(newPrincipal(), { naicsCode: "236220", state: "OR", annualRevenue: 8_000_000 }, facts));
    const byId = Object.fromEntries(data.map((d) => [d.submissionId, d]));
    expect(byId["sub_01JBOUND0000000000000000000"]).toMatchObject({ outcome: "bound", premium: 14_250, premiumSource: "policy", currency: "USD" });
    expect(byId["sub_01JQUOTED000000000000000000"]).toMatchObject({ outcome: "quoted", premium: 9_100.5, premiumSource: "quote" });
    expect(byId["sub_01JDECLINED0000000000000000"]).toMatchObject({ outcome: "declined", premium: 7_000, premiumSource: "quote" });
    expect(byId["sub_01JOPEN00000000000000000000"]).toMatchObject({ outcome: "open", premium: null, premiumSource: null });
  });
});
