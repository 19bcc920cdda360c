import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALL_SCOPES, hasScope, ROLE_SCOPES, SCOPE_PRESETS } from "#shared/auth";
import { createApiKey } from "../../workers/identity/src/api-keys.service.ts";
import { createDeps } from "../../workers/identity/src/deps.ts";
import { createKey, createTenant, db, errorOf, identity, principalFor, unwrap } from "./factories.ts";
import { realNow } from "../support/clock.ts";

const HOUR = 3_600_000;

async function lastUsedAt(keyId: string): Promise<string | null> {
  const row = await db().prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(keyId).first<{ last_used_at: string | null }>();
  return row?.last_used_at ?? null;
}

/** `last_used_at` is written in waitUntil, after the reply: poll briefly for it. */
async function waitForLastUsed(keyId: string, newerThan: string | null): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const value = await lastUsedAt(keyId);
    if (value !== null && (newerThan === null || value > newerThan)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`last_used_at of ${keyId} was not updated`);
}

describe("createApiKey", () => {
  it("returns the full key once, with a display prefix and the creator's scopes by default", async () => {
    const { org } = await createTenant();
    const creator = principalFor(org.id, { scopes: ["claims:read", "policies:read"], role: "claims_adjuster" });
    const key = await createKey(creator, { name: "Claims integration" });

    expect(key.id).toMatch(/^key_[0-9A-Z]{26}$/);
    expect(key.key).toMatch(/^oik_test_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.key.slice(0, 16));
    expect(key).toMatchObject({
      name: "Claims integration",
      scopes: ["claims:read", "policies:read"],
      rateLimitTier: "sandbox",
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      rotatedFromId: null,
    });
    const stored = unwrap(await identity.getApiKey(creator, key.id));
    expect(stored).not.toHaveProperty("key");
    expect(stored).not.toHaveProperty("keyHash");
    expect(stored.createdAt).toBe(key.createdAt);
  });

  it("expands a preset and de-duplicates explicit scopes", async () => {
    const { admin } = await createTenant();
    const fromPreset = await createKey(admin, { preset: "claims" });
    expect(fromPreset.scopes).toEqual([...SCOPE_PRESETS.claims]);

    const explicit = await createKey(admin, { scopes: ["claims:read", "claims:read", "policies:*"] });
    expect(explicit.scopes).toEqual(["claims:read", "policies:*"]);
  });

  it("honours an explicit tier and a future expiry (normalised to UTC)", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin, { rateLimitTier: "enterprise", expiresAt: "2099-06-01T12:00:00+02:00" });
    expect(key.rateLimitTier).toBe("enterprise");
    expect(key.expiresAt).toBe("2099-06-01T10:00:00.000Z");
  });

  it("rejects unknown scopes, naming the field, the rule and the value", async () => {
    const { admin } = await createTenant();
    const error = errorOf(await identity.createApiKey(admin, { name: "k", scopes: ["claims:read", "claims:delete"] }));
    expect(error).toEqual({
      code: "validation_failed",
      message: 'Unknown scope "claims:delete"',
      details: { field: "scopes", rule: "known_scope", value: "claims:delete" },
    });
  });

  it("rejects scopes and preset together, an unknown preset, and an empty scope list", async () => {
    const { admin } = await createTenant();
    const both = errorOf(await identity.createApiKey(admin, { name: "k", scopes: ["claims:read"], preset: "claims" }));
    expect(both.code).toBe("validation_failed");
    expect(both.details).toMatchObject({ field: "scopes", rule: "exclusive" });

    const unknownPreset = errorOf(await identity.createApiKey(admin, { name: "k", preset: "everything" as never }));
    expect(unknownPreset.details).toMatchObject({ field: "preset", rule: "known_preset" });

    const empty = errorOf(await identity.createApiKey(admin, { name: "k", scopes: [] }));
    expect(empty.details).toMatchObject({ field: "scopes", rule: "non_empty" });
  });

  it("rejects an expiry in the past or not a date-time, a bad tier, and a missing name", async () => {
    const { admin } = await createTenant();
    const past = errorOf(await identity.createApiKey(admin, { name: "k", expiresAt: new Date(realNow() - 1000).toISOString() }));
    expect(past).toMatchObject({ code: "validation_failed", details: { field: "expiresAt", rule: "future" } });

    const garbage = errorOf(await identity.createApiKey(admin, { name: "k", expiresAt: "next tuesday" }));
    expect(garbage.details).toMatchObject({ field: "expiresAt", rule: "datetime" });

    const tier = errorOf(await identity.createApiKey(admin, { name: "k", rateLimitTier: "unlimited" as never }));
    expect(tier.details).toMatchObject({ field: "rateLimitTier", rule: "enum" });

    const name = errorOf(await identity.createApiKey(admin, { name: "   " }));
    expect(name.details).toMatchObject({ field: "name", rule: "required" });
  });

  it("never grants a scope the caller does not hold", async () => {
    const { org } = await createTenant();
    const narrow = principalFor(org.id, { role: "billing", scopes: ["invoices:read", "claims:*"] });

    const escalate = errorOf(await identity.createApiKey(narrow, { name: "k", scopes: ["invoices:read", "invoices:write"] }));
    expect(escalate.code).toBe("insufficient_scope");
    expect(escalate.message).toContain("invoices:write");

    const fullAccess = errorOf(await identity.createApiKey(narrow, { name: "k", preset: "full_access" }));
    expect(fullAccess.code).toBe("insufficient_scope");
    expect(fullAccess.message).toContain('"*"');

    // A resource wildcard covers that resource's actions.
    expect((await createKey(narrow, { scopes: ["claims:write", "invoices:read"] })).scopes).toEqual(["claims:write", "invoices:read"]);
  });

  it("never lets a key mint a key on a higher tier than its own", async () => {
    const { org } = await createTenant();
    const sandboxKey = principalFor(org.id, { kind: "api_key", role: null, scopes: ["*"], rateLimitTier: "sandbox" });

    const escalate = errorOf(await identity.createApiKey(sandboxKey, { name: "k", rateLimitTier: "enterprise" }));
    expect(escalate).toMatchObject({ code: "insufficient_scope", details: { field: "rateLimitTier", tier: "enterprise" } });
    expect((await createKey(sandboxKey, { rateLimitTier: "sandbox" })).rateLimitTier).toBe("sandbox");

    // In production the default tier (standard) is capped at the calling key's own.
    const prod = createDeps({ ...env, ENVIRONMENT: "production" }, { waitUntil: () => {} });
    expect(unwrap(await createApiKey(prod, sandboxKey, { name: "prod" })).rateLimitTier).toBe("sandbox");

    // Users and the API secret pick any tier.
    const admin = principalFor(org.id, { rateLimitTier: "standard" });
    expect((await createKey(admin, { rateLimitTier: "enterprise" })).rateLimitTier).toBe("enterprise");
  });

  it("issues oik_live_ keys on the standard tier in production", async () => {
    const { admin } = await createTenant();
    const deps = createDeps({ ...env, ENVIRONMENT: "production" }, { waitUntil: () => {} });
    const key = unwrap(await createApiKey(deps, admin, { name: "prod" }));
    expect(key.key).toMatch(/^oik_live_/);
    expect(key.prefix.startsWith("oik_live_")).toBe(true);
    expect(key.rateLimitTier).toBe("standard");
  });
});

