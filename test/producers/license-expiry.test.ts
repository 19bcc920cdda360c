/**
 * `producer.license_expiring`: the hourly cron raises it once per license expiring within 30 days
 * (inclusive) of the org's today, never for a terminated producer or a license further out, again
 * for a license renewed to a new expiry day, and judges "today" on the org's sandbox clock.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ProducerLicense, UsState } from "#contract/types.gen";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import worker from "../../workers/producers/src/index.ts";
import type { ProducersEnv } from "../../workers/producers/src/env.ts";
import { raiseExpiringLicenses } from "../../workers/producers/src/license-expiry.ts";
import { DAY_MS } from "#shared/clock";
import { realNow, testClockOffsetMs, testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { newProducer, producersInternal, producersRpc } from "./harness.ts";

const workerEnv = env as unknown as ProducersEnv;
const identity = env as unknown as { IDENTITY: { setClockOffsetForTest(orgId: string, offsetMs: number): Promise<boolean> } };
const db = () => drizzle(env.PRODUCERS_DB);

/** A principal whose org's sandbox clock (as identity holds it for the cron) stands `days` after the test calendar's today. */
async function orgAt(days = 0): Promise<Principal> {
  const p = newPrincipal();
  await identity.IDENTITY.setClockOffsetForTest(p.orgId, testClockOffsetMs() + days * DAY_MS);
  return p;
}

async function raised(orgId: string) {
  const rows = await env.PRODUCERS_DB.prepare("SELECT id, data FROM events WHERE org_id = ? AND type = 'producer.license_expiring' ORDER BY id").bind(orgId).all<{ id: string; data: string }>();
  return rows.results.map((r) => ({ id: r.id, ...(JSON.parse(r.data) as Record<string, unknown>) }) as Record<string, unknown> & { id: string });
}

const license = (state: UsState, expiresOn: string): ProducerLicense => ({ state, lines: ["GL"], number: `${state}-1`, expiresOn });

describe("producer.license_expiring", () => {
  it("is raised once per license within 30 days, not for one further out or a terminated producer", async () => {
    const p = await orgAt();
    const producer = await newProducer(p, { licenses: [license("CA", testDay(30)), license("OR", testDay(31)), license("WA", testDay(0))] });
    const gone = await newProducer(p, { licenses: [license("CA", testDay(5))] });
    unwrap(await producersRpc.updateProducer(p, gone.id, { status: "terminated" }));

    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    const events = await raised(p.orgId);
    expect(events.map((e) => [e.producerId, e.state, e.expiresOn, e.daysLeft]).sort()).toEqual([
      [producer.id, "CA", testDay(30), 30],
      [producer.id, "WA", testDay(0), 0],
    ]);
    expect(events[0]).toMatchObject({ producerName: producer.name, npn: producer.npn, lines: ["GL"] });

    // The next runs raise nothing more; the body is served to the webhooks consumer.
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    expect(await raised(p.orgId)).toHaveLength(2);
    const [envelope] = (await producersInternal.readEvents([events[0]!.id])) as unknown as { id: string }[];
    expect(envelope).toMatchObject({ id: events[0]!.id, type: "producer.license_expiring", orgId: p.orgId, data: { producerId: producer.id } });
  });

  it("two runs at once raise each license once", async () => {
    const p = await orgAt();
    await newProducer(p, { licenses: [license("CA", testDay(10)), license("NV", testDay(12))] });
    await Promise.all([raiseExpiringLicenses(db(), workerEnv, new Date(realNow())), raiseExpiringLicenses(db(), workerEnv, new Date(realNow()))]);
    expect((await raised(p.orgId)).map((e) => e.state).sort()).toEqual(["CA", "NV"]);
  });

  it("warns again for a license renewed to a new expiry day once that day nears", async () => {
    const p = await orgAt();
    const producer = await newProducer(p, { licenses: [license("CA", testDay(20))] });
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    unwrap(await producersRpc.updateProducer(p, producer.id, { licenses: [license("CA", testDay(400))] }));
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    expect(await raised(p.orgId)).toHaveLength(1);
    // A year on (the org's clock moved), the renewed license nears its day.
    await identity.IDENTITY.setClockOffsetForTest(p.orgId, testClockOffsetMs() + 380 * DAY_MS);
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    expect((await raised(p.orgId)).map((e) => [e.expiresOn, e.daysLeft])).toEqual([
      [testDay(20), 20],
      [testDay(400), 20],
    ]);
  });

  it("judges today on each org's sandbox clock", async () => {
    const behind = await orgAt();
    const ahead = await orgAt(10);
    await newProducer(behind, { licenses: [license("CA", testDay(35))] });
    await newProducer(ahead, { licenses: [license("CA", testDay(35))] });
    await raiseExpiringLicenses(db(), workerEnv, new Date(realNow()));
    expect(await raised(behind.orgId)).toHaveLength(0);
    expect((await raised(ahead.orgId)).map((e) => e.daysLeft)).toEqual([25]);
  });

  it("runs from the worker's cron, at the cron's scheduled time", async () => {
    const p = await orgAt();
    await newProducer(p, { licenses: [license("CA", testDay(40))] });
    const ctx = createExecutionContext();
    // Fifteen days after now on the real clock: the org's clock reads the test day 15.
    await worker.scheduled!(createScheduledController({ cron: "0 * * * *", scheduledTime: realNow() + 15 * DAY_MS }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect((await raised(p.orgId)).map((e) => e.daysLeft)).toEqual([25]);
  });
});
