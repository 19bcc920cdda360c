import { describe, expect, it } from "vitest";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

describe("POST /v1/submissions and the official NAICS list", () => {
  it("refuses a six-digit code that is no 2017 industry with 400 validation_failed naming naicsCode, and lists nothing", async () => {
    const t = await createTenant();
    for (const naicsCode of ["999999", "236200", "541510"]) {
      const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), naicsCode } });
      expect(res.status, naicsCode).toBe(400);
      const body = await json(res);
      expect(body).toMatchObject({ error: "validation_failed", details: { field: "naicsCode", rule: "naics_code" }, requestId: expect.stringMatching(/^req_/) });
      expect(body.message).toContain(naicsCode);
    }
    expect((await json(await call("GET", "/v1/submissions", { apiKey: t.apiKey }))).data).toEqual([]);
    const ok = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), naicsCode: "238160" } });
    expect(ok.status).toBe(201);
  });
});
