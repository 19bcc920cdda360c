import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IN_FLIGHT_LEASE_MS, type BeginOutcome } from "../../workers/gateway/src/idempotency.do.ts";
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

describe("IdempotencyStore leases", () => {
  it("an in-flight record carries an alarm at its lease deadline, and the alarm clears it once the lease has lapsed", async () => {
    const stub = store();
    const before = realNow();
    const first = attemptOf(await stub.begin("POST /v1/submissions abc"));
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeGreaterThanOrEqual(before + IN_FLIGHT_LEASE_MS);
    expect(alarm!).toBeLessThanOrEqual(realNow() + IN_FLIGHT_LEASE_MS);

    // While the lease holds, the alarm keeps the record (and its duplicate gets in_flight).
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.begin("POST /v1/submissions abc")).toEqual({ kind: "in_flight" });

    // The request's isolate died: nobody completes, releases or renews. The alarm clears the record.
    await expireRecord(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_instance, state) => expect(state.storage.kv.get("record")).toBeUndefined());
    // The retry runs; the dead attempt can neither renew nor complete over it.
    const retry = attemptOf(await stub.begin("POST /v1/submissions abc"));
    expect(await stub.renew(first)).toBe(false);
    expect(await stub.complete(first, { ...OK, body: '{"id":"sub_late"}' })).toBe(false);
    expect(await stub.complete(retry, OK)).toBe(true);
    expect(await stub.begin("POST /v1/submissions abc")).toEqual({ kind: "replay", response: OK });
  });

  it("a running request renews its lease, so a slow request is never taken over; a lapsed lease cannot complete", async () => {
    const stub = store();
    const attempt = attemptOf(await stub.begin("POST /v1/policies/pol_1/endorse x"));
    // Nearly out of lease: a renewal pushes the deadline a full lease ahead, alarm included.
    await runInDurableObject(stub, (_instance, state) => {
      const record = state.storage.kv.get<Record<string, unknown>>("record")!;
      state.storage.kv.put("record", { ...record, leaseUntil: realNow() + 1_000 });
    });
    expect(await stub.renew(attempt)).toBe(true);
    const { leaseUntil, alarm } = await runInDurableObject(stub, async (_instance, state) => ({
      leaseUntil: state.storage.kv.get<{ leaseUntil: number }>("record")!.leaseUntil,
      alarm: await state.storage.getAlarm(),
    }));
    expect(leaseUntil).toBeGreaterThan(realNow() + IN_FLIGHT_LEASE_MS - 5_000);
    expect(alarm).toBe(leaseUntil);
    expect(await stub.begin("POST /v1/policies/pol_1/endorse x")).toEqual({ kind: "in_flight" });

    // A lease that lapsed is lost even before the alarm runs: completing it stores nothing.
    await expireRecord(stub);
    expect(await stub.complete(attempt, OK)).toBe(false);
    expect(await stub.renew(attempt)).toBe(false);
    expect((await stub.begin("POST /v1/policies/pol_1/endorse x")).kind).toBe("proceed");
  });
});
