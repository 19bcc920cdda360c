import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENT_TYPES } from "#shared/events";
import { matchesSubscription } from "../../workers/webhooks/src/subscriptions.ts";
import { db, deliver, deliveryRow, errorOf, fanOut, harness, newPrincipal, publish, receiver, unwrap } from "./harness.ts";
import { realNow } from "../support/clock.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const URL_A = "https://hooks.example.com/openinsure";

describe("webhook endpoints", () => {
  it("returns a whsec_ secret of 32 random bytes once, and never again", async () => {
    const h = harness();
    const p = newPrincipal();
    const created = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["policy.*"], description: "  Policy feed " }));
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(created.secret.slice("whsec_".length))).toHaveLength(32);
    expect(created).toMatchObject({ id: expect.stringMatching(/^whk_/), url: URL_A, events: ["policy.*"], description: "Policy feed", enabled: true, successCount: 0, failureCount: 0 });

    const fetched = unwrap(await h.service.getEndpoint(p, created.id));
    expect(fetched).not.toHaveProperty("secret");
    const listed = unwrap(await h.service.listEndpoints(p, {}));
    expect(listed.data.map((e) => e.id)).toEqual([created.id]);
    expect(listed.data[0]).not.toHaveProperty("secret");

    const other = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    expect(other.secret).not.toBe(created.secret);
  });

  it("stores the signing secret sealed, not in plain text or as its base64 body", async () => {
    const h = harness();
    const created = unwrap(await h.service.createEndpoint(newPrincipal(), { url: URL_A, events: ["*"] }));
    const row = await db().prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(created.secret);
    expect(stored).not.toContain(created.secret.slice("whsec_".length, 30));
    expect(row?.secret_ciphertext).toMatch(/^v1\./);
  });

  it("accepts exact event types, family wildcards and *, and names `events` for anything else", async () => {
    const h = harness();
    const p = newPrincipal();
    const ok = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["policy.bound", "claim.*", "*", "policy.bound"] }));
    expect(ok.events).toEqual(["policy.bound", "claim.*", "*"]);

    for (const events of [["policy.unknown"], ["polcy.*"], ["policy"], ["*.bound"], [], ["policy.**"], [42]] as unknown as string[][]) {
      const error = errorOf(await h.service.createEndpoint(p, { url: URL_A, events }));
      expect(error, JSON.stringify(events)).toMatchObject({ code: "validation_failed", details: { field: "events" } });
    }
    const message = errorOf(await h.service.createEndpoint(p, { url: URL_A, events: ["policy.bound", "policy.exploded"] })).message;
    expect(message).toContain("policy.exploded");
  });

  it("matches subscriptions by exact type, family and *", () => {
    expect(matchesSubscription(["policy.*"], "policy.bound")).toBe(true);
    expect(matchesSubscription(["policy.*"], "policyholder.created")).toBe(false);
    expect(matchesSubscription(["policy.*"], "claim.filed")).toBe(false);
    expect(matchesSubscription(["claim.filed"], "claim.filed")).toBe(true);
    expect(matchesSubscription(["claim.filed"], "claim.closed")).toBe(false);
    for (const type of EVENT_TYPES) expect(matchesSubscription(["*"], type)).toBe(true);
  });

  it("updates url, events and description, and validates each", async () => {
    const h = harness();
    const p = newPrincipal();
    const created = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const updated = unwrap(await h.service.updateEndpoint(p, created.id, { url: "https://other.example.org/in", events: ["claim.*"], description: "claims" }));
    expect(updated).toMatchObject({ url: "https://other.example.org/in", events: ["claim.*"], description: "claims" });
    expect(errorOf(await h.service.updateEndpoint(p, created.id, { events: ["nope"] }))).toMatchObject({ details: { field: "events" } });
    expect(errorOf(await h.service.updateEndpoint(p, created.id, { url: "http://10.0.0.1/" }))).toMatchObject({ details: { field: "url", rule: "ssrf" } });
    expect(errorOf(await h.service.updateEndpoint(p, created.id, { enabled: "yes" as unknown as boolean }))).toMatchObject({ details: { field: "enabled" } });
    expect(unwrap(await h.service.getEndpoint(p, created.id)).url).toBe("https://other.example.org/in");
  });

  it("pauses by hand (no platform reason), and re-enabling clears the disabled state and the failure run", async () => {
    const h = harness();
    const p = newPrincipal();
    const created = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const off = unwrap(await h.service.updateEndpoint(p, created.id, { enabled: false }));
    expect(off).toMatchObject({ enabled: false, disabledReason: null, disabledAt: expect.any(String) });

    // As if the endpoint had been switched off by its receiver after a run of failures.
    await db()
      .prepare("UPDATE webhook_endpoints SET disabled_reason = 'gone', failing_since = ?, consecutive_failures = 7 WHERE id = ?")
      .bind(new Date(realNow() - 86_400_000).toISOString(), created.id)
      .run();
    const on = unwrap(await h.service.updateEndpoint(p, created.id, { enabled: true }));
    expect(on).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null, consecutiveFailures: 0 });
  });

  it("paginates the org's endpoints newest first with an opaque cursor", async () => {
    const h = harness();
    const p = newPrincipal();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(unwrap(await h.service.createEndpoint(p, { url: `${URL_A}/${i}`, events: ["*"] })).id);
    const first = unwrap(await h.service.listEndpoints(p, { limit: 2 }));
    expect(first.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    const second = unwrap(await h.service.listEndpoints(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const last = unwrap(await h.service.listEndpoints(p, { limit: 2, cursor: second.nextCursor! }));
    expect(last).toMatchObject({ data: [{ id: ids[0] }], nextCursor: null });
    expect(errorOf(await h.service.listEndpoints(p, { cursor: "garbage!" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });

  it("deletes: the endpoint disappears and its scheduled deliveries stop without another request", async () => {
    const h = harness();
    const p = newPrincipal();
    const created = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);

    expect(unwrap(await h.service.deleteEndpoint(p, created.id))).toEqual({ id: created.id, deleted: true });
    expect(errorOf(await h.service.getEndpoint(p, created.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await h.service.deleteEndpoint(p, created.id))).toMatchObject({ code: "not_found" });
    expect(unwrap(await h.service.listEndpoints(p, {})).data).toEqual([]);
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "failed" });

    const { requests } = receiver();
    const result = await deliver(h, deliveryId!);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(requests).toHaveLength(0);
    const row = await db().prepare("SELECT secret_ciphertext, deleted_at FROM webhook_endpoints WHERE id = ?").bind(created.id).first();
    expect(row).toMatchObject({ secret_ciphertext: null, deleted_at: expect.any(String) });

    // New events no longer fan out to it.
    expect(await fanOut(h, [publish(h, p.orgId, "policy.bound")])).toEqual([]);
  });

  it("rotates the secret: a new one shown once, the old one kept for 24 hours", async () => {
    const h = harness();
    const p = newPrincipal();
    const created = unwrap(await h.service.createEndpoint(p, { url: URL_A, events: ["*"] }));
    const before = realNow();
    const rotated = unwrap(await h.service.rotateSecret(p, created.id));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const expires = Date.parse(rotated.previousSecretExpiresAt);
    expect(expires - before).toBeGreaterThanOrEqual(24 * 3600_000 - 5_000);
    expect(expires - before).toBeLessThanOrEqual(24 * 3600_000 + 5_000);
    expect(unwrap(await h.service.getEndpoint(p, created.id)).previousSecretExpiresAt).toBe(rotated.previousSecretExpiresAt);
  });
});
