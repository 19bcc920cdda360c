import { describe, expect, it } from "vitest";
import { actorOf, connect, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";

describe("presence", () => {
  it("welcomes a joiner with who is online and tells everyone it joined", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice, { participants: [bob.actorId] });

    const a = await connect(room, alice.orgId, actorOf(alice, "Alice"));
    const welcomeA = await a.nextOf("welcome");
    expect(welcomeA).toMatchObject({ roomId: room.id, participant: { id: alice.actorId, kind: "user", name: "Alice" } });
    expect(welcomeA.online.map((p) => p.id)).toEqual([alice.actorId]);
    // Presence frames go to all, the joiner included.
    expect(await a.nextOf("presence")).toMatchObject({ event: "join", participant: { id: alice.actorId } });

    const b = await connect(room, alice.orgId, actorOf(bob));
    const welcomeB = await b.nextOf("welcome");
    expect(welcomeB.participant).toMatchObject({ id: bob.actorId, kind: "user" });
    expect(welcomeB.participant).not.toHaveProperty("name");
    expect(welcomeB.online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);

    const joinSeenByA = await a.nextOf("presence");
    expect(joinSeenByA).toMatchObject({ event: "join", participant: { id: bob.actorId, kind: "user" } });
    expect(joinSeenByA.online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);
    expect(Date.parse(joinSeenByA.participant.joinedAt)).not.toBeNaN();

    expect(unwrap(await rpc.getRoom(alice, room.id)).online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);
  });

  it("tells the others when someone leaves, and forgets them", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");
    await a.nextOf("presence");
    const b = await connect(room, alice.orgId, actorOf(bob));
    await b.nextOf("welcome");
    await a.nextOf("presence");

    b.close();
    const leave = await a.nextOf("presence");
    expect(leave).toMatchObject({ event: "leave", participant: { id: bob.actorId } });
    expect(leave.online.map((p) => p.id)).toEqual([alice.actorId]);
    expect(unwrap(await rpc.getRoom(alice, room.id)).online.map((p) => p.id)).toEqual([alice.actorId]);

    // A message after the leave reaches only the socket still there, and nothing breaks.
    a.send({ type: "message", body: "still here" });
    expect((await a.nextOf("message")).message.body).toBe("still here");
  });

  it("counts an actor once, however many sockets they hold, and they leave with their last one", async () => {
    const alice = newPrincipal();
    const bob = newPrincipal(alice.orgId);
    const room = await newRoom(alice);
    const watcher = await connect(room, alice.orgId, actorOf(alice));
    await watcher.nextOf("welcome");
    await watcher.nextOf("presence");

    const tab1 = await connect(room, alice.orgId, actorOf(bob));
    expect(await watcher.nextOf("presence")).toMatchObject({ event: "join", participant: { id: bob.actorId } });
    const tab2 = await connect(room, alice.orgId, actorOf(bob));
    const welcome2 = await tab2.nextOf("welcome");
    expect(welcome2.online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);
    await watcher.expectQuiet(); // a second tab is not a new arrival

    tab1.close();
    await watcher.expectQuiet(); // bob is still here through tab2
    expect(unwrap(await rpc.getRoom(alice, room.id)).online.map((p) => p.id)).toEqual([alice.actorId, bob.actorId]);

    tab2.close();
    const leave = await watcher.nextOf("presence");
    expect(leave).toMatchObject({ event: "leave", participant: { id: bob.actorId } });
    expect(leave.online.map((p) => p.id)).toEqual([alice.actorId]);
  });

  it("lists rooms with who is online in each", async () => {
    const alice = newPrincipal();
    const busy = await newRoom(alice, { name: "busy" });
    const quiet = await newRoom(alice, { name: "quiet" });
    const a = await connect(busy, alice.orgId, actorOf(alice));
    await a.nextOf("welcome");

    const { data } = unwrap(await rpc.listRooms(alice, {}));
    expect(data.map((r) => [r.id, r.online.map((p) => p.id)])).toEqual([
      [quiet.id, []],
      [busy.id, [alice.actorId]],
    ]);
  });
});
