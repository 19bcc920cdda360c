import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IdentityInternal } from "../../workers/identity/src/index.ts";
import { TEST_NOW } from "../support/clock.ts";
import { createTenant, db, randomEmail, unique } from "./factories.ts";

/** `ctx.exports.IdentityInternal`, as the claims worker's binding reaches it. */
const internal = (exports as unknown as { IdentityInternal: Service<IdentityInternal> }).IdentityInternal;

async function insertUser(orgId: string, role: string): Promise<{ id: string; email: string }> {
  const id = `usr_${unique()}`;
  const email = randomEmail();
  const now = TEST_NOW;
  await db()
    .prepare("INSERT INTO users (id, org_id, email, name, role, password_hash, email_verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'x', 1, ?, ?)")
    .bind(id, orgId, email, `Adjuster ${id}`, role, now, now)
    .run();
  return { id, email };
}

describe("member (IdentityInternal, for the claims worker's adjuster check)", () => {
  it("answers a user of the org with their role, and null for another org's user or an unknown id", async () => {
    const { org } = await createTenant();
    const other = await createTenant();
    const adjuster = await insertUser(org.id, "claims_adjuster");
    const viewer = await insertUser(org.id, "viewer");

    expect(await internal.member(org.id, adjuster.id)).toEqual({ id: adjuster.id, orgId: org.id, name: `Adjuster ${adjuster.id}`, email: adjuster.email, role: "claims_adjuster" });
    expect(await internal.member(org.id, viewer.id)).toMatchObject({ id: viewer.id, role: "viewer" });
    expect(await internal.member(other.org.id, adjuster.id)).toBeNull();
    expect(await internal.member(org.id, "usr_unknown")).toBeNull();
  });
});
