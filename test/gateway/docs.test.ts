import { describe, expect, it } from "vitest";
import { call } from "./harness.ts";

describe("/docs is served whole by the platform", () => {
  it("loads the explorer from the gateway's own pinned Scalar bundle, not a CDN", async () => {
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('src="/docs/scalar.js"');
    expect(html).toContain("/openapi.json");
    // Every URL the page names is the platform's own.
    expect(html.match(/https?:\/\/[^\s"'<>]+/g) ?? []).toEqual([]);
  });

  it("serves the bundle as JavaScript text", async () => {
    const res = await call("GET", "/docs/scalar.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const source = await res.text();
    // The standalone build: megabytes of code that defines the `Scalar` global the page calls.
    expect(source.length).toBeGreaterThan(1_000_000);
    expect(source).toContain("Scalar");
  });
});
