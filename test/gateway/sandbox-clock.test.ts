import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/gateway/src/app.ts";
import { realIso, TEST_NOW, TEST_TODAY, testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, setClock } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

const DAY = 86_400_000;
const check = (readiness: Record<string, any>, name: string): boolean | undefined => (readiness.checks as { name: string; passed: boolean }[]).find((c) => c.name === name)?.passed;

describe("sandbox clocks", () => {
  it("moved forward 200 days, the org's quote expires and its policy's reinstatement window closes", async () => {
    const t = await createTenant();
    const clock = await json(await call("GET", "/v1/sandbox/clock", { apiKey: t.apiKey }));
    expect(clock).toMatchObject({ today: TEST_TODAY, simulated: true });
    expect(Math.abs(Date.parse(clock.now) - Date.parse(TEST_NOW))).toBeLessThan(DAY);

    // A quote still open, and a policy cancelled ten days into its term.
    const quoted = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(10), insuredName: "Quoted Co" }) }));
    const quote = await json(await call("POST", `/v1/submissions/${quoted.id}/quote`, { apiKey: t.apiKey }));
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(0), insuredName: "Cancelled Co" }));
    const cancelled = await call("POST", `/v1/policies/${policy.id}/cancel`, { apiKey: t.apiKey, body: { effectiveDate: testDay(10), method: "pro_rata", reason: "insured_request" } });
    expect(cancelled.status).toBe(200);
    const open = await call("POST", `/v1/policies/${policy.id}/reinstate?preview=true`, { apiKey: t.apiKey, body: {} });
    expect(open.status).toBe(200);
    const ahead = await json(await call("GET", `/v1/submissions/${quoted.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(check(ahead, "effective_date_in_past")).toBe(true);
    expect(Date.parse(quote.validUntil)).toBeLessThan(Date.parse(TEST_NOW) + 31 * DAY);

    const moved = await json(await call("POST", "/v1/sandbox/clock", { apiKey: t.apiKey, body: { advanceDays: 200 } }));
    expect(moved).toMatchObject({ today: testDay(200), simulated: true });
    expect(moved.offsetMs - clock.offsetMs).toBe(200 * DAY);

    // The quote's 30 days are long gone: bind answers quote_expired and the submission expires.
    const bind = await call("POST", `/v1/submissions/${quoted.id}/bind`, { apiKey: t.apiKey, body: { installmentPlan: "PIF" } });
    expect(bind.status).toBe(422);
    expect(await json(bind)).toMatchObject({ error: "quote_expired", details: { quoteId: quote.id, validUntil: quote.validUntil } });
    expect((await json(await call("GET", `/v1/submissions/${quoted.id}`, { apiKey: t.apiKey }))).status).toBe("expired");
    // Readiness reads the same clock: the effective date is now in the past.
    const behind = await json(await call("GET", `/v1/submissions/${quoted.id}/quote-readiness`, { apiKey: t.apiKey }));
    expect(check(behind, "effective_date_in_past")).toBe(false);

    // 190 days after the cancellation: far outside the 30-day window, preview and commit alike.
    for (const path of [`/v1/policies/${policy.id}/reinstate?preview=true`, `/v1/policies/${policy.id}/reinstate`]) {
      const late = await call("POST", path, { apiKey: t.apiKey, body: {} });
      expect(late.status, path).toBe(422);
      expect(await json(late)).toMatchObject({ error: "business_rule_violation", details: { cancellationDate: testDay(10), reinstatementDate: testDay(200), windowDays: 30 } });
    }
    expect((await json(await call("GET", `/v1/policies/${policy.id}`, { apiKey: t.apiKey }))).status).toBe("cancelled");
  });

  it("is the org's alone, and every credential of the org sees a change on its next request", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: testDay(5) }) }));
    await call("POST", "/v1/sandbox/clock", { token: t.token, body: { advanceDays: 10 } });
    // The API key (whose record the gateway caches) and the JWT both read the new day at once.
    expect(check(await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey })), "effective_date_in_past")).toBe(false);
    expect((await json(await call("GET", "/v1/sandbox/clock", { token: t.token }))).today).toBe(testDay(10));
    expect((await json(await call("GET", "/v1/sandbox/clock", { apiKey: other.apiKey }))).today).toBe(TEST_TODAY);
  });

  it("sets an instant, refuses bad moves, and resets to real time", async () => {
    const t = await createTenant();
    const at = await json(await call("POST", "/v1/sandbox/clock", { apiKey: t.apiKey, body: { now: "2027-03-14T09:30:00Z" } }));
    expect(at).toMatchObject({ today: "2027-03-14", simulated: true });
    expect(Math.abs(Date.parse(at.now) - Date.parse("2027-03-14T09:30:00Z"))).toBeLessThan(60_000);

    const bad: [unknown, string][] = [
      [{}, "exactly_one"],
      [{ now: "2027-03-14T09:30:00Z", advanceDays: 1 }, "exactly_one"],
      [{ advanceDays: 0 }, "advanceDays"],
      [{ advanceDays: 1.5 }, "advanceDays"],
      [{ now: "2099-01-01T00:00:00Z" }, "range"],
      [{ now: "next tuesday" }, "now"],
    ];
    for (const [body, expected] of bad) {
      const res = await call("POST", "/v1/sandbox/clock", { apiKey: t.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await json(res);
      expect(error.error).toBe("validation_failed");
      expect([error.details.rule, error.details.field], JSON.stringify(body)).toContain(expected);
    }
    expect((await json(await call("GET", "/v1/sandbox/clock", { apiKey: t.apiKey }))).today).toBe("2027-03-14");

    const reset = await call("DELETE", "/v1/sandbox/clock", { apiKey: t.apiKey });
    expect(reset.status).toBe(200);
    const real = await json(reset);
    expect(real).toMatchObject({ offsetMs: 0, simulated: false });
    expect(Math.abs(Date.parse(real.now) - Date.parse(realIso()))).toBeLessThan(60_000);
  });

  it("reading needs orgs:read and moving needs orgs:write", async () => {
    const t = await createTenant();
    const reader = await createApiKey(t.token, { scopes: ["orgs:read"] });
    const blind = await createApiKey(t.token, { scopes: ["submissions:read"] });
    expect((await call("GET", "/v1/sandbox/clock", { apiKey: reader.key })).status).toBe(200);
    expect(await json(await call("GET", "/v1/sandbox/clock", { apiKey: blind.key }))).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "orgs:read" } });
    for (const [method, body] of [["POST", { advanceDays: 1 }], ["DELETE", undefined]] as const) {
      const res = await call(method, "/v1/sandbox/clock", { apiKey: reader.key, body });
      expect(res.status, method).toBe(403);
      expect(await json(res)).toMatchObject({ error: "insufficient_scope", details: { requiredScope: "orgs:write" } });
    }
    expect((await json(await call("GET", "/v1/sandbox/clock", { apiKey: t.apiKey }))).today).toBe(TEST_TODAY);
  });

  it("in production there is no sandbox clock: the routes are unknown and date rules run on real time", async () => {
    const t = await createTenant();
    // Dated by real time on purpose: real time is what production reads.
    const realDay = (days: number) => realIso(days * DAY).slice(0, 10);
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission({ effectiveDate: realDay(5) }) }));
    await setClock(t.orgId, { now: realIso(1000 * DAY) });
    const production = { ...env, ENVIRONMENT: "production" };
    // As the runtime calls it: with an execution context, which the gateway's background work (the api_calls flush) uses.
    const request = async (method: string, path: string, body?: unknown) => {
      const ctx = createExecutionContext();
      const res = await createApp().fetch(
        new Request(`https://api.openinsure.test${path}`, {
          method,
          headers: { "x-api-key": t.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        production,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    for (const [method, body] of [["GET", undefined], ["POST", { advanceDays: 1 }], ["DELETE", undefined]] as const) {
      const res = await request(method, "/v1/sandbox/clock", body);
      expect(res.status, method).toBe(404);
      expect((await res.json()) as object).toMatchObject({ error: "route_not_found" });
    }
    // The stored clock, 1,000 days on, puts the effective date in the past; production never reads it.
    expect(check(await json(await call("GET", `/v1/submissions/${sub.id}/quote-readiness`, { apiKey: t.apiKey })), "effective_date_in_past")).toBe(false);
    const readiness = (await (await request("GET", `/v1/submissions/${sub.id}/quote-readiness`)).json()) as { checks: { name: string; passed: boolean }[] };
    expect(check(readiness, "effective_date_in_past")).toBe(true);
  });
});
