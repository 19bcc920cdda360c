import { describe, expect, it } from "vitest";
import { call, createTenant, json, quickstartSubmission } from "./harness.ts";

const withKey = (key: string) => ({ "idempotency-key": key });

describe("Idempotency-Key", () => {
  it("20 concurrent POSTs with one key create one submission", async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission(), headers: withKey(key) })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of responses.filter((r) => r.status === 409)) expect((await json(r)).error).toBe("idempotency_request_in_progress");
    const ids = new Set(await Promise.all(responses.filter((r) => r.status === 201).map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    const list = await json(await call("GET", "/v1/submissions?limit=100", { apiKey: t.apiKey }));
    expect(list.data).toHaveLength(1);
  });

  it("a replay is byte-identical and marked Idempotent-Replayed", async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const first = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission(), headers: withKey(key) });
    const firstText = await first.text();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const replay = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission(), headers: withKey(key) });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(firstText);
  });

  it("replays 4xx answers too (a completed request below 500)", async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    const bad = { ...quickstartSubmission(), state: "ZZ" };
    const first = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: bad, headers: withKey(key) });
    expect(first.status).toBe(400);
    const again = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: bad, headers: withKey(key) });
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("the same key with another body is 422 idempotency_key_reused", async () => {
    const t = await createTenant();
    const key = crypto.randomUUID();
    await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission(), headers: withKey(key) });
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: { ...quickstartSubmission(), insuredName: "Someone Else" }, headers: withKey(key) });
    expect(res.status).toBe(422);
    expect((await json(res)).error).toBe("idempotency_key_reused");
  });

  it("another org reusing the key runs fresh", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const key = crypto.randomUUID();
    const first = await json(await call("POST", "/v1/submissions", { apiKey: a.apiKey, body: quickstartSubmission(), headers: withKey(key) }));
    const other = await call("POST", "/v1/submissions", { apiKey: b.apiKey, body: quickstartSubmission(), headers: withKey(key) });
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(other)).id).not.toBe(first.id);
  });

  it("a malformed key is 400 invalid_idempotency_key", async () => {
    const t = await createTenant();
    const res = await call("POST", "/v1/submissions", { apiKey: t.apiKey, body: quickstartSubmission(), headers: withKey("x".repeat(256)) });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe("invalid_idempotency_key");
  });
});
