import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { actorOf, connect, errorOf, internal, newPrincipal, newRoom, rpc, unwrap, upgradeHeaders, worker } from "./harness.ts";

const notFound = { code: "not_found", message: "Deal room not found" };

describe("org isolation", () => {
  it("answers not_found for another org's room on every RPC, and changes nothing", async () => {
    const owner = newPrincipal();
    const intruder = newPrincipal();
    const room = await newRoom(owner, { participants: [intruder.actorId] });
    const watcher = await connect(room, owner.orgId, actorOf(owner));
    await watcher.nextOf("welcome");
    await watcher.nextOf("presence");
    unwrap(await rpc.postMessage(owner, room.id, { body: "private" }));
    await watcher.nextOf("message");

    expect(errorOf(await rpc.getRoom(intruder, room.id))).toEqual(notFound);
    expect(errorOf(await rpc.listMessages(intruder, room.id, {}))).toEqual(notFound);
    expect(errorOf(await rpc.postMessage(intruder, room.id, { body: "hello" }))).toEqual(notFound);
    expect(errorOf(await internal.postSystemMessage(intruder.orgId, room.id, "hello"))).toEqual(notFound);
    expect(unwrap(await rpc.listRooms(intruder, {}))).toEqual({ data: [], nextCursor: null });
    // Being named a participant grants nothing across orgs.
    expect(unwrap(await rpc.listRooms(intruder, { submissionId: undefined }))).toEqual({ data: [], nextCursor: null });

    await watcher.expectQuiet();
    expect(unwrap(await rpc.listMessages(owner, room.id, {})).data.map((m) => m.body)).toEqual(["private"]);
  });

  it("answers an unknown room exactly as another org's", async () => {
    const p = newPrincipal();
    const ghost = newId("room");
    expect(errorOf(await rpc.getRoom(p, ghost))).toEqual(notFound);
    expect(errorOf(await rpc.listMessages(p, ghost, {}))).toEqual(notFound);
    expect(errorOf(await rpc.postMessage(p, ghost, { body: "x" }))).toEqual(notFound);
    expect(errorOf(await internal.postSystemMessage(p.orgId, ghost, "x"))).toEqual(notFound);
  });

  it("refuses an upgrade into another org's room, at the worker and at the room itself", async () => {
    const owner = newPrincipal();
    const intruder = newPrincipal();
    const room = await newRoom(owner);
    const headers = upgradeHeaders(room.id, intruder.orgId, actorOf(intruder));

    const viaWorker = await worker.fetch("http://deal-rooms/ws", { headers });
    expect(viaWorker.status).toBe(404);
    expect(viaWorker.webSocket).toBeNull();
    expect(await viaWorker.json()).toMatchObject({ error: "not_found" });

    // Defence in depth: the object checks the forwarded room and org against its own.
    const direct = await env.DEAL_ROOM.getByName(room.id).fetch("http://deal-rooms/ws", { headers });
    expect(direct.status).toBe(404);
    const wrongRoom = await env.DEAL_ROOM.getByName(room.id).fetch("http://deal-rooms/ws", {
      headers: upgradeHeaders(newId("room"), owner.orgId, actorOf(owner)),
    });
    expect(wrongRoom.status).toBe(404);
    const neverCreated = await env.DEAL_ROOM.getByName(newId("room")).fetch("http://deal-rooms/ws", { headers });
    expect(neverCreated.status).toBe(404);

    expect(unwrap(await rpc.getRoom(owner, room.id)).online).toEqual([]);
  });

  it("keeps each org's room list to itself, filters included", async () => {
    const a = newPrincipal();
    const b = newPrincipal();
    const submissionId = newId("sub");
    const roomA = await newRoom(a, { submissionId });
    await newRoom(b, { submissionId });
    expect(unwrap(await rpc.listRooms(a, { submissionId })).data.map((r) => r.id)).toEqual([roomA.id]);
  });
});
