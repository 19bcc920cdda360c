/**
 * The registry's runtime half, in the gateway project (the whole platform as the registry wires it,
 * with the test-only fixture worker of test/registry/test-registry.ts added by its one entry):
 * the fixture is bound at the gateway and at the events consumer by generated bindings alone, its
 * outbox events reach the webhooks worker's event log through the generic source lookup, and the
 * gateway reaches no worker's internal entrypoint.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";

interface FixtureNotes {
  addNote(principal: Principal, body: string): Promise<Result<{ id: string; eventId: string; createdAt: string }>>;
}

/** Bindings as miniflare holds them, typed loosely on purpose: a test may call what the types forbid. */
const bindings = env as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> & { WEBHOOKS_DB: D1Database };
const fixture = env as unknown as { FIXTURE_NOTES: FixtureNotes };

async function loggedEvent(id: string) {
  for (let i = 0; i < 100; i++) {
    const row = await bindings.WEBHOOKS_DB.prepare("SELECT org_id, type, source, body FROM events WHERE id = ?")
      .bind(id)
      .first<{ org_id: string; type: string; source: string; body: string }>();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

describe("a worker added by one registry entry", () => {
  it("is bound at the gateway, and its events reach the webhooks worker's log through its registry name", async () => {
    const p: Principal = newPrincipal();
    const note = unwrap(await fixture.FIXTURE_NOTES.addNote(p, "relayed through the registry"));
    const row = await loggedEvent(note.eventId);
    expect(row).toMatchObject({ org_id: p.orgId, type: "note.added", source: "fixture-notes" });
    expect(JSON.parse(row!.body)).toEqual({ id: note.eventId, type: "note.added", orgId: p.orgId, timestamp: note.createdAt, data: { noteId: note.id } });
  });
});

describe("internal entrypoints", () => {
  // Each of these methods exists, on the callee's internal entrypoint, which only the named workers are bound to.
  it.each([
    ["UNDERWRITING", "readEvents", [["evt_01"]]],
    ["DEAL_ROOMS", "postSystemMessage", ["org_01", "room_01", "from the gateway"]],
    ["IDENTITY", "apiKeyStatus", ["org_01", "key_01"]],
    ["FIXTURE_NOTES", "readEvents", [["evt_01"]]],
    ["CLAIMS", "readEvents", [["evt_01"]]],
  ] as const)("%s.%s is out of the gateway's reach", async (binding, method, args) => {
    // Settled into a plain value first: matchers probing an RPC promise's properties would pipeline calls.
    let refusal: unknown = null;
    try {
      await bindings[binding]![method]!(...args);
    } catch (error) {
      refusal = error;
    }
    expect(String(refusal)).toMatch(new RegExp(`does not implement the method "${method}"`));
  });

  it("while the gateway still reaches the public methods of the same workers", async () => {
    const p = newPrincipal();
    const rooms = (await bindings.DEAL_ROOMS!.listRooms!(p, {})) as Result<{ data: unknown[] }>;
    expect(unwrap(rooms).data).toEqual([]);
  });
});
