import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IdentityInternal } from "../../workers/identity/src/index.ts";
import { realIso } from "../support/clock.ts";
import { createTestOrg, db, errorOf, unique, unwrap } from "./factories.ts";

/** `ctx.exports.IdentityInternal`, as the workspace worker's binding reaches it. */
const internal = (exports as unknown as { IdentityInternal: Service<IdentityInternal> }).IdentityInternal;

const email = () => `m${unique()}@example.com`;
const PASSWORD = "correct horse battery";

describe("members for the team routes", () => {
  it("creates verified members within the seats, exactly, when accepts race", async () => {
    const org = await createTestOrg();
    const results = await Promise.all(Array.from({ length: 6 }, () => internal.createMember(org.id, { email: email(), role: "viewer", password: PASSWORD, seatLimit: 4 })));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    for (const r of results.filter((x) => !x.ok)) expect(errorOf(r)).toMatchObject({ code: "feature_limit_reached", details: { feature: "seats", limit: 4, used: 4 } });
    expect(await internal.memberCount(org.id)).toBe(4);
    const created = unwrap(results.find((r) => r.ok)!);
    expect(created).toMatchObject({ role: "viewer", emailVerified: true });
  });

  it("refuses an address already taken, here or in another org, and a short password", async () => {
    const [a, b] = await Promise.all([createTestOrg(), createTestOrg()]);
    const address = email();
    unwrap(await internal.createMember(a.id, { email: address, role: "viewer", password: PASSWORD, seatLimit: null }));
    expect(await internal.emailStatus(a.id, address)).toBe("member");
    expect(await internal.emailStatus(b.id, address)).toBe("other_org");
    expect(errorOf(await internal.createMember(a.id, { email: address, role: "viewer", password: PASSWORD, seatLimit: null })).code).toBe("conflict");
    expect(errorOf(await internal.createMember(b.id, { email: address, role: "viewer", password: PASSWORD, seatLimit: null })).message).toMatch(/another org/);
    expect(errorOf(await internal.createMember(b.id, { email: email(), role: "viewer", password: "short", seatLimit: null })).details).toMatchObject({ field: "password" });
  });

  it("never demotes or removes the last org_admin, even when two demotions race", async () => {
    const org = await createTestOrg();
    const [x, y] = await Promise.all([0, 1].map(async () => unwrap(await internal.createMember(org.id, { email: email(), role: "org_admin", password: PASSWORD, seatLimit: null }))));
    const both = await Promise.all([x!, y!].map((m) => internal.setMemberRole(org.id, m.id, "viewer")));
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(errorOf(both.find((r) => !r.ok)!)).toMatchObject({ code: "business_rule_violation", details: { rule: "last_org_admin" } });
    const admin = both[0]!.ok ? y! : x!;
    expect(errorOf(await internal.removeMember(org.id, admin.id)).code).toBe("business_rule_violation");
    expect(errorOf(await internal.setMemberRole(org.id, "usr_nobody", "viewer")).code).toBe("not_found");
  });

  it("removing a member deletes their sessions and revokes the keys they created, answering the keys' hashes; another org's member is 404", async () => {
    const [org, other] = await Promise.all([createTestOrg(), createTestOrg()]);
    const m = unwrap(await internal.createMember(org.id, { email: email(), role: "underwriter", password: PASSWORD, seatLimit: null }));
    const now = realIso();
    await db().prepare("INSERT INTO sessions (id, token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)").bind(`ses_${unique()}`, `h${unique()}`, m.id, "2999-01-01T00:00:00.000Z", now).run();
    const keyHash = `k${unique()}`;
    await db()
      .prepare("INSERT INTO api_keys (id, org_id, name, key_hash, prefix, scopes, rate_limit_tier, created_by, created_at, lineage_id) VALUES (?, ?, 'theirs', ?, 'oik_test_x', '[\"*\"]', 'sandbox', ?, ?, ?)")
      .bind(`key_${unique()}`, org.id, keyHash, m.id, now, `key_l${unique()}`)
      .run();
    expect(errorOf(await internal.removeMember(other.id, m.id)).code).toBe("not_found");
    const removed = unwrap(await internal.removeMember(org.id, m.id));
    expect(removed.revokedKeyHashes).toEqual([keyHash]);
    expect((await db().prepare("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?").bind(m.id).first<{ n: number }>())!.n).toBe(0);
    expect((await db().prepare("SELECT revoked_at FROM api_keys WHERE key_hash = ?").bind(keyHash).first<{ revoked_at: string | null }>())!.revoked_at).not.toBeNull();
    expect(await internal.memberCount(org.id)).toBe(0);
  });
});
