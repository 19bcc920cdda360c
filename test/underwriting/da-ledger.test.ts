import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const ledger = () => env.DA_LEDGER.getByName(`agreement-${crypto.randomUUID()}`);

describe("DaLedger: one agreement's aggregate", () => {
  it("admits premium up to the cap and refuses beyond it", async () => {
    const l = ledger();
    expect(await l.reserve("sub_a", 600, 1000)).toMatchObject({ ok: true, writtenCents: 600 });
    expect(await l.reserve("sub_b", 500, 1000)).toMatchObject({ ok: false, writtenCents: 600, capCents: 1000 });
    expect(await l.reserve("sub_c", 400, 1000)).toMatchObject({ ok: true, writtenCents: 1000 });
  });

  it("a retried reservation for the same submission counts once", async () => {
    const l = ledger();
    await l.reserve("sub_a", 300, 1000);
    await l.reserve("sub_a", 300, 1000);
    expect((await l.snapshot()).writtenCents).toBe(300);
  });

  it("a bind that loses the race to a committed one counts nothing, and its release takes nothing back", async () => {
    const l = ledger();
    await l.reserve("sub_a", 300, 1000);
    await l.commit("sub_a");
    // The loser reserves after the winner committed, writes nothing, and finds the winner's policy.
    expect(await l.reserve("sub_a", 300, 1000)).toMatchObject({ ok: true, writtenCents: 300 });
    await l.release("sub_a");
    expect((await l.snapshot()).writtenCents).toBe(300);
  });

  it("check answers as reserve would, without reserving", async () => {
    const l = ledger();
    await l.reserve("sub_a", 600, 1000);
    expect(await l.check("sub_b", 500, 1000)).toMatchObject({ ok: false, writtenCents: 600 });
    expect(await l.check("sub_b", 400, 1000)).toMatchObject({ ok: true });
    expect(await l.check("sub_a", 600, 1000)).toMatchObject({ ok: true }); // already held: adds nothing
    expect((await l.snapshot()).writtenCents).toBe(600);
  });

  it("the 85% crossing is claimed by exactly one bind, and given back if that bind is released", async () => {
    const l = ledger();
    expect(await l.reserve("sub_a", 800, 1000)).toMatchObject({ crossedThreshold: false });
    expect(await l.reserve("sub_b", 100, 1000)).toMatchObject({ crossedThreshold: true });
    await l.release("sub_b");
    expect(await l.snapshot()).toEqual({ writtenCents: 800, approachingBy: null });
    expect(await l.reserve("sub_c", 60, 1000)).toMatchObject({ crossedThreshold: true });
    await l.commit("sub_c");
    expect(await l.reserve("sub_d", 10, 1000)).toMatchObject({ crossedThreshold: false });
    expect((await l.snapshot()).approachingBy).toBe("sub_c");
  });

  it("concurrent reservations never exceed the cap, and the total survives eviction", async () => {
    const l = ledger();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => l.reserve(`sub_${i}`, 100, 1000)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    await evictDurableObject(l);
    expect((await l.snapshot()).writtenCents).toBe(1000);
  });
});
