import { describe, expect, it } from "vitest";
import { testInstant } from "../support/clock.ts";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

describe("submissions and policies through the gateway", () => {
  it("creates a submission with the quickstart fields, a term a year long, money in major units", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), deductible: 2500.5 } });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({
      status: "received",
      insuredName: "Pacific Coast Builders",
      annualRevenue: 8000000,
      requestedLimit: 1000000,
      deductible: 2500.5,
      effectiveDate: "2027-05-01",
      expirationDate: "2028-05-01",
      currency: "USD",
    });
  });

  it("lists newest first with cursor pages and filters", async () => {
    const t = await createTenant();
    const ids: string[] = [];
    for (const lineOfBusiness of ["GL", "PROP", "GL", "CA", "GL"]) {
      ids.push((await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), lineOfBusiness } }))).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = await json(
        await call("GET", `/v1/submissions?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { apiKey: t.apiKey }),
      );
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const oldestFirst = await json(await call("GET", "/v1/submissions?sort=createdAt", { apiKey: t.apiKey }));
    expect(oldestFirst.data.map((s: { id: string }) => s.id)).toEqual(ids);
    const gl = await json(await call("GET", "/v1/submissions?lineOfBusiness=GL", { apiKey: t.apiKey }));
    expect(gl.data).toHaveLength(3);
    const none = await json(await call("GET", "/v1/submissions?status=bound", { apiKey: t.apiKey }));
    expect(none.data).toEqual([]);
    const future = await json(await call("GET", `/v1/submissions?createdAfter=${encodeURIComponent(testInstant(3_600_000))}`, { apiKey: t.apiKey }));
    expect(future.data).toEqual([]);
    const bad = await call("GET", "/v1/submissions?cursor=not-a-cursor", { apiKey: t.apiKey });
    expect(bad.status).toBe(400);
    expect((await json(bad)).details.field).toBe("cursor");
  });

  it("an unknown submission id is 404", async () => {
    const t = await createTenant();
    const res = await call("GET", "/v1/submissions/sub_01J8K3M4N5P6Q7R8S9T0V1W2X3", { apiKey: t.apiKey });
    expect(res.status).toBe(404);
  });

  it("lists policies (empty until policies are bound)", async () => {
    const t = await createTenant();
    const res = await call("GET", "/v1/policies?status=active&lineOfBusiness=GL", { apiKey: t.apiKey });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ data: [], nextCursor: null });
  });
});