describe("authenticateApiKey", () => {
  it("returns the key's identity", async () => {
    const { org, admin } = await createTenant();
    const key = await createKey(admin, { name: "ci", scopes: ["policies:read"], rateLimitTier: "standard", expiresAt: "2099-01-01T00:00:00Z" });
    expect(unwrap(await identity.authenticateApiKey(key.key))).toEqual({
      keyId: key.id,
      lineageId: key.id,
      orgId: org.id,
      scopes: ["policies:read"],
      rateLimitTier: "standard",
      expiresAt: "2099-01-01T00:00:00.000Z",
      name: "ci",
    });
  });

  it("records last use at most once a minute", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    expect(await lastUsedAt(key.id)).toBeNull();

    unwrap(await identity.authenticateApiKey(key.key));
    const first = await waitForLastUsed(key.id, null);

    // Within the minute: no new write.
    unwrap(await identity.authenticateApiKey(key.key));
    await new Promise((r) => setTimeout(r, 200));
    expect(await lastUsedAt(key.id)).toBe(first);

    // Older than a minute: recorded again.
    const twoMinutesAgo = new Date(realNow() - 120_000).toISOString();
    await db().prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(twoMinutesAgo, key.id).run();
    unwrap(await identity.authenticateApiKey(key.key));
    const again = await waitForLastUsed(key.id, twoMinutesAgo);
    expect(Date.parse(again)).toBeGreaterThan(realNow() - 10_000);
    expect(unwrap(await identity.getApiKey(admin, key.id)).lastUsedAt).toBe(again);
  });
});

