/**
 * Producers and appointments through the gateway on the real producers worker: create and read,
 * the door's 400s naming the field, 409 for a duplicate NPN, search and filters with cursor pages,
 * the appointment lifecycle and its 422s, scopes, tenancy, and an idempotent retry.
 */
import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json } from "./harness.ts";

let seq = 0;
const npn = () => String(2_000_000 + ++seq * 13 + Math.floor(Math.random() * 7));

const producer = (overrides: Record<string, unknown> = {}) => ({
  name: "Rivera Insurance Services",
  email: "maria@rivera-ins.example",
  npn: npn(),
  agency: "Rivera Agency",
  licenses: [{ state: "CA", lines: ["GL", "PROP"], number: "0H12345", expiresOn: testDay(365) }],
  commissionRates: { GL: { newBusiness: 12.5, renewal: 10 } },
  ...overrides,
});

const send = (method: string, key: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  call(method, path, { apiKey: key, ...(body === undefined ? {} : { body }), headers });

describe("producers through the API", () => {
  it("creates, reads, updates and lists a producer", async () => {
    const t = await createTenant();
    const created = await send("POST", t.apiKey, "/v1/producers", producer());
    expect(created.status).toBe(201);
    const made = await json(created);
    expect(made).toMatchObject({ status: "active", agency: "Rivera Agency", licenses: [{ state: "CA", lines: ["GL", "PROP"] }], commissionRates: { GL: { newBusiness: 12.5, renewal: 10 } } });
    expect(made.id).toMatch(/^prd_/);

    expect(await json(await send("GET", t.apiKey, `/v1/producers/${made.id}`))).toEqual(made);
    const patched = await send("PATCH", t.apiKey, `/v1/producers/${made.id}`, { status: "suspended", agency: null });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ id: made.id, status: "suspended", agency: null, npn: made.npn });

    const other = await json(await send("POST", t.apiKey, "/v1/producers", producer({ name: "Acme Brokerage", email: "ops@acme.example", licenses: [{ state: "TX", lines: ["CA"], number: "T1", expiresOn: testDay(30) }] })));
    const list = async (query: string) => (await json(await send("GET", t.apiKey, `/v1/producers${query}`))).data.map((p: { id: string }) => p.id);
    expect(await list("")).toEqual([other.id, made.id]);
    expect(await list("?search=ACME")).toEqual([other.id]);
    expect(await list(`?search=${made.npn}`)).toEqual([made.id]);
    expect(await list("?status=suspended")).toEqual([made.id]);
    expect(await list("?state=TX&line=CA")).toEqual([other.id]);
    expect(await list("?line=PROP")).toEqual([made.id]);
    const page = await json(await send("GET", t.apiKey, "/v1/producers?limit=1"));
    expect(page.data.map((p: { id: string }) => p.id)).toEqual([other.id]);
    const next = await json(await send("GET", t.apiKey, `/v1/producers?limit=1&cursor=${page.nextCursor}`));
    expect(next).toMatchObject({ data: [{ id: made.id }], nextCursor: null });
    expect((await send("GET", t.apiKey, "/v1/producers?state=ZZ")).status).toBe(400);
  });

  it.each([
    ["an NPN that is not 1-10 digits", { npn: "12-34" }, "npn"],
    ["a state that is not a US state code", { licenses: [{ state: "PR", lines: ["GL"], number: "1", expiresOn: testDay(30) }] }, "licenses.0.state"],
    ["a line outside GL/PROP/CA", { licenses: [{ state: "CA", lines: ["WC"], number: "1", expiresOn: testDay(30) }] }, "licenses.0.lines.0"],
    ["a commission rate above 50%", { commissionRates: { GL: { newBusiness: 51, renewal: 10 } } }, "commissionRates.GL.newBusiness"],
    ["a commission rate with three decimals", { commissionRates: { GL: { newBusiness: 10.125, renewal: 10 } } }, "commissionRates.GL.newBusiness"],
    ["an expiresOn in the past", { licenses: [{ state: "CA", lines: ["GL"], number: "1", expiresOn: testDay(-1) }] }, "licenses.0.expiresOn"],
  ])("refuses %s with 400 naming the field, and stores nothing", async (_label, overrides, field) => {
    const t = await createTenant();
    const res = await send("POST", t.apiKey, "/v1/producers", producer(overrides));
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field } });
    expect((await json(await send("GET", t.apiKey, "/v1/producers"))).data).toEqual([]);
  });

  it("refuses a duplicate NPN with 409 and replays an idempotent create", async () => {
    const t = await createTenant();
    const body = producer();
    const first = await send("POST", t.apiKey, "/v1/producers", body, { "Idempotency-Key": "create-producer-1" });
    const again = await send("POST", t.apiKey, "/v1/producers", body, { "Idempotency-Key": "create-producer-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const made = await json(first);
    expect((await json(again)).id).toBe(made.id);
    const dup = await send("POST", t.apiKey, "/v1/producers", { ...body, name: "Someone Else" });
    expect(dup.status).toBe(409);
    expect(await json(dup)).toMatchObject({ error: "conflict", details: { field: "npn", existingProducerId: made.id } });
  });

  it("runs an appointment pending → active → terminated and refuses other moves with 422", async () => {
    const t = await createTenant();
    const made = await json(await send("POST", t.apiKey, "/v1/producers", producer()));
    const created = await send("POST", t.apiKey, `/v1/producers/${made.id}/appointments`, { carrier: "Summit Mutual", state: "CA", lines: ["GL"] });
    expect(created.status).toBe(201);
    const appt = await json(created);
    expect(appt).toMatchObject({ producerId: made.id, status: "pending", activatedOn: null });
    expect(appt.id).toMatch(/^apt_/);
    const path = `/v1/producers/${made.id}/appointments/${appt.id}`;
    expect(await json(await send("PATCH", t.apiKey, path, { status: "active" }))).toMatchObject({ status: "active", activatedOn: expect.any(String) });
    const again = await send("PATCH", t.apiKey, path, { status: "active" });
    expect(again.status).toBe(422);
    expect(await json(again)).toMatchObject({ error: "invalid_state_transition", details: { from: "active", to: "active" } });
    expect((await send("PATCH", t.apiKey, path, { status: "pending" })).status).toBe(400);
    expect(await json(await send("PATCH", t.apiKey, path, { status: "terminated" }))).toMatchObject({ status: "terminated", terminatedOn: expect.any(String) });
    expect((await send("PATCH", t.apiKey, path, { status: "active" })).status).toBe(422);
    const list = await json(await send("GET", t.apiKey, `/v1/producers/${made.id}/appointments`));
    expect(list).toMatchObject({ data: [{ id: appt.id, status: "terminated" }], nextCursor: null });
  });
});

