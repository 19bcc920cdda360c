import { describe, expect, it } from "vitest";
import { randomToken, sha256Hex, timingSafeEqual } from "#shared/crypto";
import { createKey, createTenant, db, errorOf, identity, unwrap } from "./factories.ts";
import { realNow } from "../support/clock.ts";

/** The one answer for every authentication failure: nothing tells a caller which check failed. */
const UNAUTHORIZED = { code: "unauthorized", message: "Invalid or missing credentials" };

describe("authenticateApiKey rejects, with one indistinguishable error", () => {
  it("a well-formed key that was never issued", async () => {
    expect(errorOf(await identity.authenticateApiKey(`oik_test_${randomToken(32)}`))).toEqual(UNAUTHORIZED);
  });

  it("an issued key with one character changed", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    const last = key.key.at(-1) === "A" ? "B" : "A";
    expect(errorOf(await identity.authenticateApiKey(key.key.slice(0, -1) + last))).toEqual(UNAUTHORIZED);
    expect(errorOf(await identity.authenticateApiKey(key.prefix))).toEqual(UNAUTHORIZED);
  });

  it("malformed input", async () => {
    for (const raw of ["", "Bearer", "oik_", "x".repeat(10_000), `oik_test_${"a".repeat(500)}`, `oik_test_${"a".repeat(42)}`, `oik_prod_${"a".repeat(43)}`]) {
      expect(errorOf(await identity.authenticateApiKey(raw))).toEqual(UNAUTHORIZED);
    }
  });

  it("a revoked key", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    unwrap(await identity.revokeApiKey(admin, key.id));
    expect(errorOf(await identity.authenticateApiKey(key.key))).toEqual(UNAUTHORIZED);
  });

  it("an expired key", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin, { expiresAt: new Date(realNow() + 3_600_000).toISOString() });
    unwrap(await identity.authenticateApiKey(key.key));
    await db().prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?").bind(new Date(realNow() - 1000).toISOString(), key.id).run();
    expect(errorOf(await identity.authenticateApiKey(key.key))).toEqual(UNAUTHORIZED);
  });

  it("a rotated key past its grace period, while its successor works", async () => {
    const { admin } = await createTenant();
    const old = await createKey(admin);
    const rotated = unwrap(await identity.rotateApiKey(admin, old.id, { gracePeriodHours: 1 }));
    unwrap(await identity.authenticateApiKey(old.key));

    // An hour later: the grace period is over.
    await db().prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?").bind(new Date(realNow() - 1).toISOString(), old.id).run();
    expect(errorOf(await identity.authenticateApiKey(old.key))).toEqual(UNAUTHORIZED);
    expect(unwrap(await identity.authenticateApiKey(rotated.key)).keyId).toBe(rotated.id);
  });

  it("an expired key cannot be rotated back to life", async () => {
    const { admin } = await createTenant();
    const expired = await createKey(admin, { expiresAt: new Date(realNow() + 60_000).toISOString() });
    await db().prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?").bind(new Date(realNow() - 1).toISOString(), expired.id).run();
    expect(errorOf(await identity.rotateApiKey(admin, expired.id, {}))).toEqual({
      code: "invalid_state_transition",
      message: "An expired API key cannot be rotated",
    });
    const successors = await db().prepare("SELECT id FROM api_keys WHERE rotated_from_id = ?").bind(expired.id).all();
    expect(successors.results).toHaveLength(0);
  });
});

describe("key storage", () => {
  it("keeps only the SHA-256 and a 16-character prefix: the raw key appears nowhere in the database", async () => {
    const { admin } = await createTenant();
    const created = await createKey(admin);
    const rotated = unwrap(await identity.rotateApiKey(admin, created.id, {}));

    const row = await db().prepare("SELECT key_hash, prefix FROM api_keys WHERE id = ?").bind(created.id).first<{ key_hash: string; prefix: string }>();
    expect(row).toEqual({ key_hash: await sha256Hex(created.key), prefix: created.key.slice(0, 16) });

    const tables = await db()
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toContain("api_keys");
    let dump = "";
    for (const { name } of tables.results) {
      const rows = await db().prepare(`SELECT * FROM "${name}"`).all();
      dump += JSON.stringify(rows.results);
    }
    for (const raw of [created.key, rotated.key]) {
      const secretPart = raw.slice("oik_test_".length);
      expect(dump).toContain(raw.slice(0, 16));
      expect(dump).not.toContain(raw);
      expect(dump).not.toContain(secretPart);
      // Not even the secret part beyond the displayed prefix.
      expect(dump).not.toContain(raw.slice(16, 32));
    }
  });

  it("never returns the hash from reads and lists", async () => {
    const { admin } = await createTenant();
    const key = await createKey(admin);
    const hash = await sha256Hex(key.key);
    const read = JSON.stringify(unwrap(await identity.getApiKey(admin, key.id)));
    const list = JSON.stringify(unwrap(await identity.listApiKeys(admin, {})));
    const revoked = JSON.stringify(unwrap(await identity.revokeApiKey(admin, key.id)));
    for (const body of [read, list, revoked]) {
      expect(body).toContain(key.id);
      expect(body).not.toContain(hash);
      expect(body).not.toContain(key.key);
    }
  });
});

describe("tenancy", () => {
  it("another org's key answers not_found, exactly like a missing one, and is left untouched", async () => {
    const victim = await createTenant();
    const attacker = await createTenant();
    const key = await createKey(victim.admin);
    const missing = errorOf(await identity.getApiKey(attacker.admin, "key_01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    expect(missing).toEqual({ code: "not_found", message: "API key not found" });

    expect(errorOf(await identity.getApiKey(attacker.admin, key.id))).toEqual(missing);
    expect(errorOf(await identity.revokeApiKey(attacker.admin, key.id))).toEqual(missing);
    expect(errorOf(await identity.rotateApiKey(attacker.admin, key.id, { gracePeriodHours: 0 }))).toEqual(missing);

    // The victim's key still works and has neither been revoked nor shortened.
    const identityOfKey = unwrap(await identity.authenticateApiKey(key.key));
    expect(identityOfKey).toMatchObject({ orgId: victim.org.id, expiresAt: null });
    expect(unwrap(await identity.getApiKey(victim.admin, key.id)).revokedAt).toBeNull();
  });

  it("a new key belongs to the principal's org, whatever else is passed", async () => {
    const { org, admin } = await createTenant();
    const other = await createTenant();
    const key = unwrap(await identity.createApiKey(admin, { name: "k", orgId: other.org.id } as never));
    expect(unwrap(await identity.authenticateApiKey(key.key)).orgId).toBe(org.id);
  });
});

describe("timingSafeEqual", () => {
  it("never matches an empty or unset secret, not even against an empty candidate", () => {
    expect(timingSafeEqual("", "")).toBe(false);
    expect(timingSafeEqual("", "secret")).toBe(false);
    expect(timingSafeEqual("secret", undefined as unknown as string)).toBe(false);
    expect(timingSafeEqual("secret", "secret")).toBe(true);
    expect(timingSafeEqual("secret", "secreT")).toBe(false);
  });
});
