import { describe, expect, it } from "vitest";
import { actorOf, connect, newPrincipal, newRoom, rpc, unwrap, type RoomSocket } from "./harness.ts";

async function twoInARoom() {
  const alice = newPrincipal();
  const room = await newRoom(alice);
  const a = await connect(room, alice.orgId, actorOf(alice));
  await a.nextOf("welcome");
  await a.nextOf("presence");
  const b = await connect(room, alice.orgId, actorOf(newPrincipal(alice.orgId)));
  await b.nextOf("welcome");
  await b.nextOf("presence");
  await a.nextOf("presence");
  return { alice, room, a, b };
}

/** The socket is still open and still works: a valid message goes through. */
async function stillWorks(socket: RoomSocket): Promise<void> {
  socket.send({ type: "message", body: "still open" });
  expect((await socket.nextOf("message")).message.body).toBe("still open");
  expect(socket.isClosed).toBe(false);
}

describe("bad frames", () => {
  const bad: [string, string | ArrayBuffer, RegExp][] = [
    ["non-JSON text", "hello there", /JSON/],
    ["JSON that is not an object", JSON.stringify("message"), /type/],
    ["an unknown frame type", JSON.stringify({ type: "typing" }), /type/],
    ["a message without a body", JSON.stringify({ type: "message" }), /body/],
    ["an empty body", JSON.stringify({ type: "message", body: "" }), /empty/],
    ["a whitespace body", JSON.stringify({ type: "message", body: "  \n " }), /empty/],
    ["a non-string body", JSON.stringify({ type: "message", body: 42 }), /string/],
    ["a body over 4000 characters", JSON.stringify({ type: "message", body: "x".repeat(4001) }), /4000/],
    // The platform's input rules (#shared/input) hold on the socket too, which never passes the gateway's body check.
    ["a body with a NUL", JSON.stringify({ type: "message", body: "a\u0000b" }), /control characters/],
    ["a body with a right-to-left override", JSON.stringify({ type: "message", body: "deal \u202Eoff" }), /bidirectional/],
    ["a binary frame", new TextEncoder().encode(JSON.stringify({ type: "message", body: "hi" })).buffer as ArrayBuffer, /Binary/],
  ];

  it.each(bad)("%s gets an invalid_frame error on that socket only, which stays open", async (_name, frame, message) => {
    const { alice, room, a, b } = await twoInARoom();
    a.ws.send(frame);
    const error = await a.next();
    expect(error).toEqual({ type: "error", code: "invalid_frame", message: expect.stringMatching(message) });
    await b.expectQuiet();
    expect(unwrap(await rpc.listMessages(alice, room.id, {})).data).toEqual([]);
    await stillWorks(a);
  });

  it("accepts a body of exactly 4000 characters", async () => {
    const { a, b } = await twoInARoom();
    a.send({ type: "message", body: "y".repeat(4000) });
    expect((await b.nextOf("message")).message.body).toHaveLength(4000);
  });

  it("closes a socket that sends a frame over 16 KiB with 1009, and the others see it leave", async () => {
    const { alice, room, a, b } = await twoInARoom();
    a.send(JSON.stringify({ type: "message", body: "z".repeat(16 * 1024) }));
    expect(await a.closed()).toMatchObject({ code: 1009, reason: "message too big" });
    expect(await b.nextOf("presence")).toMatchObject({ event: "leave" });
    await b.expectQuiet(); // announced once
    expect(unwrap(await rpc.listMessages(alice, room.id, {})).data).toEqual([]);
    await stillWorks(b);
  });

  it("answers a ping with a pong (without a JSON frame)", async () => {
    const { a, b } = await twoInARoom();
    a.send("ping");
    expect(await a.next<string>()).toBe("pong");
    await b.expectQuiet();
    await stillWorks(a);
  });
});

describe("a read-only socket", () => {
  it("follows the room but cannot post: its message frames get insufficient_scope and are not stored", async () => {
    const { alice, room, a } = await twoInARoom();
    const viewer = newPrincipal(alice.orgId, { scopes: ["deal-rooms:read"] });
    const v = await connect(room, alice.orgId, actorOf(viewer), { canWrite: false });
    await v.nextOf("welcome");
    await v.nextOf("presence");

    v.send({ type: "message", body: "let me in on this" });
    expect(await v.next()).toMatchObject({ type: "error", code: "insufficient_scope" });
    expect(v.isClosed).toBe(false);

    // It still hears the others, and nothing it sent reached the history.
    await a.nextOf("presence");
    a.send({ type: "message", body: "terms attached" });
    expect((await v.nextOf("message")).message.body).toBe("terms attached");
    const history = unwrap(await rpc.listMessages(alice, room.id, { limit: 10 }));
    expect(history.data.map((m) => m.body)).toEqual(["terms attached"]);
  });
});
