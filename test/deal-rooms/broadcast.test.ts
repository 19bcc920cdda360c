import { describe, expect, it } from "vitest";
import { actorOf, connect, internal, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";

describe("messages reach every live socket", () => {
  it("a socket message is persisted, stamped and broadcast to every socket, the sender included", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice, "Alice Émile"));
    await a.nextOf("welcome");
    const b = await connect(room, alice.orgId, actorOf(bob));
    await b.nextOf("welcome");

    a.send({ type: "message", body: "Can we go to $2M limits?" });
    const seenByA = await a.nextOf("message");
    const seenByB = await b.nextOf("message");

    expect(seenByA).toEqual(seenByB);
    expect(seenByA.message).toMatchObject({
      roomId: room.id,
      author: { id: alice.actorId, kind: "user", name: "Alice Émile" },
      body: "Can we go to $2M limits?",
    });
    expect(seenByA.message.id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Date.parse(seenByA.message.createdAt)).not.toBeNaN();

    const history = unwrap(await rpc.listMessages(alice, room.id, {}));
    expect(history.data).toEqual([seenByA.message]);
  });

  it("a message posted over REST is broadcast exactly like a socket message", async () => {
    const alice = newPrincipal();
    const key = newPrincipal(alice.orgId, { kind: "api_key" });
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    const b = await connect(room, alice.orgId, actorOf(newPrincipal(alice.orgId)));
    await a.nextOf("welcome");
    await b.nextOf("welcome");

    const posted = unwrap(await rpc.postMessage(key, room.id, { body: "Loss runs attached" }));
    expect(posted).toMatchObject({ roomId: room.id, author: { id: key.actorId, kind: "api_key" }, body: "Loss runs attached" });
    expect(posted.author).not.toHaveProperty("name");

    expect((await a.nextOf("message")).message).toEqual(posted);
    expect((await b.nextOf("message")).message).toEqual(posted);
  });

  it("a system message reaches live sockets with a system author", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");

    const notice = unwrap(await internal.postSystemMessage(alice.orgId, room.id, "Referral ref_123 was approved"));
    expect(notice.author).toEqual({ id: "system", kind: "system", name: "OpenInsure" });
    expect((await a.nextOf("message")).message).toEqual(notice);
  });

  it("messages arrive at every socket in the order the room stamped them", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    const b = await connect(room, alice.orgId, actorOf(newPrincipal(alice.orgId)));
    await a.nextOf("welcome");
    await b.nextOf("welcome");

    for (let i = 0; i < 5; i++) a.send({ type: "message", body: `m${i}` });
    const atA = [];
    const atB = [];
    for (let i = 0; i < 5; i++) {
      atA.push((await a.nextOf("message")).message);
      atB.push((await b.nextOf("message")).message);
    }
    expect(atA.map((m) => m.body)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(atB).toEqual(atA);
    expect([...atA.map((m) => m.id)].sort()).toEqual(atA.map((m) => m.id));
  });
});