describe("listApiKeys", () => {
  it("pages newest first with a cursor, and oldest first on request", async () => {
    const { admin } = await createTenant();
    const a = await createKey(admin, { name: "a" });
    const b = await createKey(admin, { name: "b" });
    const c = await createKey(admin, { name: "c" });

    const page1 = unwrap(await identity.listApiKeys(admin, { limit: 2 }));
    expect(page1.data.map((k) => k.id)).toEqual([c.id, b.id]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = unwrap(await identity.listApiKeys(admin, { limit: 2, cursor: page1.nextCursor! }));
    expect(page2.data.map((k) => k.id)).toEqual([a.id]);
    expect(page2.nextCursor).toBeNull();

    const ascending = unwrap(await identity.listApiKeys(admin, { sort: "createdAt" }));
    expect(ascending.data.map((k) => k.id)).toEqual([a.id, b.id, c.id]);
    for (const key of ascending.data) {
      expect(Object.keys(key).sort()).toEqual(
        ["createdAt", "expiresAt", "id", "lastUsedAt", "name", "prefix", "rateLimitTier", "revokedAt", "rotatedFromId", "scopes"],
      );
    }
  });

  it("lists only the caller's org", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const own = await createKey(mine.admin);
    await createKey(theirs.admin);
    const list = unwrap(await identity.listApiKeys(mine.admin, {}));
    expect(list.data.map((k) => k.id)).toEqual([own.id]);
  });

  it("rejects a cursor that is not one of ours", async () => {
    const { admin } = await createTenant();
    const error = errorOf(await identity.listApiKeys(admin, { cursor: "not-a-cursor" }));
    expect(error).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });
});

describe("revokeApiKey", () => {
  it("is immediate and idempotent", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    unwrap(await identity.authenticateApiKey(key.key));

    const revoked = unwrap(await identity.revokeApiKey(admin, key.id));
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(errorOf(await identity.authenticateApiKey(key.key)).code).toBe("unauthorized");

    const again = unwrap(await identity.revokeApiKey(admin, key.id));
    expect(again.revokedAt).toBe(revoked.revokedAt);
  });
});

