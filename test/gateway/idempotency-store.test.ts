import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BeginOutcome } from "../../workers/gateway/src/idempotency.do.ts";
import { realNow } from "../support/clock.ts";

const OK = { status: 201, contentType: "application/json", body: '{"id":"sub_1"}' };
const store = () => env.IDEMPOTENCY.getByName(`org_test:key_test:${crypto.randomUUID()}`);

function attemptOf(outcome: BeginOutcome): string {
  if (outcome.kind !== "proceed") expect.fail(`expected proceed, got ${outcome.kind}`);
  return outcome.attempt;
}

/** Ends the current record's lease (or 24 h), as if that much time had passed. */
async function expireRecord(stub: ReturnType<typeof store>) {
  await runInDurableObject(stub, (_instance, state) => {
    const record = state.storage.kv.get<Record<string, unknown>>("record")!;
    state.storage.kv.put("record", { ...record, leaseUntil: realNow() - 1, expiresAt: realNow() - 1 });
  });
}

describe("IdempotencyStore attempts", () => {
  it("a request that outlived its lease cannot overwrite or free the retry that took over", async () => {
    const stub = store();
    const first = attemptOf(await stub.begin("POST /v1/submissions abc"));
    await expireRecord(stub);
    const retry = attemptOf(await stub.begin("POST /v1/submissions abc"));

    // The late first attempt finishes: nothing it says is kept.
    expect(await stub.complete(first, { ...OK, body: '{"id":"sub_late"}' })).toBe(false);
    await stub.release(first);
    expect(await stub.begin("POST /v1/submissions abc")).toEqual({ kind: "in_flight" });

    expect(await stub.complete(retry, OK)).toBe(true);
    expect(await stub.begin("POST /v1/submissions abc")).toEqual({ kind: "replay", response: OK });
  });

  it("the alarm of an expired response does not delete a newer request in flight", async () => {
    const stub = store();
    expect(await stub.complete(attemptOf(await stub.begin("POST /x 1")), OK)).toBe(true);
    await expireRecord(stub);
    // The key is reused after expiry, and the old alarm fires while the new request runs.
    attemptOf(await stub.begin("POST /x 2"));
    // Scheduled ahead so that only runDurableObjectAlarm runs it (one set for now may fire on its
    // own first, under load, and leave nothing for the test to run).
    await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(realNow() + 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.begin("POST /x 2")).toEqual({ kind: "in_flight" });
  });

  it("the alarm clears a record that is due", async () => {
    const stub = store();
    expect(await stub.complete(attemptOf(await stub.begin("POST /x 1")), OK)).toBe(true);
    await expireRecord(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_instance, state) => expect(state.storage.kv.get("record")).toBeUndefined());
  });
});
