/**
 * Tests that do not expire: no test reads the real date except through the test clock
 * (test/support/clock.ts), and no date rule of a domain worker reads it except through
 * `#shared/clock`. A test that asked for today directly would date its data by the day it runs and
 * start failing once that day moved past a fixed date; a rule that did would ignore the org's clock.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * The only test files allowed to read the real date. Anything added here needs a reason: today the
 * clock helper is the one, and every other file imports it.
 */
const TEST_ALLOW_LIST = ["test/support/clock.ts"];

/** Workers whose `src/` holds date rules; each reads time only through `#shared/clock`. Add new domains here. */
const DATE_RULE_WORKERS = ["workers/underwriting/src", "workers/claims/src", "workers/producers/src", "workers/portal/src"];

/** Reading the current time in TypeScript: `Date.now()` or a `new Date()` without arguments. */
const TS_READS = [/\bDate\.now\s*\(/, /\bnew Date\(\s*\)/];
/** Reading it in a shell script: the `date` command. */
const SH_READS = [/(^|[\s$(`;|&])date(\s|$|\))/m];

function filesUnder(dir: string, extensions: string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, extensions));
    else if (extensions.some((ext) => entry.name.endsWith(ext))) out.push(path);
  }
  return out;
}

/** Each offending line as `path:line: text`, ignoring comment lines (which may mention the APIs). */
function offences(files: string[], patterns: (path: string) => RegExp[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      const code = line.trim();
      if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*") || code.startsWith("#")) return;
      if (patterns(file).some((p) => p.test(line))) found.push(`${relative(ROOT, join(ROOT, file))}:${i + 1}: ${code}`);
    });
  }
  return found;
}

const patternsFor = (path: string) => (path.endsWith(".sh") ? SH_READS : TS_READS);

describe("the clock guard", () => {
  it("finds what it looks for (so a pass means something)", () => {
    // Assembled, so this file does not trip its own check.
    const [dateNow, newDate] = [["Date", "now()"].join("."), ["new Date", "()"].join("")];
    expect(TS_READS.some((p) => p.test(`const t = ${dateNow};`))).toBe(true);
    expect(TS_READS.some((p) => p.test(`const d = ${newDate};`))).toBe(true);
    expect(TS_READS.some((p) => p.test('const d = new Date("2027-05-01");'))).toBe(false);
    expect(SH_READS.some((p) => p.test('EFFECTIVE=$(date -u +%F)'))).toBe(true);
    expect(SH_READS.some((p) => p.test('"effectiveDate": "2026-05-01",'))).toBe(false);
  });

  it("no test file reads the real date except through test/support/clock.ts", () => {
    const files = filesUnder("test", [".ts", ".sh"]).filter((f) => !TEST_ALLOW_LIST.includes(f));
    expect(files.length).toBeGreaterThan(50);
    // On failure: import TEST_NOW / testDay (business dates) or realNow / realIso (what the platform
    // keeps on real time: credentials, rate limits, webhook retries, deadlines) from test/support/clock.ts.
    expect(offences(files, patternsFor)).toEqual([]);
  });

  it("every allow-listed file exists", () => {
    for (const file of TEST_ALLOW_LIST) expect(() => readFileSync(join(ROOT, file))).not.toThrow();
  });

  it("no date rule in a domain worker reads the real date except through #shared/clock", () => {
    const files = DATE_RULE_WORKERS.flatMap((dir) => filesUnder(dir, [".ts"]));
    expect(files.length).toBeGreaterThan(10);
    // On failure: take a Clock from the caller (clockOf(principal)), or realClock for leases and retries.
    expect(offences(files, patternsFor)).toEqual([]);
  });
});
