import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { actorOf, connect, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";

describe("a room survives eviction with its sockets hibernated", () => {
  it("keeps history, presence and broadcast across an eviction", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const carol = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice, "Alice"));
    await a.nextOf("welcome");
    const b = await connect(room, alice.orgId, actorOf(bob));
    await b.nextOf("welcome");
    await a.nextOf("presence");
    await a.nextOf("presence");
    a.send({ type: "message", body: "before eviction 1" });
    await b.nextOf("message");
    unwrap(await rpc.postMessage(bob, room.id, { body: "before eviction 2" }));
    await a.nextOf("message");
    await a.nextOf("message");
    await b.nextOf("message");

    const stub = env.DEAL_ROOM.getByName(room.id);
    await evictDurableObject(stub);

    // Who is online is rebuilt from the hibernated sockets' attachments.
    expect(unwrap(await rpc.getRoom(alice, room.id)).online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);
    await evictDurableObject(stub);

    // A hibernated socket's frame wakes the room, which still knows who sent it and where to broadcast.
    b.send({ type: "message", body: "after eviction" });
    const woke = await a.nextOf("message");
    expect(woke.message).toMatchObject({ roomId: room.id, author: { id: bob.actorId, kind: "user" }, body: "after eviction" });
    expect((await b.nextOf("message")).message).toEqual(woke.message);
    await evictDurableObject(stub);

    // A newcomer sees everyone online and the full history.
    const c = await connect(room, alice.orgId, actorOf(carol));
    const welcome = await c.nextOf("welcome");
    expect(welcome.online.map((p) => [p.id, p.name ?? null])).toEqual([
      [alice.actorId, "Alice"],
      [bob.actorId, null],
      [carol.actorId, null],
    ]);
    expect((await a.nextOf("presence")).participant.id).toBe(carol.actorId);
    expect((await c.nextOf("presence")).participant.id).toBe(carol.actorId);
    const history = unwrap(await rpc.listMessages(carol, room.id, {}));
    expect(history.data.map((m) => m.body)).toEqual(["after eviction", "before eviction 2", "before eviction 1"]);

    // Pings are still answered, and a leave after eviction is announced with the right list.
    a.send("ping");
    expect(await a.next<string>()).toBe("pong");
    await evictDurableObject(stub);
    b.close();
    const leave = await c.nextOf("presence");
    expect(leave).toMatchObject({ event: "leave", participant: { id: bob.actorId } });
    expect(leave.online.map((p) => p.id)).toEqual([alice.actorId, carol.actorId]);
  });
});