describe("rotateApiKey", () => {
  it("issues a successor and keeps the old key working for the grace period", async () => {
    const { admin } = await createTenant();
    const old = await createKey(admin, { name: "webhook sender", scopes: ["policies:read"], rateLimitTier: "standard" });
    const before = realNow();
    const rotated = unwrap(await identity.rotateApiKey(admin, old.id, {}));

    expect(rotated.id).not.toBe(old.id);
    expect(rotated.key).not.toBe(old.key);
    expect(rotated).toMatchObject({
      name: "webhook sender",
      scopes: ["policies:read"],
      rateLimitTier: "standard",
      expiresAt: null,
      rotatedFromId: old.id,
      previousKeyId: old.id,
    });
    const graceEnd = Date.parse(rotated.previousKeyExpiresAt);
    expect(graceEnd).toBeGreaterThanOrEqual(before + 24 * HOUR);
    expect(graceEnd).toBeLessThanOrEqual(realNow() + 24 * HOUR);

    expect(unwrap(await identity.authenticateApiKey(rotated.key)).keyId).toBe(rotated.id);
    expect(unwrap(await identity.authenticateApiKey(old.key)).expiresAt).toBe(rotated.previousKeyExpiresAt);
    expect(unwrap(await identity.getApiKey(admin, old.id)).expiresAt).toBe(rotated.previousKeyExpiresAt);
  });

  it("keeps the key's lineage: every rotation authenticates as the first key of its chain", async () => {
    const { admin } = await createTenant();
    const first = await createKey(admin, { scopes: ["policies:read"] });
    const second = unwrap(await identity.rotateApiKey(admin, first.id, {}));
    const third = unwrap(await identity.rotateApiKey(admin, second.id, {}));
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    for (const key of [first, second, third]) {
      expect(unwrap(await identity.authenticateApiKey(key.key))).toMatchObject({ keyId: key.id, lineageId: first.id });
    }
    // Another key of the same org is a lineage of its own.
    const other = await createKey(admin, { scopes: ["policies:read"] });
    expect(unwrap(await identity.authenticateApiKey(other.key)).lineageId).toBe(other.id);
  });

  it("migration 0003 backfills the lineage of keys stored before it, through every rotation", async () => {
    const { admin } = await createTenant();
    const first = await createKey(admin, { scopes: ["policies:read"] });
    const second = unwrap(await identity.rotateApiKey(admin, first.id, {}));
    const third = unwrap(await identity.rotateApiKey(admin, second.id, {}));
    const single = await createKey(admin, { scopes: ["policies:read"] });
    const ids = [first.id, second.id, third.id, single.id];
    // As they were before the column existed.
    await db().prepare(`UPDATE api_keys SET lineage_id = NULL WHERE id IN (${ids.map(() => "?").join(", ")})`).bind(...ids).run();
    const { TEST_D1_MIGRATIONS } = env as unknown as { TEST_D1_MIGRATIONS: Record<string, D1Migration[]> };
    const backfill = TEST_D1_MIGRATIONS.IDENTITY_DB!.find((m) => m.name.startsWith("0003_"))!.queries.filter((q) => q.includes("WITH RECURSIVE"));
    expect(backfill).toHaveLength(1);
    await db().prepare(backfill[0]!).run();
    const rows = await db().prepare(`SELECT id, lineage_id FROM api_keys WHERE id IN (${ids.map(() => "?").join(", ")})`).bind(...ids).all<{ id: string; lineage_id: string }>();
    expect(Object.fromEntries(rows.results.map((r) => [r.id, r.lineage_id]))).toEqual({ [first.id]: first.id, [second.id]: first.id, [third.id]: first.id, [single.id]: single.id });
    expect(unwrap(await identity.authenticateApiKey(third.key)).lineageId).toBe(first.id);
  });

  it("with no grace period, stops the old key at once", async () => {
    const { admin } = await createTenant();
    const old = await createKey(admin);
    const rotated = unwrap(await identity.rotateApiKey(admin, old.id, { gracePeriodHours: 0 }));
    expect(errorOf(await identity.authenticateApiKey(old.key)).code).toBe("unauthorized");
    expect(unwrap(await identity.authenticateApiKey(rotated.key)).keyId).toBe(rotated.id);
  });

  it("never extends the old key's life, and the successor keeps the original expiry", async () => {
    const { admin } = await createTenant();
    const expiresAt = new Date(realNow() + HOUR).toISOString();
    const old = await createKey(admin, { expiresAt });
    const rotated = unwrap(await identity.rotateApiKey(admin, old.id, { gracePeriodHours: 48 }));
    expect(rotated.previousKeyExpiresAt).toBe(expiresAt);
    expect(rotated.expiresAt).toBe(expiresAt);
  });

  it("refuses a revoked key, a second rotation, and an out-of-range grace period", async () => {
    const { admin } = await createTenant();
    const revoked = await createKey(admin);
    unwrap(await identity.revokeApiKey(admin, revoked.id));
    expect(errorOf(await identity.rotateApiKey(admin, revoked.id, {})).code).toBe("invalid_state_transition");

    const once = await createKey(admin);
    unwrap(await identity.rotateApiKey(admin, once.id, { gracePeriodHours: 1 }));
    const twice = errorOf(await identity.rotateApiKey(admin, once.id, { gracePeriodHours: 1 }));
    expect(twice).toMatchObject({ code: "invalid_state_transition", message: "This API key has already been rotated" });

    const key = await createKey(admin);
    for (const gracePeriodHours of [-1, 721, Number.NaN]) {
      const error = errorOf(await identity.rotateApiKey(admin, key.id, { gracePeriodHours }));
      expect(error.details).toMatchObject({ field: "gracePeriodHours", rule: "range" });
    }
    // Nothing was written by the refused rotations.
    expect(unwrap(await identity.getApiKey(admin, key.id)).expiresAt).toBeNull();
  });

  it("rotates a key only once even when asked concurrently", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    const results = await Promise.all([1, 2, 3].map(() => identity.rotateApiKey(admin, key.id, {})));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results.filter((r) => !r.ok)) expect(errorOf(r).code).toBe("invalid_state_transition");
    const successors = await db().prepare("SELECT id FROM api_keys WHERE rotated_from_id = ?").bind(key.id).all();
    expect(successors.results).toHaveLength(1);
  });

  it("never hands a caller a successor holding more than the caller does", async () => {
    const { org, admin } = await createTenant();
    const fullAccess = await createKey(admin, { preset: "full_access", rateLimitTier: "enterprise" });
    const narrowKey = principalFor(org.id, { kind: "api_key", role: null, scopes: ["api-keys:write"], rateLimitTier: "enterprise" });
    expect(errorOf(await identity.rotateApiKey(narrowKey, fullAccess.id, {}))).toMatchObject({ code: "insufficient_scope", details: { scope: "*" } });

    const sandboxKey = principalFor(org.id, { kind: "api_key", role: null, scopes: ["*"], rateLimitTier: "sandbox" });
    expect(errorOf(await identity.rotateApiKey(sandboxKey, fullAccess.id, {}))).toMatchObject({
      code: "insufficient_scope",
      details: { field: "rateLimitTier", tier: "enterprise" },
    });

    // Neither refusal rotated it: the admin still can, once.
    expect(unwrap(await identity.getApiKey(admin, fullAccess.id)).expiresAt).toBeNull();
    expect(unwrap(await identity.rotateApiKey(admin, fullAccess.id, {})).rateLimitTier).toBe("enterprise");
  });

  it("lets a caller revoke only a key it could have issued, as with rotation", async () => {
    const { org, admin } = await createTenant();
    const fullAccess = await createKey(admin, { preset: "full_access", rateLimitTier: "enterprise" });
    const narrowKey = principalFor(org.id, { kind: "api_key", role: null, scopes: ["api-keys:write"], rateLimitTier: "enterprise" });
    expect(errorOf(await identity.revokeApiKey(narrowKey, fullAccess.id))).toMatchObject({ code: "insufficient_scope", details: { scope: "*" } });
    const sandboxKey = principalFor(org.id, { kind: "api_key", role: null, scopes: ["*"], rateLimitTier: "sandbox" });
    expect(errorOf(await identity.revokeApiKey(sandboxKey, fullAccess.id))).toMatchObject({
      code: "insufficient_scope",
      details: { field: "rateLimitTier", tier: "enterprise" },
    });
    expect(unwrap(await identity.getApiKey(admin, fullAccess.id)).revokedAt).toBeNull();
    expect(unwrap(await identity.authenticateApiKey(fullAccess.key)).keyId).toBe(fullAccess.id);

    // A key it could have issued, it may revoke; the admin may revoke any.
    const narrowTarget = await createKey(admin, { scopes: ["api-keys:write"], rateLimitTier: "standard" });
    expect(unwrap(await identity.revokeApiKey(narrowKey, narrowTarget.id)).revokedAt).not.toBeNull();
    expect(unwrap(await identity.revokeApiKey(admin, fullAccess.id)).revokedAt).not.toBeNull();
  });
});

