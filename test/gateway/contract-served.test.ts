import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";

describe("the contract and the routes agree", () => {
  it("every operation in /openapi.json is served (never route_not_found or 405)", async () => {
    const t = await createTenant();
    const doc = await json(await call("GET", "/openapi.json"));
    let operations = 0;
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) {
        operations++;
        const concrete = path.replace(/\{[^}]+\}/g, "x");
        const res = await call(method.toUpperCase(), concrete, { token: t.token, body: method === "get" || method === "delete" ? undefined : {} });
        const body = res.status === 204 ? {} : await json(res);
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(body.error, `${method} ${path}`).not.toBe("route_not_found");
      }
    }
    expect(operations).toBeGreaterThanOrEqual(25);
  });
});
