/**
 * How well `classify` names a business's NAICS industry, measured on the committed set
 * test/fixtures/naics-accuracy.json (descriptions written by hand, each with the industry the
 * official 2017 titles and descriptions give it). Top-1: the right code first; top-5: among the
 * five `classify` answers. Shared by the market test (thresholds) and `npm run bench:market`.
 */
import { rank } from "../../workers/market/src/classify.ts";
import set from "../../test/fixtures/naics-accuracy.json" with { type: "json" };

export interface AccuracyCase {
  description: string;
  code: string;
  title: string;
}

export interface AccuracyReport {
  cases: number;
  top1: number;
  top5: number;
  /** Cases whose code was not among the five, with what came first. */
  misses: { description: string; code: string; got: string[] }[];
  /** Milliseconds per classification (the index built beforehand). */
  meanMs: number;
  p99Ms: number;
}

export const ACCURACY_CASES: readonly AccuracyCase[] = (set as { cases: AccuracyCase[] }).cases;

const round = (v: number, places = 3) => Math.round(v * 10 ** places) / 10 ** places;

export function measureAccuracy(cases: readonly AccuracyCase[] = ACCURACY_CASES): AccuracyReport {
  rank("warm the index");
  let top1 = 0;
  let top5 = 0;
  const misses: AccuracyReport["misses"] = [];
  const times: number[] = [];
  for (const c of cases) {
    const started = performance.now();
    const got = rank(c.description).slice(0, 5).map((r) => r.code);
    times.push(performance.now() - started);
    if (got[0] === c.code) top1++;
    if (got.includes(c.code)) top5++;
    else misses.push({ description: c.description, code: c.code, got });
  }
  times.sort((a, b) => a - b);
  return {
    cases: cases.length,
    top1: round(top1 / cases.length),
    top5: round(top5 / cases.length),
    misses,
    meanMs: round(times.reduce((s, t) => s + t, 0) / times.length, 2),
    p99Ms: round(times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!, 2),
  };
}
