import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { actorOf, connect, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";
import { realNow } from "../support/clock.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(realNow() / 1000);
/** A JWT lifetime long enough to survive a slow upgrade on a loaded machine, then waited out. */
const shortLived = () => nowSeconds() + 3;
const untilExpired = (expires: number) => sleep(Math.max(0, expires * 1000 - realNow()) + 100);

/** A principal acting with an API key of its own id (as the gateway forwards one). */
function keyPrincipal(orgId?: string) {
  const keyId = newId("key");
  return newPrincipal(orgId, { kind: "api_key", credentialId: keyId, actorId: keyId });
}

describe("a socket sending too fast", () => {
  it("is closed with 1008 on its 21st frame within 10 s; the 20 before it were posted", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");
    const b = await connect(room, alice.orgId, actorOf(bob));
    await b.nextOf("welcome");
    await a.nextOf("presence");

    for (let i = 1; i <= 20; i++) a.send({ type: "message", body: `m${i}` });
    for (let i = 1; i <= 20; i++) expect((await b.nextOf("message")).message.body).toBe(`m${i}`);
    a.send({ type: "message", body: "one too many" });
    expect(await a.closed()).toEqual({ code: 1008, reason: "too many messages" });
    expect(await b.nextOf("presence")).toMatchObject({ event: "leave", participant: { id: alice.actorId } });
    expect(unwrap(await rpc.listMessages(alice, room.id, { limit: 100 })).data).toHaveLength(20);
  });

  it("counts invalid frames too, and keeps the count across an eviction (it lives in the attachment)", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");
    for (let i = 0; i < 10; i++) a.send("not json");
    for (let i = 0; i < 10; i++) await a.nextOf("error");
    await evictDurableObject(env.DEAL_ROOM.getByName(room.id));
    for (let i = 0; i < 10; i++) a.send({ type: "message", body: `after ${i}` });
    for (let i = 0; i < 10; i++) await a.nextOf("message");
    a.send({ type: "message", body: "21st" });
    expect(await a.closed()).toMatchObject({ code: 1008, reason: "too many messages" });
  });

  it("lets a socket that keeps under 20 frames per 10 s go on", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");
    // 20 frames whose times all fall more than 10 s ago no longer count.
    await runInDurableObject(env.DEAL_ROOM.getByName(room.id), (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const who = ws.deserializeAttachment() as Record<string, unknown>;
        ws.serializeAttachment({ ...who, recent: Array.from({ length: 20 }, (_, i) => realNow() - 10_001 - i) });
      }
    });
    a.send({ type: "message", body: "still fine" });
    expect((await a.nextOf("message")).message.body).toBe("still fine");
    expect(a.isClosed).toBe(false);
  });
});

describe("a socket whose credential ends", () => {
  it("closes on its next frame once its credential has expired, without posting it", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const expires = shortLived();
    const a = await connect(room, alice.orgId, actorOf(alice), { credential: { kind: "jwt", id: alice.actorId, expires } });
    await a.nextOf("welcome");
    const b = await connect(room, alice.orgId, actorOf(bob));
    await b.nextOf("welcome");
    expect(await b.nextOf("presence")).toMatchObject({ event: "join", participant: { id: bob.actorId } });
    await untilExpired(expires);
    a.send({ type: "message", body: "after my token expired" });
    expect(await a.closed()).toEqual({ code: 1008, reason: "credential expired" });
    expect(await b.nextOf("presence")).toMatchObject({ event: "leave", participant: { id: alice.actorId } });
    expect(unwrap(await rpc.listMessages(bob, room.id, {})).data).toEqual([]);
  });

  it("closes on its next frame once its API key is revoked", async () => {
    const key = keyPrincipal();
    const room = await newRoom(newPrincipal(key.orgId));
    const s = await connect(room, key.orgId, actorOf(key));
    await s.nextOf("welcome");
    s.send({ type: "message", body: "while the key works" });
    expect((await s.nextOf("message")).message.body).toBe("while the key works");

    await env.IDENTITY.revokeForTest(key.credentialId);
    s.send({ type: "message", body: "after revocation" });
    expect(await s.closed()).toEqual({ code: 1008, reason: "credential revoked" });
    expect(unwrap(await rpc.listMessages(newPrincipal(key.orgId), room.id, {})).data.map((m) => m.body)).toEqual(["while the key works"]);
  });

  it("is checked by an alarm at least once a minute: a silent socket closes when its key is revoked or its credential expires", async () => {
    const org = newId("org");
    const key = keyPrincipal(org);
    const other = keyPrincipal(org);
    const alice = newPrincipal(org);
    const room = await newRoom(alice);
    const stub = env.DEAL_ROOM.getByName(room.id);
    const k = await connect(room, org, actorOf(key));
    await k.nextOf("welcome");
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(realNow() + 60_000);

    const o = await connect(room, org, actorOf(other));
    await o.nextOf("welcome");
    const expires = shortLived();
    const a = await connect(room, org, actorOf(alice), { credential: { kind: "jwt", id: alice.actorId, expires } });
    await a.nextOf("welcome");
    await untilExpired(expires);
    await env.IDENTITY.revokeForTest(key.credentialId);
    // Hibernated in between: the alarm wakes the room, which finds each credential in its attachment.
    await evictDurableObject(stub);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await k.closed()).toEqual({ code: 1008, reason: "credential revoked" });
    expect(await a.closed()).toEqual({ code: 1008, reason: "credential expired" });
    expect(o.isClosed).toBe(false);
    expect(unwrap(await rpc.getRoom(alice, room.id)).online.map((p) => p.id)).toEqual([other.actorId]);
    // The socket still open keeps the check scheduled.
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();
  });

  it("refuses an upgrade whose credential has already expired", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    await expect(connect(room, alice.orgId, actorOf(alice), { credential: { kind: "jwt", id: alice.actorId, expires: nowSeconds() - 1 } })).rejects.toThrow();
  });
});
