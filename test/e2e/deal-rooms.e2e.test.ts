import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { http, sandbox } from "./client.ts";
import { realNow } from "../support/clock.ts";

interface Frame {
  type: string;
  [key: string]: any;
}

/** A joined client: every frame it receives, in order. */
async function join(wsUrl: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(wsUrl);
  const frames: Frame[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((done, reject) => {
    ws.once("open", () => done());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return { ws, frames };
}

async function until(check: () => boolean, timeoutMs = 1000) {
  const deadline = realNow() + timeoutMs;
  while (!check()) {
    if (realNow() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function orgToken(name: string) {
  const { apiSecret } = sandbox();
  const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name } });
  const demo = await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } });
  return demo.json.token as string;
}

describe("deal rooms over the local sandbox", () => {
  it("two clients joined through wsUrl see each other's and REST-posted messages within a second", async () => {
    const token = await orgToken("E2E Deal Room");
    const room = await http("POST", "/v1/deal-rooms", { token, body: { name: "Pacific Coast Builders GL" } });
    expect(room.status).toBe(201);
    const wsA = await http("GET", `/v1/deal-rooms/${room.json.id}/ws`, { token });
    expect(wsA.json.wsUrl).toMatch(/^ws:\/\//);
    // Two people: the org admin (JWT) and a broker's integration (API key).
    const broker = await http("POST", "/v1/api-keys", { token, body: { name: "broker", scopes: ["deal-rooms:read", "deal-rooms:write"] } });
    const a = await join(wsA.json.wsUrl);
    const b = await join((await http("GET", `/v1/deal-rooms/${room.json.id}/ws`, { apiKey: broker.json.key })).json.wsUrl);
    await until(() => a.frames.some((f) => f.type === "presence" && f.event === "join" && f.online.length === 2));

    a.ws.send(JSON.stringify({ type: "message", body: "We can do 1M at $46k" }));
    b.ws.send(JSON.stringify({ type: "message", body: "Make it 45 and we bind today" }));
    const rest = await http("POST", `/v1/deal-rooms/${room.json.id}/messages`, { token, body: { body: "Underwriter approved" } });
    expect(rest.status).toBe(201);
    const bodies = (frames: Frame[]) => frames.filter((f) => f.type === "message").map((f) => f.message.body);
    for (const client of [a, b]) {
      await until(() => bodies(client.frames).length === 3);
      expect(bodies(client.frames).sort()).toEqual(["Make it 45 and we bind today", "Underwriter approved", "We can do 1M at $46k"]);
    }
    const history = await http("GET", `/v1/deal-rooms/${room.json.id}/messages`, { token });
    expect(history.json.data.map((m: { body: string }) => m.body).sort()).toEqual(bodies(a.frames).sort());

    b.ws.close();
    await until(() => a.frames.some((f) => f.type === "presence" && f.event === "leave"));
    a.ws.close();
  });

  it("refuses a forged token and another org's request for a wsUrl", async () => {
    const token = await orgToken("E2E Deal Room Owner");
    const room = await http("POST", "/v1/deal-rooms", { token, body: { name: "Private room" } });
    const { wsUrl } = (await http("GET", `/v1/deal-rooms/${room.json.id}/ws`, { token })).json;
    const forged = wsUrl.replace(/token=([^.]+)\.([^.]+)\.(.+)$/, (_m: string, h: string, p: string) => `token=${h}.${p}.${"A".repeat(43)}`);
    await expect(join(forged)).rejects.toThrow("upgrade refused: 401");
    await expect(join(wsUrl.replace(/\?token=.*$/, ""))).rejects.toThrow("upgrade refused: 401");

    const other = await orgToken("E2E Deal Room Intruder");
    const refused = await http("GET", `/v1/deal-rooms/${room.json.id}/ws`, { token: other });
    expect(refused.status).toBe(404);
    // A token minted for another room cannot open this one.
    const otherRoom = await http("POST", "/v1/deal-rooms", { token: other, body: { name: "Theirs" } });
    const theirs = (await http("GET", `/v1/deal-rooms/${otherRoom.json.id}/ws`, { token: other })).json.wsUrl;
    await expect(join(theirs.replace(otherRoom.json.id, room.json.id))).rejects.toThrow("upgrade refused: 401");
  });
});
