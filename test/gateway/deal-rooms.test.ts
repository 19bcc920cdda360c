import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json } from "./harness.ts";
import { approverKey, glSubmission } from "./lifecycle-harness.ts";
import { realNow } from "../support/clock.ts";

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = realNow() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || realNow() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("deal rooms through the gateway", () => {
  it("issues a wsUrl only for the caller's own rooms and refuses an upgrade without a valid token", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const room = await json(await call("POST", "/v1/deal-rooms", { apiKey: a.apiKey, body: { name: "Negotiation" } }));
    const socket = await json(await call("GET", `/v1/deal-rooms/${room.id}/ws`, { apiKey: a.apiKey }));
    expect(socket.wsUrl).toMatch(new RegExp(`^wss://[^/]+/v1/deal-rooms/${room.id}/ws\\?token=`));
    expect(Date.parse(socket.expiresAt) - realNow()).toBeLessThanOrEqual(60_000);
    expect((await call("GET", `/v1/deal-rooms/${room.id}/ws`, { apiKey: b.apiKey })).status).toBe(404);
    for (const path of [`/v1/deal-rooms/${room.id}`, `/v1/deal-rooms/${room.id}/messages`]) {
      expect((await call("GET", path, { apiKey: b.apiKey })).status, path).toBe(404);
    }
    expect((await call("POST", `/v1/deal-rooms/${room.id}/messages`, { apiKey: b.apiKey, body: { body: "hi" } })).status).toBe(404);

    const noToken = await call("GET", `/v1/deal-rooms/${room.id}/ws`, { headers: { upgrade: "websocket" } });
    expect(noToken.status).toBe(401);
    const noTokenBody = json(noToken);
    const token = new URL(socket.wsUrl).searchParams.get("token")!;
    const tampered = await call("GET", `/v1/deal-rooms/${room.id}/ws?token=${token.slice(0, -2)}xx`, { headers: { upgrade: "websocket" } });
    expect(tampered.status).toBe(401);
    const upgraded = await call("GET", `/v1/deal-rooms/${room.id}/ws?token=${token}`, { headers: { upgrade: "websocket" } });
    expect(upgraded.status).toBe(101);
    upgraded.webSocket!.accept();

    // The token has done its job: replaying it within its minute is refused, in the one envelope.
    const replayed = await call("GET", `/v1/deal-rooms/${room.id}/ws?token=${token}`, { headers: { upgrade: "websocket" } });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: "unauthorized", message: (await noTokenBody).message as string, requestId: expect.stringMatching(/^req_/) });
    upgraded.webSocket!.close();
  });

  it("names authors by their key's or user's name, over REST and in the room's welcome", async () => {
    const t = await createTenant();
    const broker = await createApiKey(t.token, { name: "Harbor Brokers API", scopes: ["deal-rooms:read", "deal-rooms:write"] });
    const room = await json(await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Named" } }));

    const posted = await json(await call("POST", `/v1/deal-rooms/${room.id}/messages`, { apiKey: broker.key, body: { body: "Our terms" } }));
    expect(posted.author).toEqual({ id: broker.id, kind: "api_key", name: "Harbor Brokers API" });
    const byUser = await json(await call("POST", `/v1/deal-rooms/${room.id}/messages`, { token: t.token, body: { body: "Counter" } }));
    expect(byUser.author.name).toMatch(/^Test Org .+ demo admin$/);

    const { wsUrl } = await json(await call("GET", `/v1/deal-rooms/${room.id}/ws`, { apiKey: broker.key }));
    const upgraded = await call("GET", new URL(wsUrl).pathname + new URL(wsUrl).search, { headers: { upgrade: "websocket" } });
    expect(upgraded.status).toBe(101);
    const ws = upgraded.webSocket!;
    const welcome = new Promise<{ participant: { name?: string } }>((resolve) => ws.addEventListener("message", (e) => resolve(JSON.parse(e.data as string))));
    ws.accept();
    expect((await welcome).participant).toMatchObject({ id: broker.id, kind: "api_key", name: "Harbor Brokers API" });
    ws.close();
  });

  it("lets a read-only credential follow a room over its socket but not post", async () => {
    const t = await createTenant();
    const viewer = await createApiKey(t.token, { name: "Viewer", scopes: ["deal-rooms:read"] });
    const room = await json(await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Read only" } }));
    const { wsUrl } = await json(await call("GET", `/v1/deal-rooms/${room.id}/ws`, { apiKey: viewer.key }));
    const upgraded = await call("GET", new URL(wsUrl).pathname + new URL(wsUrl).search, { headers: { upgrade: "websocket" } });
    const ws = upgraded.webSocket!;
    const frames: { type: string; code?: string }[] = [];
    const refused = new Promise<void>((resolve) =>
      ws.addEventListener("message", (e) => {
        const frame = JSON.parse(e.data as string);
        frames.push(frame);
        if (frame.type === "error") resolve();
      }),
    );
    ws.accept();
    ws.send(JSON.stringify({ type: "message", body: "sneaking in" }));
    await refused;
    expect(frames.at(-1)).toMatchObject({ type: "error", code: "insufficient_scope" });
    expect((await json(await call("GET", `/v1/deal-rooms/${room.id}/messages`, { apiKey: t.apiKey }))).data).toEqual([]);
    ws.close();
  });

  it("closes a socket opened with an API key (1008) on its next frame once the key is revoked", async () => {
    const t = await createTenant();
    const broker = await createApiKey(t.token, { name: "Broker", scopes: ["deal-rooms:read", "deal-rooms:write"] });
    const room = await json(await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Revocation" } }));
    const { wsUrl } = await json(await call("GET", `/v1/deal-rooms/${room.id}/ws`, { apiKey: broker.key }));
    const upgraded = await call("GET", new URL(wsUrl).pathname + new URL(wsUrl).search, { headers: { upgrade: "websocket" } });
    expect(upgraded.status).toBe(101);
    const ws = upgraded.webSocket!;
    const frames: { type: string; message?: { body: string } }[] = [];
    let onFrame = () => {};
    ws.addEventListener("message", (e) => {
      frames.push(JSON.parse(e.data as string));
      onFrame();
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    const posted = new Promise<void>((resolve) => (onFrame = () => frames.some((f) => f.type === "message") && resolve()));
    ws.accept();
    ws.send(JSON.stringify({ type: "message", body: "while the key works" }));
    await posted;

    expect((await call("DELETE", `/v1/api-keys/${broker.id}`, { token: t.token })).status).toBe(204);
    ws.send(JSON.stringify({ type: "message", body: "after revocation" }));
    expect(await closed).toEqual({ code: 1008, reason: "credential revoked" });
    const history = await json(await call("GET", `/v1/deal-rooms/${room.id}/messages`, { apiKey: t.apiKey }));
    expect(history.data.map((m: { body: string }) => m.body)).toEqual(["while the key works"]);
  });

  it("a referral linked to a room posts system messages when created and when decided", async () => {
    const t = await createTenant();
    const room = await json(await call("POST", "/v1/deal-rooms", { apiKey: t.apiKey, body: { name: "Referral room" } }));
    const sub = await json(await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: glSubmission() }));
    const referral = await json(await call("POST", "/v1/referrals", { apiKey: t.apiKey, body: { submissionId: sub.id, reason: "Large schedule", dealRoomId: room.id } }));
    expect(referral.dealRoomId).toBe(room.id);
    const approver = await approverKey(t.token);
    await call("POST", `/v1/referrals/${referral.id}/decision`, { apiKey: approver.key, body: { decision: "approve", notes: "Carrier agreed" } });
    const messages = await eventually(
      async () => (await json(await call("GET", `/v1/deal-rooms/${room.id}/messages`, { apiKey: t.apiKey }))).data as { body: string; author: { kind: string } }[],
      (m) => m.length >= 2,
    );
    expect(messages.map((m) => m.author.kind)).toEqual(["system", "system"]);
    expect(messages[1]!.body).toContain("Referral opened");
    expect(messages[0]!.body).toContain("approved");

    const elsewhere = await createTenant();
    const foreign = await call("POST", "/v1/referrals", { apiKey: elsewhere.apiKey, body: { submissionId: sub.id, reason: "x", dealRoomId: room.id } });
    expect(foreign.status).toBe(404);
  });
});
