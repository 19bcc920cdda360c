import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { errorOf, newPrincipal, newRoom, rpc, unwrap } from "./harness.ts";

describe("rooms", () => {
  it("creates a room with its creator as a participant and nobody online", async () => {
    const p = newPrincipal();
    const submissionId = newId("sub");
    const room = unwrap(
      await rpc.createRoom(p, { name: "  Acme GL  ", submissionId, participants: ["broker@acme.example", p.actorId, "broker@acme.example"] }),
    );
    expect(room).toEqual({
      id: expect.stringMatching(/^room_[0-9A-HJKMNP-TV-Z]{26}$/),
      name: "Acme GL",
      submissionId,
      participants: [p.actorId, "broker@acme.example"],
      online: [],
      createdBy: p.actorId,
      createdAt: expect.any(String),
    });
    expect(unwrap(await rpc.getRoom(p, room.id))).toEqual(room);
  });

  it("defaults submissionId to null and participants to the creator", async () => {
    const p = newPrincipal();
    const room = unwrap(await rpc.createRoom(p, { name: "Solo" }));
    expect(room).toMatchObject({ submissionId: null, participants: [p.actorId] });
  });

  it.each([
    ["an empty name", { name: " " }, "name"],
    ["a name over 200 characters", { name: "n".repeat(201) }, "name"],
    ["a missing name", {}, "name"],
    ["a malformed submissionId", { name: "x", submissionId: "pol_123" }, "submissionId"],
    ["more than 50 participants", { name: "x", participants: Array.from({ length: 51 }, (_, i) => `u${i}`) }, "participants"],
    ["an empty participant", { name: "x", participants: [""] }, "participants"],
    ["a participant over 200 characters", { name: "x", participants: ["p".repeat(201)] }, "participants"],
    ["a participant that is not a string", { name: "x", participants: [7] }, "participants"],
  ])("refuses %s", async (_name, input, field) => {
    const p = newPrincipal();
    expect(errorOf(await rpc.createRoom(p, input as never))).toMatchObject({ code: "validation_failed", details: { field } });
    expect(unwrap(await rpc.listRooms(p, {})).data).toEqual([]);
  });

  it("accepts 50 participants of 200 characters", async () => {
    const p = newPrincipal();
    const participants = Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(200, "p"));
    expect(unwrap(await rpc.createRoom(p, { name: "big", participants })).participants).toHaveLength(51);
  });

  it("lists newest first with a cursor, oldest first on request, and filters by submission", async () => {
    const p = newPrincipal();
    const submissionId = newId("sub");
    const r1 = await newRoom(p, { name: "one", submissionId });
    const r2 = await newRoom(p, { name: "two" });
    const r3 = await newRoom(p, { name: "three", submissionId });

    const first = unwrap(await rpc.listRooms(p, { limit: 2 }));
    expect(first.data.map((r) => r.id)).toEqual([r3.id, r2.id]);
    const second = unwrap(await rpc.listRooms(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second).toEqual({ data: [r1], nextCursor: null });

    expect(unwrap(await rpc.listRooms(p, { sort: "createdAt" })).data.map((r) => r.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(unwrap(await rpc.listRooms(p, { submissionId })).data.map((r) => r.id)).toEqual([r3.id, r1.id]);
    expect(errorOf(await rpc.listRooms(p, { sort: "name" }))).toMatchObject({ code: "validation_failed", details: { field: "sort" } });
    expect(errorOf(await rpc.listRooms(p, { cursor: "%%%" }))).toMatchObject({ code: "validation_failed", details: { field: "cursor" } });
  });
});
