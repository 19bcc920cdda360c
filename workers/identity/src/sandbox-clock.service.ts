/**
 * Sandbox clocks, as Stripe's test clocks: an org sets or advances the clock its date rules read
 * (see `#shared/clock`). Identity keeps the offset from real time; the gateway reads it once per
 * request with {@link clockOffsetOf} and hands it to every domain worker on the principal. Outside
 * the sandbox environments nothing is read, stored or returned, whatever the gateway does.
 */
import type { Principal } from "#shared/auth";
import { DAY_MS, MAX_CLOCK_OFFSET_MS, offsetClock, realClock, sandboxClockEnabled } from "#shared/clock";
import { invalid, notFound, ok, type Result } from "#shared/errors";
import type { IdentityDeps } from "./deps.ts";
import * as repo from "./sandbox-clock.repo.ts";
import type { SandboxClock, SetSandboxClockInput } from "./types.ts";
import { parseDateTime } from "./validation.ts";

/** The longest single step forward, in days (ten years). */
export const MAX_ADVANCE_DAYS = 3_653;

const disabled = () => notFound("Sandbox clock");

/** The clock as integrators read it. */
export function toSandboxClock(offsetMs: number): SandboxClock {
  const clock = offsetClock(offsetMs);
  return { now: clock.now().toISOString(), today: clock.today(), offsetMs, simulated: offsetMs !== 0 };
}

/** The org's offset in milliseconds; 0 (real time) outside the sandbox environments or when never set. */
export async function clockOffsetOf(deps: IdentityDeps, orgId: string): Promise<number> {
  if (!sandboxClockEnabled(deps.env.ENVIRONMENT) || orgId === "") return 0;
  return (await repo.findClockOffset(deps.db, orgId)) ?? 0;
}

export async function getSandboxClock(deps: IdentityDeps, principal: Principal): Promise<Result<SandboxClock>> {
  if (!sandboxClockEnabled(deps.env.ENVIRONMENT)) return disabled();
  return ok(toSandboxClock(await clockOffsetOf(deps, principal.orgId)));
}

/** Put the clock at `now`, or `advanceDays` whole days past where it is; exactly one of the two. */
export async function setSandboxClock(deps: IdentityDeps, principal: Principal, input: SetSandboxClockInput): Promise<Result<SandboxClock>> {
  if (!sandboxClockEnabled(deps.env.ENVIRONMENT)) return disabled();
  const hasNow = input?.now !== undefined;
  const hasAdvance = input?.advanceDays !== undefined;
  if (hasNow === hasAdvance) return invalid(hasNow ? "advanceDays" : "now", "exactly_one", "Give exactly one of now and advanceDays");

  let offsetMs: number;
  if (hasNow) {
    const at = parseDateTime(input.now, "now");
    if (!at.ok) return at;
    offsetMs = at.value.getTime() - realClock.now().getTime();
  } else {
    const days = input.advanceDays;
    if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > MAX_ADVANCE_DAYS) {
      return invalid("advanceDays", "range", `advanceDays must be a whole number from 1 to ${MAX_ADVANCE_DAYS}`);
    }
    offsetMs = (await clockOffsetOf(deps, principal.orgId)) + days * DAY_MS;
  }
  if (Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS) {
    return invalid(hasNow ? "now" : "advanceDays", "range", "A sandbox clock stays within ten years of real time");
  }
  await repo.upsertClockOffset(deps.db, principal.orgId, offsetMs, realClock.now().toISOString());
  return ok(toSandboxClock(offsetMs));
}

/** Back to real time. */
export async function resetSandboxClock(deps: IdentityDeps, principal: Principal): Promise<Result<SandboxClock>> {
  if (!sandboxClockEnabled(deps.env.ENVIRONMENT)) return disabled();
  await repo.deleteClockOffset(deps.db, principal.orgId);
  return ok(toSandboxClock(0));
}