describe("listApiKeyPresets", () => {
  it("lists every named preset with its scopes", async () => {
    const { data } = await identity.listApiKeyPresets();
    expect(data.map((p) => p.name)).toEqual(Object.keys(SCOPE_PRESETS));
    expect(data.find((p) => p.name === "full_access")?.scopes).toEqual(["*"]);
    expect(data.find((p) => p.name === "billing")?.scopes).toEqual([...SCOPE_PRESETS.billing]);
  });

  it("keeps large claims apart: claims_manager is claims plus claims:approve, which the adjuster role lacks", async () => {
    const { data } = await identity.listApiKeyPresets();
    const scopesOf = (name: string) => data.find((p) => p.name === name)?.scopes ?? [];
    expect(scopesOf("claims_manager")).toEqual([...scopesOf("claims"), "claims:approve"]);
    expect(ROLE_SCOPES.claims_adjuster).toEqual(scopesOf("claims"));
    expect(ROLE_SCOPES.claims_adjuster).not.toContain("claims:approve");
    expect(hasScope(ROLE_SCOPES.org_admin, "claims:approve")).toBe(true);
  });

  it("keeps deciding referrals apart: underwriting_manager is underwriting plus referrals:approve, and only it and org_admin hold it", async () => {
    const { data } = await identity.listApiKeyPresets();
    const scopesOf = (name: string) => data.find((p) => p.name === name)?.scopes ?? [];
    expect(scopesOf("underwriting_manager")).toEqual([...scopesOf("underwriting"), "referrals:approve"]);
    expect(scopesOf("underwriting")).toContain("referrals:write");
    for (const name of ["underwriting", "claims", "billing", "read_only"]) expect(scopesOf(name), name).not.toContain("referrals:approve");
    expect(ROLE_SCOPES.underwriter).not.toContain("referrals:approve");
    expect(hasScope(ROLE_SCOPES.org_admin, "referrals:approve")).toBe(true);
    expect(ALL_SCOPES).toContain("referrals:approve");

    // A key takes the preset by name; an underwriting key cannot hand out the approving scope.
    const { org, admin } = await createTenant();
    const manager = await createKey(admin, { preset: "underwriting_manager" });
    expect(manager.scopes).toContain("referrals:approve");
    const underwriter = principalFor(org.id, { scopes: [...SCOPE_PRESETS.underwriting, "api-keys:write"], role: "underwriter" });
    expect(errorOf(await identity.createApiKey(underwriter, { name: "escalate", preset: "underwriting_manager" }))).toMatchObject({
      code: "insufficient_scope",
      details: { scope: "referrals:approve" },
    });
  });
});
