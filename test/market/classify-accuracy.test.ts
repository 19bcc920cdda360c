import { describe, expect, it } from "vitest";
import { isOfficialNaicsCode } from "#shared/naics";
import { ACCURACY_CASES, measureAccuracy } from "../../scripts/lib/naics-accuracy.ts";
import { unwrap } from "../support/results.ts";
import { marketRpc } from "./harness.ts";

describe("classification accuracy on the committed hand-written set", () => {
  it("is a set of at least 100 distinct descriptions, each with an official 2017 code and its title", () => {
    expect(ACCURACY_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ACCURACY_CASES.map((c) => c.description)).size).toBe(ACCURACY_CASES.length);
    for (const c of ACCURACY_CASES) expect(isOfficialNaicsCode(c.code), c.code).toBe(true);
    // Many industries, not a few repeated: at least 15 two-digit sectors.
    expect(new Set(ACCURACY_CASES.map((c) => c.code.slice(0, 2))).size).toBeGreaterThanOrEqual(15);
  });

  it("names the right code first for at least 80% and among the five for at least 95% (measured 0.826 / 0.980)", () => {
    const report = measureAccuracy();
    expect(report.top1).toBeGreaterThanOrEqual(0.8);
    expect(report.top5).toBeGreaterThanOrEqual(0.95);
  });

  it("answers the same through the worker as the measured ranking", async () => {
    for (const c of ACCURACY_CASES.slice(0, 10)) {
      const served = unwrap(await marketRpc.classify({ description: c.description }));
      expect(served.data.map((d) => d.code)).toContain(c.code);
    }
  });
});
