import { describe, expect, it } from "vitest";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

describe("gateway smoke", () => {
  it("creates and reads a submission with an API key", async () => {
    const t = await createTenant();
    const created = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission() });
    expect(created.status).toBe(201);
    const sub = await json(created);
    expect(sub.id).toMatch(/^sub_/);
    const read = await call("GET", `/v1/submissions/${sub.id}`, { apiKey: t.apiKey });
    expect(read.status).toBe(200);
    expect((await json(read)).insuredName).toBe("Pacific Coast Builders");
  });
});
