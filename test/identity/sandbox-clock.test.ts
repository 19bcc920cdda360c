import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDeps } from "../../workers/identity/src/deps.ts";
import type { IdentityEnv } from "../../workers/identity/src/env.ts";
import * as sandboxClock from "../../workers/identity/src/sandbox-clock.service.ts";
import { realNow, TEST_NOW, testClockOffsetMs } from "../support/clock.ts";
import { createTestOrg, errorOf, identity, principalFor, unwrap } from "./factories.ts";

const DAY = 86_400_000;
const background = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}) };
const depsIn = (environment: string | undefined) => createDeps({ ...(env as unknown as IdentityEnv), ENVIRONMENT: environment as string }, background);

describe("sandbox clocks in identity", () => {
  it("stores the offset from real time, advances it by whole days and resets it", async () => {
    const org = await createTestOrg();
    const admin = principalFor(org.id);
    expect(await identity.clockOffsetOf(org.id)).toBe(0);
    expect(unwrap(await identity.getSandboxClock(admin))).toMatchObject({ offsetMs: 0, simulated: false });

    const set = unwrap(await identity.setSandboxClock(admin, { now: TEST_NOW }));
    expect(Math.abs(set.offsetMs - testClockOffsetMs())).toBeLessThan(60_000);
    expect(set).toMatchObject({ today: TEST_NOW.slice(0, 10), simulated: true });
    expect(await identity.clockOffsetOf(org.id)).toBe(set.offsetMs);

    const advanced = unwrap(await identity.setSandboxClock(admin, { advanceDays: 45 }));
    expect(advanced.offsetMs).toBe(set.offsetMs + 45 * DAY);
    expect(unwrap(await identity.getSandboxClock(admin)).offsetMs).toBe(advanced.offsetMs);

    expect(unwrap(await identity.resetSandboxClock(admin))).toMatchObject({ offsetMs: 0, simulated: false });
    expect(await identity.clockOffsetOf(org.id)).toBe(0);
  });

  it("keeps each org's clock to itself", async () => {
    const [a, b] = [await createTestOrg(), await createTestOrg()];
    unwrap(await identity.setSandboxClock(principalFor(a.id), { advanceDays: 3 }));
    expect(await identity.clockOffsetOf(a.id)).toBe(3 * DAY);
    expect(await identity.clockOffsetOf(b.id)).toBe(0);
  });

  it("refuses anything but exactly one of now and advanceDays, and clocks beyond ten years", async () => {
    const admin = principalFor((await createTestOrg()).id);
    const cases: [Parameters<typeof identity.setSandboxClock>[1], { field: string; rule: string }][] = [
      [{}, { field: "now", rule: "exactly_one" }],
      [{ now: TEST_NOW, advanceDays: 2 }, { field: "advanceDays", rule: "exactly_one" }],
      [{ advanceDays: 0 }, { field: "advanceDays", rule: "range" }],
      [{ advanceDays: 2.5 }, { field: "advanceDays", rule: "range" }],
      [{ now: "yesterday" }, { field: "now", rule: "datetime" }],
      [{ now: new Date(realNow() + 3_700 * DAY).toISOString() }, { field: "now", rule: "range" }],
      [{ now: new Date(realNow() - 3_700 * DAY).toISOString() }, { field: "now", rule: "range" }],
    ];
    for (const [input, details] of cases) {
      expect(errorOf(await identity.setSandboxClock(admin, input)), JSON.stringify(input)).toMatchObject({ code: "validation_failed", details });
    }
    expect(await identity.clockOffsetOf(admin.orgId)).toBe(0);
  });

  it("outside development nothing is read, stored or returned, whatever the database holds", async () => {
    const org = await createTestOrg();
    const admin = principalFor(org.id);
    unwrap(await identity.setSandboxClock(admin, { advanceDays: 200 }));
    for (const environment of ["production", "staging", "test", undefined]) {
      const deps = depsIn(environment);
      expect(await sandboxClock.clockOffsetOf(deps, org.id), String(environment)).toBe(0);
      expect(errorOf(await sandboxClock.getSandboxClock(deps, admin)).code).toBe("not_found");
      expect(errorOf(await sandboxClock.setSandboxClock(deps, admin, { advanceDays: 1 })).code).toBe("not_found");
      expect(errorOf(await sandboxClock.resetSandboxClock(deps, admin)).code).toBe("not_found");
    }
    // Still stored: the sandbox environments read it as before.
    expect(await identity.clockOffsetOf(org.id)).toBe(200 * DAY);
    expect(await sandboxClock.clockOffsetOf(depsIn("development"), org.id)).toBe(200 * DAY);
  });
});
