import { describe, expect, it } from "vitest";
import { errorOf, unwrap } from "../support/results.ts";
import { marketRpc } from "./harness.ts";

describe("NAICS classification", () => {
  it.each([
    ["Roofing contractor installing asphalt shingles and metal roofs on houses", "238160"],
    ["Landscaping services: lawn care, planting trees and shrubs, garden maintenance", "561730"],
    ["Offices of dentists: general dentistry and oral surgery practice", "621210"],
    ["Long-distance truckload trucking of general freight", "484121"],
  ])("ranks the right code among the top five for %j", async (description, code) => {
    const result = unwrap(await marketRpc.classify({ description }));
    expect(result.edition).toBe("2017");
    expect(result.data).toHaveLength(5);
    expect(result.data.map((d) => d.code)).toContain(code);
    for (const d of result.data) expect(d.code).toMatch(/^[0-9]{6}$/);
  });

  it("puts the obvious code first, with an official title, scores best first and confidences summing to one", async () => {
    const result = unwrap(await marketRpc.classify({ description: "roofing contractor" }));
    expect(result.data[0]).toMatchObject({ code: "238160", title: "Roofing Contractors" });
    const scores = result.data.map((d) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(result.data.reduce((s, d) => s + d.confidence, 0)).toBeCloseTo(1, 2);
  });

  it("is deterministic", async () => {
    const description = "We run a small bakery making bread and cakes sold in our own shop";
    const first = unwrap(await marketRpc.classify({ description }));
    expect(unwrap(await marketRpc.classify({ description }))).toEqual(first);
  });

  it("refuses an empty description", async () => {
    expect(errorOf(await marketRpc.classify({ description: "   " }))).toMatchObject({ code: "validation_failed", details: { field: "description", rule: "required" } });
  });

  it("answers no code for words the NAICS descriptions never use", async () => {
    expect(unwrap(await marketRpc.classify({ description: "zzqx blorf" })).data).toEqual([]);
  });
});
