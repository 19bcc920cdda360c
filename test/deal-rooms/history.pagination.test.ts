import { describe, expect, it } from "vitest";
import type { Message } from "../../workers/deal-rooms/src/types.ts";
import { actorOf, connect, errorOf, internal, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";

describe("message history", () => {
  it("pages newest first with a cursor until nothing is left", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const posted: Message[] = [];
    for (let i = 0; i < 7; i++) posted.push(unwrap(await rpc.postMessage(alice, room.id, { body: `m${i}` })));

    const seen: Message[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = unwrap(await rpc.listMessages(alice, room.id, { limit: 3, ...(cursor ? { cursor } : {}) }));
      sizes.push(page.data.length);
      seen.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([...posted].reverse());
  });

  it("holds socket and REST messages in one timeline", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    const a = await connect(room, alice.orgId, actorOf(alice, "Alice"));
    await a.nextOf("welcome");
    a.send({ type: "message", body: "over the socket" });
    await a.nextOf("message");
    unwrap(await rpc.postMessage(alice, room.id, { body: "over REST" }));
    unwrap(await internal.postSystemMessage(alice.orgId, room.id, "from the platform"));

    const { data, nextCursor } = unwrap(await rpc.listMessages(alice, room.id, {}));
    expect(data.map((m) => [m.body, m.author.kind, m.author.name ?? null])).toEqual([
      ["from the platform", "system", "OpenInsure"],
      ["over REST", "user", null],
      ["over the socket", "user", "Alice"],
    ]);
    expect(nextCursor).toBeNull();
  });

  it("defaults to 25 a page and caps a page at 100", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    for (let i = 0; i < 30; i++) unwrap(await rpc.postMessage(alice, room.id, { body: `m${i}` }));
    const first = unwrap(await rpc.listMessages(alice, room.id, {}));
    expect(first.data).toHaveLength(25);
    expect(first.nextCursor).not.toBeNull();
    expect(unwrap(await rpc.listMessages(alice, room.id, { limit: 1000 })).data).toHaveLength(30);
  });

  it("refuses a malformed cursor or limit", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    expect(errorOf(await rpc.listMessages(alice, room.id, { cursor: "not-a-cursor" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
    expect(errorOf(await rpc.listMessages(alice, room.id, { limit: 2.5 }))).toMatchObject({ code: "validation_failed", details: { field: "limit" } });
  });

  it("refuses an empty or oversized REST message", async () => {
    const alice = newPrincipal();
    const room = await newRoom(alice);
    expect(errorOf(await rpc.postMessage(alice, room.id, { body: "" }))).toMatchObject({ code: "validation_failed", details: { field: "body" } });
    expect(errorOf(await rpc.postMessage(alice, room.id, { body: "x".repeat(4001) }))).toMatchObject({ code: "validation_failed", details: { field: "body", rule: "max_length" } });
    expect(errorOf(await internal.postSystemMessage(alice.orgId, room.id, " "))).toMatchObject({ code: "validation_failed" });
    expect(unwrap(await rpc.listMessages(alice, room.id, {})).data).toEqual([]);
  });
});
