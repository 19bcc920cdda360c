import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { actorOf, newPrincipal, newRoom, rpc, upgradeHeaders, worker } from "./harness.ts";

describe("the worker's fetch takes only forwarded upgrades", () => {
  it("refuses a request that is not an upgrade with 426", async () => {
    const p = newPrincipal();
    const room = await newRoom(p);
    const { Upgrade: _, ...headers } = upgradeHeaders(room.id, p.orgId, actorOf(p));
    const res = await worker.fetch("http://deal-rooms/ws", { headers });
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect(await res.json()).toMatchObject({ error: "upgrade_required" });
  });

  it("answers 404 not_found for a room that does not exist", async () => {
    const p = newPrincipal();
    const res = await worker.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(newId("room"), p.orgId, actorOf(p)) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });

  it.each([
    ["no room", { "x-room-id": "" }],
    ["no org", { "x-org-id": "" }],
    ["no actor", { "x-actor-id": "" }],
    ["an unknown actor kind", { "x-actor-kind": "insured" }],
    ["no write flag", { "x-actor-can-write": "" }],
    ["no token id", { "x-room-token-id": "" }],
    ["no token expiry", { "x-room-token-expires": "" }],
  ])("answers 404 route_not_found to an upgrade with %s", async (_name, override) => {
    const p = newPrincipal();
    const room = await newRoom(p);
    const headers = { ...upgradeHeaders(room.id, p.orgId, actorOf(p)), ...override };
    const res = await worker.fetch("http://deal-rooms/ws", { headers });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "route_not_found" });
  });

  it("accepts a forwarded upgrade into the org's room with 101", async () => {
    const p = newPrincipal();
    const room = await newRoom(p);
    const res = await worker.fetch(`http://deal-rooms/v1/deal-rooms/${room.id}/ws?token=t`, { headers: upgradeHeaders(room.id, p.orgId, actorOf(p)) });
    expect(res.status).toBe(101);
    expect(res.webSocket).not.toBeNull();
    res.webSocket!.accept();
    res.webSocket!.close(1000);
  });
});

describe("join tokens", () => {
  it("admit one socket each: the same token id is refused with 401 the second time", async () => {
    const p = newPrincipal();
    const room = await newRoom(p);
    const tokenId = newId("rtk");
    const first = await worker.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(room.id, p.orgId, actorOf(p), tokenId) });
    expect(first.status).toBe(101);
    first.webSocket!.accept();

    const again = await worker.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(room.id, p.orgId, actorOf(p), tokenId) });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: "unauthorized" });
    expect(await env.DEAL_ROOM.getByName(room.id).online()).toHaveLength(1);

    // A fresh token still joins.
    const fresh = await worker.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(room.id, p.orgId, actorOf(p)) });
    expect(fresh.status).toBe(101);
    fresh.webSocket!.accept();
    first.webSocket!.close(1000);
    fresh.webSocket!.close(1000);
  });
});

describe("the DealRoomsService entrypoint's fetch", () => {
  it("forwards upgrades the same way, so one RPC binding serves sockets too", async () => {
    const p = newPrincipal();
    const room = await newRoom(p);
    const ok = await rpc.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(room.id, p.orgId, actorOf(p)) });
    expect(ok.status).toBe(101);
    ok.webSocket!.accept();
    ok.webSocket!.close(1000);
    expect((await rpc.fetch("http://deal-rooms/ws")).status).toBe(426);
    const other = newPrincipal();
    expect((await rpc.fetch("http://deal-rooms/ws", { headers: upgradeHeaders(room.id, other.orgId, actorOf(other)) })).status).toBe(404);
  });
});
