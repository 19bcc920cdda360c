import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyJwt } from "#shared/jwt";
import { createTestOrg, errorOf, identity, unwrap } from "./factories.ts";
import { realNow } from "../support/clock.ts";

const UNAUTHORIZED = { code: "unauthorized", message: "Invalid or missing credentials" };

describe("issueDemoToken", () => {
  it("issues a 15-minute org_admin JWT for the named org", async () => {
    const org = await createTestOrg();
    const issued = unwrap(await identity.issueDemoToken(env.API_SECRET, org.id));
    expect(issued.tokenType).toBe("Bearer");
    const ttl = Date.parse(issued.expiresAt) - realNow();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);

    const claims = await verifyJwt(issued.token, env.JWT_SECRET);
    expect(claims).toMatchObject({ sub: `demo:${org.id}`, orgId: org.id, role: "org_admin", scopes: ["*"], typ: "user" });
  });

  it("refuses a wrong, empty or near-miss secret", async () => {
    const org = await createTestOrg();
    for (const secret of ["wrong", "", env.API_SECRET.slice(0, -1), `${env.API_SECRET}x`, env.API_SECRET.toUpperCase()]) {
      expect(errorOf(await identity.issueDemoToken(secret, org.id))).toEqual(UNAUTHORIZED);
    }
  });

  it("checks the secret before revealing whether an org exists", async () => {
    expect(errorOf(await identity.issueDemoToken("wrong", "org_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).toEqual(UNAUTHORIZED);
    expect(errorOf(await identity.issueDemoToken(env.API_SECRET, "org_01ARZ3NDEKTSV4RRFFQ69G5FAV"))).toEqual({
      code: "not_found",
      message: "Org not found",
    });
  });

  it("defaults to the sandbox demo org, explaining when it was not seeded", async () => {
    const unseeded = errorOf(await identity.issueDemoToken(env.API_SECRET));
    expect(unseeded.code).toBe("not_found");
    expect(unseeded.message).toMatch(/demo.*seed/);

    const demo = unwrap(await identity.createOrg({ name: "Demo Insurance", slug: "demo" }));
    const issued = unwrap(await identity.issueDemoToken(env.API_SECRET));
    expect((await verifyJwt(issued.token, env.JWT_SECRET))?.orgId).toBe(demo.id);
  });
});
