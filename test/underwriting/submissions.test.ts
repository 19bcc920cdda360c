import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UnderwritingService } from "../../workers/underwriting/src/index.ts";
import { newPrincipal } from "../support/principals.ts";

const service = () => (exports as unknown as { UnderwritingService: Service<UnderwritingService> }).UnderwritingService;

const principal = () => newPrincipal(undefined, { rateLimitTier: "enterprise" });

const input = {
  insuredName: "  Pacific Coast Builders ",
  naicsCode: "236220",
  annualRevenue: 8000000.25,
  requestedLimit: 1000000,
  effectiveDate: "2028-02-29",
  state: "OR" as const,
  lineOfBusiness: "GL" as const,
  priorLosses: [{ year: 2025, amount: 12500.5, description: "water damage" }],
};

describe("UnderwritingService submissions", () => {
  it("stores money as integer cents and records submission.created in the same batch", async () => {
    const p = principal();
    const result = await service().createSubmission(p, input);
    if (!result.ok) throw new Error(result.error.message);
    const sub = result.value;
    expect(sub).toMatchObject({ insuredName: "Pacific Coast Builders", annualRevenue: 8000000.25, expirationDate: "2029-02-28", priorLosses: [{ year: 2025, amount: 12500.5, description: "water damage" }] });
    const row = await env.UNDERWRITING_DB.prepare("SELECT annual_revenue_cents, requested_limit_cents FROM submissions WHERE id = ?").bind(sub.id).first();
    expect(row).toEqual({ annual_revenue_cents: 800000025, requested_limit_cents: 100000000 });
    const events = await env.UNDERWRITING_DB.prepare("SELECT type, data FROM events WHERE org_id = ?").bind(p.orgId).all<{ type: string; data: string }>();
    expect(events.results).toHaveLength(1);
    expect(events.results[0]!.type).toBe("submission.created");
    expect(JSON.parse(events.results[0]!.data).submissionId).toBe(sub.id);
  });

  it("rejects amounts with more than two decimals and impossible dates, naming the field", async () => {
    const bad = await service().createSubmission(principal(), { ...input, requestedLimit: 10.001 });
    expect(bad).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field: "requestedLimit", rule: "money_precision" } } });
    const date = await service().createSubmission(principal(), { ...input, effectiveDate: "2027-02-30" });
    expect(date).toMatchObject({ ok: false, error: { details: { field: "effectiveDate" } } });
    const loss = await service().createSubmission(principal(), { ...input, priorLosses: [{ year: 2024, amount: -5 }] });
    expect(loss).toMatchObject({ ok: false, error: { details: { field: "priorLosses.0.amount", rule: "money_negative" } } });
  });

  it("applies the platform's input rules where RPC input arrives, whoever the caller (defence in depth behind the gateway)", async () => {
    const p = principal();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ insuredName: "   " }, "insuredName", "required"],
      [{ insuredName: "Pacific\u0000Coast" }, "insuredName", "control_character"],
      [{ insuredName: "Pacific \u202Eredliub" }, "insuredName", "bidi_control"],
      [{ annualRevenue: 10_000_000_000_000 }, "annualRevenue", "money_max"],
      [{ effectiveDate: "2999-01-01" }, "effectiveDate", "coverage_window"],
      [{ deductible: 5_000_000 }, "deductible", "deductible_below_limit"],
      [{ priorLosses: [{ year: 2031, amount: 1 }] }, "priorLosses.0.year", "year_range"],
    ];
    for (const [change, field, rule] of cases) {
      const result = await service().createSubmission(p, { ...input, ...change } as typeof input);
      expect(result, JSON.stringify(change)).toMatchObject({ ok: false, error: { code: "validation_failed", details: { field, rule } } });
    }
    expect(await service().listSubmissions(p, {})).toMatchObject({ ok: true, value: { data: [] } });
  });

  it("confines reads to the principal's org", async () => {
    const a = principal();
    const created = await service().createSubmission(a, input);
    if (!created.ok) throw new Error("create failed");
    expect((await service().getSubmission(a, created.value.id)).ok).toBe(true);
    const other = await service().getSubmission(principal(), created.value.id);
    expect(other).toMatchObject({ ok: false, error: { code: "not_found" } });
    const list = await service().listSubmissions(principal(), {});
    expect(list).toMatchObject({ ok: true, value: { data: [], nextCursor: null } });
  });
});