describe("producers: scopes and tenancy", () => {
  it("needs producers:read to read and producers:write to write", async () => {
    const t = await createTenant();
    const made = await json(await send("POST", t.apiKey, "/v1/producers", producer()));
    const reader = await createApiKey(t.token, { scopes: ["producers:read"] });
    expect((await send("GET", reader.key, `/v1/producers/${made.id}`)).status).toBe(200);
    const refused = await send("PATCH", reader.key, `/v1/producers/${made.id}`, { name: "Nope" });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: "insufficient_scope" });
    expect((await send("POST", reader.key, `/v1/producers/${made.id}/appointments`, { carrier: "X", state: "CA", lines: ["GL"] })).status).toBe(403);
    const none = await createApiKey(t.token, { scopes: ["submissions:read"] });
    expect((await send("GET", none.key, "/v1/producers")).status).toBe(403);
  });

  it("answers 404 for another org's producer and its appointments, and lists only the org's own", async () => {
    const owner = await createTenant();
    const stranger = await createTenant();
    const made = await json(await send("POST", owner.apiKey, "/v1/producers", producer()));
    const appt = await json(await send("POST", owner.apiKey, `/v1/producers/${made.id}/appointments`, { carrier: "Summit Mutual", state: "CA", lines: ["GL"] }));
    for (const [method, path, body] of [
      ["GET", `/v1/producers/${made.id}`, undefined],
      ["PATCH", `/v1/producers/${made.id}`, { name: "Taken over" }],
      ["GET", `/v1/producers/${made.id}/appointments`, undefined],
      ["POST", `/v1/producers/${made.id}/appointments`, { carrier: "X", state: "CA", lines: ["GL"] }],
      ["PATCH", `/v1/producers/${made.id}/appointments/${appt.id}`, { status: "active" }],
    ] as const) {
      const res = await send(method, stranger.apiKey, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).error).toBe("not_found");
    }
    expect((await json(await send("GET", stranger.apiKey, "/v1/producers"))).data).toEqual([]);
    expect(await json(await send("GET", owner.apiKey, `/v1/producers/${made.id}`))).toMatchObject({ name: made.name, status: "active" });
  });
});
