import { describe, expect, it } from "vitest";
import { identity, createTenant, unwrap } from "./factories.ts";

describe("smoke", () => {
  it("works", async () => {
    const t = await createTenant();
    const key = unwrap(await identity.createApiKey(t.admin, { name: "x" }));
    expect(key.key).toMatch(/^oik_test_/);
    const auth = await identity.authenticateApiKey(key.key);
    expect(auth.ok).toBe(true);
  });
});
