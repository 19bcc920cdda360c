import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../workers/gateway/src/app.ts";

describe("the error boundary", () => {
  it("turns an unexpected failure into a 500 internal_error with no internals", async () => {
    const app = createApp();
    const failing = {
      ...env,
      UNDERWRITING: { getSubmission: () => Promise.reject(new Error("D1_ERROR: no such table: submissions SELECT * FROM secret")) },
    };
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app.fetch(
      new Request("https://api.test/v1/submissions/sub_01J8K3M4N5P6Q7R8S9T0V1W2X3", { headers: { authorization: `Bearer ${env.API_SECRET}`, "x-org-id": await demoOrg() } }),
      failing,
    );
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: "internal_error" });
    expect(text).not.toMatch(/D1_ERROR|SELECT|stack|secret/);
    // Logged with the request id for support.
    expect(log.mock.calls.flat().join(" ")).toContain(res.headers.get("x-request-id")!);
    log.mockRestore();
  });
});

async function demoOrg(): Promise<string> {
  const res = await createApp().fetch(
    new Request("https://api.test/v1/orgs", { method: "POST", headers: { authorization: `Bearer ${env.API_SECRET}`, "content-type": "application/json" }, body: JSON.stringify({ name: "Boundary Org" }) }),
    env,
  );
  return ((await res.json()) as { id: string }).id;
}
