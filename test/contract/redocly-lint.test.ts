/**
 * Other people's tools must accept the contract: Redocly CLI's recommended ruleset (redocly.yaml)
 * finds no error and no warning in typespec/generated/openapi.json. Exceptions live, each with its
 * reason, in .redocly.lint-ignore.yaml.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/gen-contract.ts";

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

describe("Redocly lint of the contract", () => {
  it("reports zero errors and zero warnings with the recommended ruleset", { timeout: 60_000 }, async () => {
    const cli = join(REPO_ROOT, "node_modules", ".bin", "redocly");
    // Exit code 1 on errors: read the report either way.
    const { stdout } = await promisify(execFile)(cli, ["lint", "openinsure", "--format=json"], { cwd: REPO_ROOT, maxBuffer: 32 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
    );
    const report = JSON.parse(stdout) as LintReport;
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
